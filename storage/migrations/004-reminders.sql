-- Reminders are rows, planned when a place is confirmed: the database, not the scheduler's
-- memory, knows what is due. A tick moves due rows to the outbox in the same transaction as
-- their state change, so each is queued once; after downtime a reminder whose activity has
-- started is skipped instead.

ALTER TABLE volunteers ADD COLUMN reminders_muted INTEGER NOT NULL DEFAULT 0;

CREATE TABLE reminders (
    id INTEGER PRIMARY KEY,
    signup_id INTEGER NOT NULL REFERENCES signups(id),
    offset_minutes INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'planned'
        CHECK (state IN ('planned', 'queued', 'skipped', 'dropped')),
    reason TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (signup_id, offset_minutes)
);
CREATE INDEX reminders_due ON reminders(due_at) WHERE state = 'planned';
