-- What the map shows besides records. Labels are NULL for none; public is 0 or 1, and a public
-- layer (shown to callers without an account) has no label on it or its features. properties
-- are JSON object text, geometry GeoJSON geometry text.
CREATE TABLE map_layers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    public BIGINT NOT NULL,
    label TEXT,
    source TEXT NOT NULL,
    features BIGINT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);

-- A layer's places, numbered from 0 in the order imported; label is the feature's own.
CREATE TABLE map_layer_features (
    layer_id TEXT NOT NULL REFERENCES map_layers (id),
    n BIGINT NOT NULL,
    name TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    geometry TEXT,
    properties TEXT NOT NULL,
    label TEXT,
    PRIMARY KEY (layer_id, n)
);

-- Tracks: a vessel's, a vehicle's, a person's journey. version counts the changes journalled.
CREATE TABLE map_tracks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    version BIGINT NOT NULL
);

-- Positions guarded by their track's label. Ids follow commit order (the writer adds them) so
-- nodes can follow new rows.
CREATE TABLE track_positions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    track_id TEXT NOT NULL REFERENCES map_tracks (id),
    at_ms BIGINT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    properties TEXT NOT NULL
);
CREATE INDEX track_positions_by_time ON track_positions (track_id, at_ms, id);
