-- Analysts' decisions about the entities text analysis finds. Entity ids are hashes of kind and
-- key, the same on every node and after the analysis projection is rebuilt, so these tables name
-- them without a foreign key: the projection's tables can be dropped and rebuilt under them.

-- Entity merged_id is entity into_id, until undone. A merge is never deleted: undoing it keeps
-- the row with who undid it and when. An entity is merged into at most one other at a time.
CREATE TABLE entity_merges (
    id TEXT PRIMARY KEY,
    into_id TEXT NOT NULL,
    merged_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    undone_by TEXT,
    undone_ms INTEGER
);
CREATE UNIQUE INDEX entity_merges_standing ON entity_merges (merged_id) WHERE undone_ms IS NULL;
CREATE INDEX entity_merges_by_into ON entity_merges (into_id) WHERE undone_ms IS NULL;

-- Known-benign entities that link nothing while active is 1. Kind and key are copied from the
-- entity (they never change) so the list needs no projection table. version counts changes.
CREATE TABLE entity_exclusions (
    entity_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    active INTEGER NOT NULL,
    version INTEGER NOT NULL
);

-- Relations analysts state between entities. evidence is a JSON array of record ids; label is
-- NULL for none. A removed relation keeps its row with who removed it and when.
CREATE TABLE relations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    from_id TEXT NOT NULL,
    to_id TEXT NOT NULL,
    evidence TEXT NOT NULL,
    label TEXT,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    removed_by TEXT,
    removed_ms INTEGER
);
