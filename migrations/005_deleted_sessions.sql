-- Deleting a session marks it deleted at once (it is gone from every read, and its key is
-- free again); its history, which may be gigabytes, is then removed in small chunks that
-- leave the service answering, and the session row last (src/sessions/deletion-sweeper.ts).
-- The mark is durable, so a crash mid-way neither brings the session back nor leaves its
-- history behind: the next start sweeps on.

ALTER TABLE sessions ADD COLUMN deleted_at TEXT;

-- The sweeper's work list: empty almost always, so the index is too.
CREATE INDEX sessions_deleted ON sessions (seq) WHERE deleted_at IS NOT NULL;
