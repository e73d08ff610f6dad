-- Downsampled history for charts (GET /v1/sessions/{id}/history?points=): a pyramid of
-- bucket extremes, so that a chart of a million-step session reads a few hundred rows
-- instead of every step.
--
-- history_points: the numbers a chart plots from each history row, one row per series:
-- every group's lr ('lrs.0', 'lrs.1', ...), the report's 'metric' and each named metric
-- ('metrics.<name>'). The strings "Infinity" and "-Infinity" become REAL infinities;
-- "NaN" becomes NULL, which no minimum or maximum picks.

CREATE VIEW history_points (session_seq, step, series, value) AS
  SELECT session_seq, step, series,
         CASE raw WHEN 'Infinity' THEN 9e999 WHEN '-Infinity' THEN -9e999 WHEN 'NaN' THEN NULL ELSE raw END
  FROM (
    SELECT h.session_seq, h.step, 'lrs.' || g.key AS series, g.value ->> 'lr' AS raw
      FROM history h, json_each(h.groups) g
    UNION ALL
    SELECT session_seq, step, 'metric', report ->> 'metric'
      FROM history WHERE report ->> 'metric' IS NOT NULL
    UNION ALL
    SELECT h.session_seq, h.step, 'metrics.' || m.key, m.value
      FROM history h, json_each(h.report, '$.metrics') m
  );

-- history_extremes: for each aligned block of 16^level steps (levels 1 to 5: 16 to
-- 1048576 steps) and each series, its lowest and highest value and the earliest step
-- holding each. A block is written when its last step is appended, from the 16 blocks
-- (or steps) one level below, so a step pays for this only on every 16th step; a
-- rewind deletes the blocks that end after its step.

CREATE TABLE history_extremes (
  -- A deleted session's blocks are removed by the sweeper, in chunks, before its row goes.
  session_seq INTEGER NOT NULL REFERENCES sessions (seq) ON DELETE CASCADE,
  level       INTEGER NOT NULL,
  last_step   INTEGER NOT NULL,  -- the block covers last_step - 16^level + 1 .. last_step
  series      TEXT    NOT NULL,
  min_step    INTEGER NOT NULL,
  min_value   REAL    NOT NULL,
  max_step    INTEGER NOT NULL,
  max_value   REAL    NOT NULL,
  PRIMARY KEY (session_seq, level, last_step, series)
) STRICT, WITHOUT ROWID;

-- The blocks of the histories written before this migration: every complete block at
-- every level, straight from the points (a one-off; appends build them level by level).
-- Sessions marked deleted (migration 005) get none: the sweeper is removing their history.
WITH levels (level, size) AS (VALUES (1, 16), (2, 256), (3, 4096), (4, 65536), (5, 1048576))
INSERT INTO history_extremes (session_seq, level, last_step, series, min_step, min_value, max_step, max_value)
SELECT session_seq, level, last_step, series, min_step, min_value, max_step, max_value
FROM (
  SELECT p.session_seq, levels.level, (p.step / levels.size + 1) * levels.size - 1 AS last_step, p.series,
         first_value(p.step)  OVER lowest  AS min_step,
         first_value(p.value) OVER lowest  AS min_value,
         first_value(p.step)  OVER highest AS max_step,
         first_value(p.value) OVER highest AS max_value,
         row_number() OVER lowest AS rank
  FROM history_points p
  JOIN sessions s ON s.seq = p.session_seq AND s.deleted_at IS NULL
  JOIN levels
  WHERE p.value IS NOT NULL AND (p.step / levels.size + 1) * levels.size - 1 <= s.step
  WINDOW lowest  AS (PARTITION BY p.session_seq, levels.level, p.step / levels.size, p.series ORDER BY p.value, p.step),
         highest AS (PARTITION BY p.session_seq, levels.level, p.step / levels.size, p.series ORDER BY p.value DESC, p.step)
)
WHERE rank = 1;
