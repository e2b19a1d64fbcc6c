-- Every broadcast ends with its final report to the author, whatever restarts happen: the report
-- (the progress message edited to its final text, or a message of its own through the outbox
-- when there is no progress message) is recorded here once given. Broadcasts that ended before
-- this migration count as reported.
ALTER TABLE broadcasts ADD COLUMN reported_at TEXT;
UPDATE broadcasts SET reported_at = COALESCE(finished_at, created_at) WHERE state != 'running';
CREATE INDEX broadcasts_unreported ON broadcasts(id) WHERE reported_at IS NULL;
