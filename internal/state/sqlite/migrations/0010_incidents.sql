CREATE TABLE incidents (
    id                      TEXT PRIMARY KEY,
    number                  INTEGER NOT NULL UNIQUE,
    title                   TEXT NOT NULL,
    title_set               INTEGER NOT NULL DEFAULT 0,
    description             TEXT NOT NULL DEFAULT '',
    severity                TEXT NOT NULL,
    severity_rank           INTEGER NOT NULL,
    severity_set            INTEGER NOT NULL DEFAULT 0,
    status                  TEXT NOT NULL,
    owner                   TEXT NOT NULL DEFAULT '',
    tags                    TEXT NOT NULL DEFAULT '[]',
    classification          TEXT NOT NULL DEFAULT '',
    classification_reason   TEXT NOT NULL DEFAULT '',
    classification_comment  TEXT NOT NULL DEFAULT '',
    merged_into             TEXT NOT NULL DEFAULT '',
    alert_count             INTEGER NOT NULL DEFAULT 0,
    rule_ids                TEXT NOT NULL DEFAULT '[]',
    tactics                 TEXT NOT NULL DEFAULT '[]',
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    first_activity          INTEGER NOT NULL DEFAULT 0,
    last_activity           INTEGER NOT NULL DEFAULT 0,
    first_alert_at          INTEGER NOT NULL DEFAULT 0,
    acknowledged_at         INTEGER,
    resolved_at             INTEGER,
    modified_by             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incidents_updated ON incidents (updated_at, number);
CREATE INDEX incidents_created ON incidents (created_at, number);
CREATE INDEX incidents_severity ON incidents (severity_rank, number);
CREATE INDEX incidents_status_updated ON incidents (status, updated_at, number);
CREATE INDEX incidents_status_created ON incidents (status, created_at, number);
CREATE INDEX incidents_status_severity ON incidents (status, severity_rank, number);
CREATE INDEX incidents_owner ON incidents (owner, status, updated_at, number);
CREATE INDEX incidents_title ON incidents (title);

CREATE TABLE incident_tags (
    tag          TEXT NOT NULL COLLATE NOCASE,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    PRIMARY KEY (tag, incident_id)
);

CREATE TABLE incident_comments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    author       TEXT NOT NULL,
    text         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX incident_comments_incident ON incident_comments (incident_id, id);

CREATE TABLE incident_tasks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id   TEXT NOT NULL REFERENCES incidents(id),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    completed_by  TEXT NOT NULL DEFAULT '',
    completed_at  INTEGER
);
CREATE INDEX incident_tasks_incident ON incident_tasks (incident_id, id);

-- The timeline is append-only: every change of an incident, with who and when.
CREATE TABLE incident_timeline (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  TEXT NOT NULL,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    field        TEXT NOT NULL DEFAULT '',
    before       TEXT NOT NULL DEFAULT '',
    after        TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    alert_id     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);

-- Grouping operations (merge, split, move) an analyst can undo: payload holds the alert moves and prior statuses.
CREATE TABLE incident_ops (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT NOT NULL,
    actor    TEXT NOT NULL,
    at       INTEGER NOT NULL,
    payload  TEXT NOT NULL,
    undone   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE incident_op_incidents (
    incident_id  TEXT NOT NULL,
    op_id        INTEGER NOT NULL REFERENCES incident_ops(id),
    PRIMARY KEY (incident_id, op_id)
);

-- The correlator's view of alerts: normalised entity keys by activity time, and one decision per alert.
CREATE TABLE alert_entities (
    key       TEXT NOT NULL,
    alert_id  TEXT NOT NULL,
    type      TEXT NOT NULL,
    value     TEXT NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (key, at, alert_id)
) WITHOUT ROWID;
CREATE INDEX alert_entities_alert ON alert_entities (alert_id);

CREATE TABLE incident_decisions (
    alert_id       TEXT PRIMARY KEY,
    incident_id    TEXT NOT NULL,
    at             INTEGER NOT NULL,
    score          REAL NOT NULL,
    matched_alert  TEXT NOT NULL DEFAULT '',
    shared         TEXT NOT NULL DEFAULT '[]',
    reason         TEXT NOT NULL
);

-- Changes waiting to be written to the SecurityIncident table (written in the same transaction as the change).
CREATE TABLE incident_outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  TEXT NOT NULL,
    snapshot     TEXT NOT NULL
);

CREATE INDEX alerts_pending ON alerts (incident_id, detected_at, id);
CREATE INDEX alerts_rule_time ON alerts (rule_id, event_time);

-- The batch of the outbox being published (at most one row), so a retry publishes the same rows under the same id.
CREATE TABLE incident_outbox_batch (
    first_seq  INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL
);

-- The distinct incident titles (titles repeat: most are rule names), so a text search scans this small table and
-- reaches the matching incidents through incidents_title.
CREATE TABLE incident_titles (
    title  TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TRIGGER incident_titles_insert AFTER INSERT ON incidents BEGIN
    INSERT OR IGNORE INTO incident_titles (title) VALUES (NEW.title);
END;
CREATE TRIGGER incident_titles_update AFTER UPDATE OF title ON incidents BEGIN
    INSERT OR IGNORE INTO incident_titles (title) VALUES (NEW.title);
END;
