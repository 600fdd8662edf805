-- Stream detection: Sigma correlation groups and the batches whose events they reflect (written in one
-- transaction, so a redelivered batch is recognised and never counted twice).
CREATE TABLE sigma_groups (
    rule_key   TEXT NOT NULL,
    group_key  TEXT NOT NULL,
    data       TEXT NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (rule_key, group_key)
);
CREATE TABLE sigma_applied (
    batch_id   TEXT PRIMARY KEY,
    applied_at INTEGER NOT NULL
);
CREATE INDEX sigma_applied_at ON sigma_applied (applied_at);
