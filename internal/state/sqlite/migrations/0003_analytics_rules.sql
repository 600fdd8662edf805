CREATE TABLE analytics_rules (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    version     INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE analytics_rule_versions (
    rule_id     TEXT NOT NULL REFERENCES analytics_rules(id),
    version     INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    changed_at  INTEGER NOT NULL,
    PRIMARY KEY (rule_id, version)
);
