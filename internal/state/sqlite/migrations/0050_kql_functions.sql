-- Stored KQL functions saved through the API, with every version kept (a deletion is a version too).
CREATE TABLE kql_functions (
    name        TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE kql_function_versions (
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    change      TEXT NOT NULL,
    body        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL,
    changed_by  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (name, version)
);
