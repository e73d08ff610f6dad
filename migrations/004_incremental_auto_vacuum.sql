-- migrate: outside a transaction
--
-- Space freed by deleting a session goes back to the operating system: with auto_vacuum
-- INCREMENTAL, the pages a delete frees are listed, and `PRAGMA incremental_vacuum` (run
-- after each session's history is swept, see src/sessions/deletion-sweeper.ts) gives them
-- back. An existing database changes its auto_vacuum mode only by a VACUUM, which rewrites
-- the whole file, cannot run inside a transaction and needs free disk space about the size
-- of the database: a one-time pause when a large database is first opened by this version.
-- Run again if interrupted, it does the same, so recording it afterwards is safe.

PRAGMA auto_vacuum = INCREMENTAL;
VACUUM;
