-- Which sessions someone watches (an event stream or a wait for a step, on any replica):
-- until this time, a step, rewind or delete of the session sends a NOTIFY; otherwise it
-- sends none. PostgreSQL serialises the commits of every transaction that has sent a
-- NOTIFY (a database-wide lock held until the commit is flushed), so notifying on every
-- step would cap the steps of all replicas together at about one per disk flush.
--
-- A replica with watchers of a session keeps pushing this lease forward while they stay
-- (src/store/postgres-watch-leases.ts); a replica that dies simply stops, and the lease
-- lapses by itself. NULL: never watched.
ALTER TABLE sessions ADD COLUMN watched_until timestamptz;
