-- What text analysis found in each record's text: entity mentions and trafficking-indicator hits,
-- each with the effective label (record & field) of the part of the record it was found in, so
-- no reader is shown a mention from a part they may not see. Rebuilt from the journal by the
-- analysis projection.
CREATE TABLE entities (
    -- Hex SHA-256 of kind and key, the same on every node.
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL
);

CREATE TABLE mentions (
    record_id TEXT NOT NULL,
    part TEXT NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    entity_id TEXT NOT NULL REFERENCES entities (id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    normalized TEXT NOT NULL,
    confidence REAL NOT NULL,
    source TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (record_id, part, start_char)
);
CREATE INDEX mentions_by_entity ON mentions (entity_id, record_id);

CREATE TABLE indicator_hits (
    record_id TEXT NOT NULL,
    part TEXT NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    text TEXT NOT NULL,
    category TEXT NOT NULL,
    weight REAL NOT NULL,
    reason TEXT NOT NULL,
    label TEXT NOT NULL
);
CREATE INDEX indicator_hits_by_record ON indicator_hits (record_id, part, start_char);

-- The record version each analysis was made from.
CREATE TABLE record_analyses (
    record_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);
