-- The tables become STRICT, so a value of the wrong type is refused instead of stored as
-- whatever it is, and every JSON column is checked with json_valid: the database itself
-- keeps out what the service could not read back. SQLite changes neither in place, so each
-- table is built anew, filled from the old one, and then takes its name.
--
-- history_v3 references sessions_v3; renaming sessions_v3 to sessions rewrites that
-- reference. The old tables are dropped child first, so the drop cascades to nothing.
-- sessions keeps its AUTOINCREMENT counter, which may run ahead of the largest seq left
-- (the newest sessions deleted): a seq is never handed out twice.

CREATE TABLE sessions_v3 (
  seq                       INTEGER PRIMARY KEY AUTOINCREMENT,
  id                        TEXT    NOT NULL UNIQUE,
  key                       TEXT    UNIQUE,
  name                      TEXT,
  metadata                  TEXT    NOT NULL CHECK (json_valid(metadata)),
  param_groups              TEXT    NOT NULL CHECK (json_valid(param_groups)),
  requested_with_references TEXT    CHECK (requested_with_references IS NULL OR json_valid(requested_with_references)),
  scheduler                 TEXT    NOT NULL CHECK (json_valid(scheduler)),
  step                      INTEGER NOT NULL CHECK (step >= 0),
  scheduler_state           TEXT    NOT NULL CHECK (json_valid(scheduler_state)),
  groups                    TEXT    NOT NULL CHECK (json_valid(groups)),
  created_at                TEXT    NOT NULL,
  updated_at                TEXT    NOT NULL
) STRICT;

INSERT INTO sessions_v3 (seq, id, key, name, metadata, param_groups, requested_with_references, scheduler,
                         step, scheduler_state, groups, created_at, updated_at)
SELECT seq, id, key, name, metadata, param_groups, requested_with_references, scheduler,
       step, scheduler_state, groups, created_at, updated_at
FROM sessions;

DELETE FROM sqlite_sequence WHERE name = 'sessions_v3';
INSERT INTO sqlite_sequence (name, seq) SELECT 'sessions_v3', seq FROM sqlite_sequence WHERE name = 'sessions';

CREATE TABLE history_v3 (
  session_seq     INTEGER NOT NULL REFERENCES sessions_v3 (seq) ON DELETE CASCADE,
  step            INTEGER NOT NULL CHECK (step >= 0),
  recorded_at     TEXT    NOT NULL,
  -- NULL exactly for step 0, the creation; every later step has the report it was made by.
  report          TEXT    CHECK (report IS NULL OR json_valid(report)),
  scheduler_state TEXT    NOT NULL CHECK (json_valid(scheduler_state)),
  groups          TEXT    NOT NULL CHECK (json_valid(groups)),
  PRIMARY KEY (session_seq, step),
  CHECK ((report IS NULL) = (step = 0))
) STRICT, WITHOUT ROWID;

INSERT INTO history_v3 (session_seq, step, recorded_at, report, scheduler_state, groups)
SELECT session_seq, step, recorded_at, report, scheduler_state, groups
FROM history;

DROP TABLE history;
DROP TABLE sessions;
ALTER TABLE sessions_v3 RENAME TO sessions;
ALTER TABLE history_v3 RENAME TO history;
