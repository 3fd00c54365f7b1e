-- Labels become enforced: authorizations must be defined before labels name them, the journal
-- carries each record change's labels so feeds and counters can be filtered by them.
CREATE TABLE authorizations (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    defined_by TEXT NOT NULL,
    defined_ms BIGINT NOT NULL
);

ALTER TABLE journal ADD COLUMN label TEXT;
ALTER TABLE journal ADD COLUMN previous_label TEXT;
-- Earlier entries take their record's current label: the history of labels was not kept.
UPDATE journal SET label = (SELECT json_extract(records.document, '$.label') FROM records WHERE records.id = journal.subject)
    WHERE kind IS NOT NULL;
UPDATE journal SET previous_label = label WHERE previous_state IS NOT NULL;

-- Counters are now kept per label; the projection rebuilds them from the journal.
DROP TABLE state_counts;
CREATE TABLE state_counts (
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    label TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (kind, state, label)
);
DELETE FROM projections WHERE name = 'state_counts';
