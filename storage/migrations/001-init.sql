-- Foundation schema: accounts, volunteers, teams, memberships, leads, dialogues, role audit.
-- Times are ISO-8601 UTC strings ("2026-11-27T07:00:00+00:00").

-- Everyone who has written to the bot, registered or not: channel identity and language choice.
CREATE TABLE accounts (
    telegram_id INTEGER PRIMARY KEY,
    language TEXT CHECK (language IN ('zh', 'en')),  -- chosen with /language; NULL follows Telegram
    telegram_language TEXT,                          -- Telegram's language_code, last seen
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);

-- A registered volunteer. After /forget_me the row stays, stripped of personal data, so that
-- anonymous hour totals keep adding up; the person may register again as a new row.
CREATE TABLE volunteers (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER UNIQUE,
    name TEXT,
    phone TEXT UNIQUE,
    consent_at TEXT,
    registered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    forgotten_at TEXT,
    CHECK (forgotten_at IS NOT NULL
           OR (name IS NOT NULL AND phone IS NOT NULL AND consent_at IS NOT NULL)),
    CHECK (forgotten_at IS NULL OR (name IS NULL AND phone IS NULL AND telegram_id IS NULL))
);

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE memberships (
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    joined_at TEXT NOT NULL,
    PRIMARY KEY (volunteer_id, team_id)
);
CREATE INDEX memberships_by_team ON memberships(team_id);

CREATE TABLE team_leads (
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    appointed_by INTEGER NOT NULL,  -- Telegram id of the admin
    appointed_at TEXT NOT NULL,
    PRIMARY KEY (volunteer_id, team_id)
);
CREATE INDEX team_leads_by_team ON team_leads(team_id);

-- Append-only record of promotions, demotions and teams added.
CREATE TABLE role_changes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_telegram_id INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('promote', 'demote', 'add_team')),
    volunteer_id INTEGER REFERENCES volunteers(id),
    team_id INTEGER NOT NULL REFERENCES teams(id)
);
CREATE TRIGGER role_changes_append_only_update BEFORE UPDATE ON role_changes
BEGIN SELECT RAISE(ABORT, 'role_changes is append-only'); END;
CREATE TRIGGER role_changes_append_only_delete BEFORE DELETE ON role_changes
BEGIN SELECT RAISE(ABORT, 'role_changes is append-only'); END;

-- The step a person is at in a multi-step dialogue; survives restarts.
CREATE TABLE dialogues (
    telegram_id INTEGER PRIMARY KEY,
    flow TEXT NOT NULL,
    step TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
