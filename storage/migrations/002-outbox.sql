-- Durable outbox, broadcasts, team groups and reachability.

-- Set when Telegram says the person blocked the bot; cleared when they write again.
ALTER TABLE accounts ADD COLUMN unreachable_since TEXT;

-- A group chat linked to a team: where team announcements and leaderboards are posted.
CREATE TABLE team_groups (
    chat_id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL UNIQUE REFERENCES teams(id),
    title TEXT,
    linked_by INTEGER NOT NULL,
    linked_at TEXT NOT NULL
);

CREATE TABLE broadcasts (
    id INTEGER PRIMARY KEY,
    author_telegram_id INTEGER NOT NULL,
    audience TEXT NOT NULL,                  -- 'team:<key>' or 'all'
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'stopped')),
    progress_chat_id INTEGER,
    progress_message_id INTEGER,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX broadcasts_running ON broadcasts(state) WHERE state = 'running';

-- Every message that is not a direct reply. A row is written in the same transaction as the
-- change that causes it, and ends in sent, blocked, failed or cancelled.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 5,     -- lower goes first
    text TEXT NOT NULL,                      -- the message, or the caption of a file
    file_path TEXT,
    file_kind TEXT CHECK (file_kind IN ('document', 'photo')),
    buttons TEXT,                            -- JSON rows of {"text", "callback_data" | "url"}
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'blocked', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    not_before TEXT NOT NULL,
    broadcast_id INTEGER REFERENCES broadcasts(id),
    telegram_message_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (length(text) <= 4096)
);
CREATE INDEX outbox_due ON outbox(priority, id) WHERE state = 'pending';
CREATE INDEX outbox_in_flight ON outbox(chat_id) WHERE state = 'sending';
CREATE INDEX outbox_by_chat ON outbox(chat_id, state);
CREATE INDEX outbox_by_broadcast ON outbox(broadcast_id, state);
CREATE INDEX outbox_postponed ON outbox(not_before) WHERE state = 'pending';
