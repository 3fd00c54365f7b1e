-- Records keep their current version here and every version in record_versions; the document
-- column holds the record as JSON, the other columns are what lists filter on.
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee TEXT,
    created_by TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX records_by_state ON records (state, id);
CREATE INDEX records_by_assignee ON records (assignee, id);
CREATE INDEX records_by_kind ON records (kind, id);
CREATE INDEX records_by_creator ON records (created_by, id);

CREATE TABLE record_versions (
    record_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (record_id, version)
);

CREATE TABLE journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    change TEXT NOT NULL,
    subject TEXT NOT NULL,
    version INTEGER NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT,
    state TEXT,
    previous_state TEXT
);

CREATE TABLE idempotency_keys (
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    record_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (actor, key)
);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    content BLOB NOT NULL
);

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    authorizations TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users (username),
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
);

CREATE TABLE pools (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TABLE pool_members (
    pool TEXT NOT NULL REFERENCES pools (name),
    username TEXT NOT NULL REFERENCES users (username),
    PRIMARY KEY (pool, username)
);

CREATE TABLE projections (
    name TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE state_counts (
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (kind, state)
);

CREATE TABLE node (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
