CREATE TABLE analytics_rule_suppressions (
    rule_id     TEXT NOT NULL,
    entity_key  TEXT NOT NULL,
    until       INTEGER NOT NULL,
    PRIMARY KEY (rule_id, entity_key)
);
