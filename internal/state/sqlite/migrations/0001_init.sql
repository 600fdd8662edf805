CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    hash        BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    last_used   INTEGER,
    revoked     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE ingest_stats (
    table_name  TEXT PRIMARY KEY,
    received    INTEGER NOT NULL DEFAULT 0,
    accepted    INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    written     INTEGER NOT NULL DEFAULT 0,
    last_at     INTEGER
);

CREATE TABLE custom_tables (
    name        TEXT PRIMARY KEY,
    columns     TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
