-- Releases of record versions to users and pools: who received which version, why, and how
-- they may share it.
CREATE TABLE disseminations (
    record_id TEXT NOT NULL REFERENCES records (id),
    version BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    purpose TEXT NOT NULL,
    handling_code TEXT NOT NULL,
    released_by TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (record_id, version, recipient)
);
CREATE INDEX disseminations_by_recipient ON disseminations (recipient, at_ms);
