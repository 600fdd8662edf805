CREATE TABLE analytics_rule_runs (
    rule_id       TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    window_end    INTEGER NOT NULL,
    started_at    INTEGER NOT NULL,
    duration_ms   REAL NOT NULL,
    rows          INTEGER NOT NULL,
    alerts        INTEGER NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (rule_id, window_end)
);
