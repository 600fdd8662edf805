CREATE TABLE alerts (
    id              TEXT PRIMARY KEY,
    source          TEXT NOT NULL,
    rule_id         TEXT NOT NULL,
    rule_title      TEXT NOT NULL,
    rule_author     TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL,
    tactics         TEXT NOT NULL DEFAULT '[]',
    techniques      TEXT NOT NULL DEFAULT '[]',
    entities        TEXT NOT NULL DEFAULT '[]',
    matched_fields  TEXT NOT NULL DEFAULT '[]',
    event           TEXT NOT NULL DEFAULT '{}',
    event_table     TEXT NOT NULL DEFAULT '',
    event_item_id   TEXT NOT NULL DEFAULT '',
    event_time      INTEGER NOT NULL,
    detected_at     INTEGER NOT NULL
);
CREATE INDEX alerts_detected ON alerts (detected_at DESC);
CREATE INDEX alerts_rule ON alerts (rule_id);
CREATE INDEX alerts_severity_status ON alerts (severity, status);
