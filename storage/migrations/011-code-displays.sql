-- The lead's message that shows a rotating check-in code (and its QR) is kept fresh by a job.
-- Jobs live in memory: the displays are rows, so that the rotation is re-created at start-up for
-- every activity still in progress. One display per chat and activity: the newest.
CREATE TABLE code_displays (
    chat_id INTEGER NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    message_id INTEGER NOT NULL,
    lead_telegram_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, activity_id)
);
CREATE INDEX code_displays_by_activity ON code_displays(activity_id);
