-- Scheduler sessions and their step history.
--
-- A session row holds the current schedule (scheduler state and optimizer groups);
-- every step also writes a history row holding the schedule after it, so a rewind
-- restores any earlier step exactly. JSON columns keep NaN and infinities as the
-- strings "NaN", "Infinity", "-Infinity".

CREATE TABLE sessions (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT, -- creation order, for newest-first paging
  id              TEXT    NOT NULL UNIQUE,
  key             TEXT    UNIQUE,
  name            TEXT,
  metadata        TEXT    NOT NULL,                  -- JSON object
  param_groups    TEXT    NOT NULL,                  -- JSON, the groups as given
  scheduler       TEXT    NOT NULL,                  -- JSON, the config with defaults filled in
  step            INTEGER NOT NULL,
  scheduler_state TEXT    NOT NULL,                  -- JSON, the scheduler's state now
  groups          TEXT    NOT NULL,                  -- JSON, the optimizer's groups now
  created_at      TEXT    NOT NULL,
  updated_at      TEXT    NOT NULL
);

CREATE TABLE history (
  session_seq     INTEGER NOT NULL REFERENCES sessions (seq) ON DELETE CASCADE,
  step            INTEGER NOT NULL,
  recorded_at     TEXT    NOT NULL,
  report          TEXT,                              -- JSON, NULL for step 0 (the creation)
  scheduler_state TEXT    NOT NULL,
  groups          TEXT    NOT NULL,
  PRIMARY KEY (session_seq, step)
) WITHOUT ROWID;
