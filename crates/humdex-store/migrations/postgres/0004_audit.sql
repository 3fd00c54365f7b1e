-- The tamper-evident audit log (see humdex-audit): entries, the Merkle tree's perfect nodes, and
-- signed checkpoints. All three are insert-only.

-- leaf holds the exact bytes that were hashed (compact JSON), never rebuilt from other columns;
-- at_ms repeats the entry's time so entries can be found by time without parsing leaves.
CREATE TABLE audit_entries (
    entry_index BIGINT PRIMARY KEY,
    leaf TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);

-- The hash of every perfect subtree: the 2^level leaves from node_index * 2^level on. Level 0
-- holds the leaf hashes, which verification compares with the entries to name an edited one.
CREATE TABLE audit_nodes (
    level BIGINT NOT NULL,
    node_index BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, node_index)
);

-- Checkpoints as C2SP signed notes, one per size the log was signed at.
CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL
);

-- Entries queued by the writes of one batch; the writer seals them into the log, in this order,
-- before the batch commits, so the table is empty outside a batch's transaction.
CREATE TABLE audit_pending (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    leaf TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
