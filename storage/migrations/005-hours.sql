-- Service hours. Every credited minute goes back to a presence (a check-in) confirmed by a lead
-- on the attendance sheet, or to an admin's addition with a reason; every change to a record
-- appends an audit row, and audit rows can never be changed or removed.

-- Chosen in /settings: leaderboards and group posts show "anonymous volunteer" instead.
ALTER TABLE volunteers ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
-- The highest star level this person was congratulated on (so each level is told once).
ALTER TABLE volunteers ADD COLUMN stars INTEGER NOT NULL DEFAULT 0;

CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id),
    method TEXT NOT NULL CHECK (method IN ('location', 'code', 'lead')),
    distance_m REAL,
    marked_by INTEGER,  -- Telegram id of the lead who marked presence by hand
    checked_in_at TEXT NOT NULL,
    checked_out_at TEXT,
    UNIQUE (activity_id, volunteer_id),
    CHECK (checked_out_at IS NULL OR checked_out_at >= checked_in_at)
);
CREATE INDEX checkins_open ON checkins(volunteer_id) WHERE checked_out_at IS NULL;

-- Codes a lead shows on site; each is good for a few minutes.
CREATE TABLE checkin_codes (
    token TEXT PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    issued_by INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX checkin_codes_by_activity ON checkin_codes(activity_id, expires_at);

CREATE TABLE service_records (
    id INTEGER PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id),
    activity_id INTEGER REFERENCES activities(id),  -- NULL for hours added by an admin
    team_id INTEGER NOT NULL REFERENCES teams(id),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    content TEXT NOT NULL,
    served_on TEXT NOT NULL,  -- the date in the org's zone
    starts_at TEXT,
    ends_at TEXT,
    checked_in_at TEXT,
    checked_out_at TEXT,
    proposed_minutes INTEGER NOT NULL CHECK (proposed_minutes BETWEEN 0 AND 1440),
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    mark TEXT NOT NULL CHECK (mark IN ('present', 'absent', 'adjusted')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'review', 'approved', 'no_show', 'disputed')),
    flags TEXT NOT NULL DEFAULT '',  -- space-separated: no_checkin no_checkout below_share over_daily
    source TEXT NOT NULL CHECK (source IN ('activity', 'manual')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (activity_id, volunteer_id)
);
CREATE INDEX service_records_by_volunteer ON service_records(volunteer_id, served_on);
CREATE INDEX service_records_by_activity ON service_records(activity_id);

CREATE TABLE record_audit (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES service_records(id),
    at TEXT NOT NULL,
    actor_telegram_id INTEGER,  -- NULL: the bot itself (the sheet made at the activity's end)
    action TEXT NOT NULL CHECK (action IN
        ('created', 'marked', 'adjusted', 'approved', 'review', 'disputed', 'resolved', 'added')),
    before TEXT,  -- JSON: {"state", "minutes", "mark"}
    after TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX record_audit_by_record ON record_audit(record_id, id);
CREATE TRIGGER record_audit_append_only_update BEFORE UPDATE ON record_audit
BEGIN SELECT RAISE(ABORT, 'record_audit is append-only'); END;
CREATE TRIGGER record_audit_append_only_delete BEFORE DELETE ON record_audit
BEGIN SELECT RAISE(ABORT, 'record_audit is append-only'); END;

CREATE TABLE disputes (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES service_records(id),
    text TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by INTEGER,
    outcome TEXT CHECK (outcome IN ('adjusted', 'rejected')),
    reason TEXT
);
CREATE UNIQUE INDEX disputes_one_open ON disputes(record_id) WHERE resolved_at IS NULL;

-- Made when an activity has ended (plus the check-out grace); approved by a lead.
CREATE TABLE attendance_sheets (
    activity_id INTEGER PRIMARY KEY REFERENCES activities(id),
    created_at TEXT NOT NULL,
    approved_at TEXT,
    approved_by INTEGER,
    reminded_at TEXT,
    escalated_at TEXT
);
CREATE INDEX attendance_sheets_open ON attendance_sheets(created_at) WHERE approved_at IS NULL;

CREATE TABLE certificates (
    code TEXT PRIMARY KEY,
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id),
    holder TEXT NOT NULL,
    total_minutes INTEGER NOT NULL,
    records INTEGER NOT NULL,
    issued_at TEXT NOT NULL
);
