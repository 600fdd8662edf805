-- Stream detection: per-rule statistics (matches, alerts, sampled evaluation cost) and the event totals, added to in
-- the transaction that commits a delivery's alerts and correlation state, so they survive a restart and count each
-- event once.
CREATE TABLE sigma_rule_stats (
    rule_key      TEXT PRIMARY KEY,
    matches       INTEGER NOT NULL DEFAULT 0,
    alerts        INTEGER NOT NULL DEFAULT 0,
    last_match    INTEGER NOT NULL DEFAULT 0, -- Unix microseconds of the latest match's event time; 0: none
    sampled_evals INTEGER NOT NULL DEFAULT 0,
    sampled_nanos INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sigma_stats_totals (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    events  INTEGER NOT NULL DEFAULT 0,
    sampled INTEGER NOT NULL DEFAULT 0
);
