-- Who may do what: projects own sessions, API keys act for one project with a role,
-- and an audit log says who rewound or deleted what (and who made or revoked keys).
--
-- Every session made before this migration belongs to the `default` project, which
-- open mode (no key at all) also uses.

CREATE TABLE projects (
  name       TEXT NOT NULL PRIMARY KEY,
  created_at TEXT NOT NULL
);

INSERT INTO projects (name, created_at) VALUES ('default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Only a token's SHA-256 is kept: tokens are 32 random bytes, so a digest cannot be
-- reversed or guessed, and looking a token up by its digest reveals nothing through timing.
-- A revoked key keeps its row (revoked_at set), so its id stays meaningful in the audit
-- log and the history, and the service never falls back to open mode once a key was made.
CREATE TABLE api_keys (
  id           TEXT NOT NULL PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE,                 -- hex digest of the token
  project      TEXT NOT NULL REFERENCES projects (name),
  role         TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
  name         TEXT,
  created_at   TEXT NOT NULL,
  revoked_at   TEXT
);

-- Sessions gain their project, and a `key` is unique within a project only: the same
-- run id in two projects makes two sessions. SQLite cannot drop the old column-level
-- UNIQUE, so the table is rebuilt (migrate() runs this with foreign keys off and checks
-- them before committing), keeping every seq so history rows and cursors stay valid.
CREATE TABLE sessions_with_project (
  seq                       INTEGER PRIMARY KEY AUTOINCREMENT,
  id                        TEXT    NOT NULL UNIQUE,
  project                   TEXT    NOT NULL REFERENCES projects (name),
  key                       TEXT,
  name                      TEXT,
  metadata                  TEXT    NOT NULL,
  param_groups              TEXT    NOT NULL,
  scheduler                 TEXT    NOT NULL,
  step                      INTEGER NOT NULL,
  scheduler_state           TEXT    NOT NULL,
  groups                    TEXT    NOT NULL,
  created_at                TEXT    NOT NULL,
  updated_at                TEXT    NOT NULL,
  requested_with_references TEXT,
  UNIQUE (project, key)
);

INSERT INTO sessions_with_project
  (seq, id, project, key, name, metadata, param_groups, scheduler, step, scheduler_state, groups,
   created_at, updated_at, requested_with_references)
SELECT seq, id, 'default', key, name, metadata, param_groups, scheduler, step, scheduler_state, groups,
       created_at, updated_at, requested_with_references
FROM sessions;

-- AUTOINCREMENT never reuses the seq of a deleted session: the new table continues the old count.
DELETE FROM sqlite_sequence WHERE name = 'sessions_with_project';
INSERT INTO sqlite_sequence (name, seq) SELECT 'sessions_with_project', seq FROM sqlite_sequence WHERE name = 'sessions';

DROP TABLE sessions;
ALTER TABLE sessions_with_project RENAME TO sessions;

-- A project's listing, newest first, without scanning other projects' sessions.
CREATE INDEX sessions_by_project ON sessions (project, seq);

-- The key that made each step (step 0: the creation); NULL in open mode.
ALTER TABLE history ADD COLUMN actor TEXT;

-- Not tied to sessions or keys by foreign keys: a deleted session leaves its rows here.
CREATE TABLE audit_log (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      TEXT NOT NULL,
  actor   TEXT,                                      -- key id; NULL in open mode or from the command line
  action  TEXT NOT NULL CHECK (action IN
            ('session.rewind', 'session.delete', 'key.create', 'key.revoke', 'project.create')),
  project TEXT NOT NULL,                             -- the project the subject belongs to
  subject TEXT NOT NULL,                             -- session id, key id or project name
  detail  TEXT NOT NULL                              -- JSON object: e.g. {"from_step":52,"to_step":37}
);
