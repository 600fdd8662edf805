CREATE TABLE analytics_rule_changes (
    rule_id     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    change      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    changed_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX analytics_rule_changes_rule ON analytics_rule_changes (rule_id, at);
