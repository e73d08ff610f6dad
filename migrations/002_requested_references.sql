-- A session created with a group's lr or a max_lr naming a range test's suggestion
-- records the numbers in param_groups and scheduler, and here the request's
-- param_groups and scheduler as sent (canonical JSON), so that a restarted job sending
-- the same request again finds its session even after the range test has moved on.

ALTER TABLE sessions ADD COLUMN requested_with_references TEXT;
