-- Photo fingerprints (PDQ) of image attachments, kept by the image projection. A blob has one
-- row per variant: `full` always, `trimmed` when cutting uniform borders changed the hash.
-- hash is the 32-byte big-endian hash; dihedral the 8 dihedral hashes (256 bytes) used to query.
-- Ids follow commit order (one projection writes at a time) so nodes can follow new rows.
CREATE TABLE image_fingerprints (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    blob TEXT NOT NULL REFERENCES blobs (sha256),
    variant TEXT NOT NULL,
    hash BYTEA NOT NULL,
    quality BIGINT NOT NULL,
    dihedral BYTEA NOT NULL,
    UNIQUE (blob, variant)
);

-- Image blobs that could not be decoded, so they are not tried again.
CREATE TABLE image_failures (
    blob TEXT PRIMARY KEY REFERENCES blobs (sha256),
    reason TEXT NOT NULL
);

-- Which records carry which blobs now, for turning a matched photo into the records holding it.
CREATE TABLE record_blobs (
    record_id TEXT NOT NULL REFERENCES records (id),
    blob TEXT NOT NULL,
    PRIMARY KEY (record_id, blob)
);
CREATE INDEX record_blobs_by_blob ON record_blobs (blob, record_id);

-- Lists of hashes of known images (from a partner, a clearing house), matched on intake.
CREATE TABLE hash_lists (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    max_distance BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    -- 1 once the photos stored before the list came have been matched against it.
    scanned BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE hash_list_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id TEXT NOT NULL REFERENCES hash_lists (id),
    hash BYTEA NOT NULL,
    UNIQUE (list_id, hash)
);

-- A record's photo matched a listed hash. Shown only to readers who may see the photo.
CREATE TABLE image_alerts (
    record_id TEXT NOT NULL REFERENCES records (id),
    blob TEXT NOT NULL,
    entry_id BIGINT NOT NULL REFERENCES hash_list_entries (id),
    distance BIGINT NOT NULL,
    raised_ms BIGINT NOT NULL,
    PRIMARY KEY (record_id, blob, entry_id)
);
