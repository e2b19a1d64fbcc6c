-- Sends of a row whose answer never came (a read timeout): Telegram may have delivered them, so
-- such a row is retried once at most. Counted apart from attempts, which every failure raises.
ALTER TABLE outbox ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
