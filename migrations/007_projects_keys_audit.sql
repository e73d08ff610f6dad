-- Who may do what: projects own sessions, API keys act for one project with a role,
-- and an audit log says who rewound or deleted what (and who made or revoked keys).
--
-- Every session made before this migration belongs to the `default` project, which
-- open mode (no key at all) also uses.

CREATE TABLE projects (
  name       TEXT NOT NULL PRIMARY KEY,
  created_at TEXT NOT NULL
) STRICT;

INSERT INTO projects (name, created_at) VALUES ('default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Only a token's SHA-256 is kept: tokens are 32 random bytes, so a digest cannot be
-- reversed or guessed, and looking a token up by its digest reveals nothing through timing.
-- A revoked key keeps its row (revoked_at set), so its id stays meaningful in the audit
-- log and the history, and the service never falls back to open mode once a key was made.
CREATE TABLE api_keys (
  id           TEXT NOT NULL PRIMARY KEY,
  token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64), -- hex digest of the token
  project      TEXT NOT NULL REFERENCES projects (name),
  role         TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
  name         TEXT,
  created_at   TEXT NOT NULL,
  revoked_at   TEXT
) STRICT;

-- Sessions gain their project, and a `key` is unique within a project only: the same
-- run id in two projects makes two sessions. SQLite cannot drop the old column-level
-- UNIQUE, so the table is built anew (migrate() runs this with foreign keys off, so
-- dropping the old table cascades to no history row, and checks them before committing),
-- keeping every seq and the AUTOINCREMENT counter: history rows and cursors stay valid.
CREATE TABLE sessions_v7 (
  seq                       INTEGER PRIMARY KEY AUTOINCREMENT,
  id                        TEXT    NOT NULL UNIQUE,
  project                   TEXT    NOT NULL REFERENCES projects (name),
  key                       TEXT,
  name                      TEXT,
  metadata                  TEXT    NOT NULL CHECK (json_valid(metadata)),
  param_groups              TEXT    NOT NULL CHECK (json_valid(param_groups)),
  requested_with_references TEXT    CHECK (requested_with_references IS NULL OR json_valid(requested_with_references)),
  scheduler                 TEXT    NOT NULL CHECK (json_valid(scheduler)),
  step                      INTEGER NOT NULL CHECK (step >= 0),
  scheduler_state           TEXT    NOT NULL CHECK (json_valid(scheduler_state)),
  groups                    TEXT    NOT NULL CHECK (json_valid(groups)),
  created_at                TEXT    NOT NULL,
  updated_at                TEXT    NOT NULL,
  deleted_at                TEXT,
  UNIQUE (project, key)
) STRICT;

INSERT INTO sessions_v7 (seq, id, project, key, name, metadata, param_groups, requested_with_references, scheduler,
                         step, scheduler_state, groups, created_at, updated_at, deleted_at)
SELECT seq, id, 'default', key, name, metadata, param_groups, requested_with_references, scheduler,
       step, scheduler_state, groups, created_at, updated_at, deleted_at
FROM sessions;

DELETE FROM sqlite_sequence WHERE name = 'sessions_v7';
INSERT INTO sqlite_sequence (name, seq) SELECT 'sessions_v7', seq FROM sqlite_sequence WHERE name = 'sessions';

DROP TABLE sessions;
ALTER TABLE sessions_v7 RENAME TO sessions;

-- As migration 005 had it: the sweeper's work list of deleted sessions.
CREATE INDEX sessions_deleted ON sessions (seq) WHERE deleted_at IS NOT NULL;
-- A project's listing, newest first, without scanning other projects' sessions.
CREATE INDEX sessions_by_project ON sessions (project, seq) WHERE deleted_at IS NULL;

-- The key that made each step (step 0: the creation); NULL in open mode.
ALTER TABLE history ADD COLUMN actor TEXT;

-- Not tied to sessions or keys by foreign keys: a deleted session leaves its rows here.
CREATE TABLE audit_log (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  at      TEXT NOT NULL,
  actor   TEXT,                                      -- Caller.actor: a key id, LRSCHED_ADMIN_KEY, cli; NULL in open mode
  action  TEXT NOT NULL CHECK (action IN
            ('session.rewind', 'session.delete', 'key.create', 'key.revoke', 'project.create')),
  project TEXT NOT NULL,                             -- the project the subject belongs to
  subject TEXT NOT NULL,                             -- session id, key id or project name
  detail  TEXT NOT NULL CHECK (json_valid(detail))   -- JSON object: e.g. {"from_step":52,"to_step":37}
) STRICT;
