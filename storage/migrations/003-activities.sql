-- Activities and sign-ups. Capacity is enforced in SQL: the sign-up insert decides confirmed or
-- waitlisted inside one BEGIN IMMEDIATE transaction, and the triggers below refuse any write
-- that would confirm more people than the capacity, whatever code path attempts it.

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    place TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 5000),
    description TEXT,
    state TEXT NOT NULL DEFAULT 'published' CHECK (state IN ('published', 'cancelled')),
    cancel_reason TEXT,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX activities_upcoming ON activities(starts_at) WHERE state = 'published';
CREATE INDEX activities_by_team ON activities(team_id, starts_at);

-- One row per sign-up; a cancelled one stays for the record and a new sign-up is a new row,
-- so the waitlist's arrival order is simply the row id.
CREATE TABLE signups (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id),
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX signups_one_active ON signups(activity_id, volunteer_id)
    WHERE status != 'cancelled';
CREATE INDEX signups_by_activity ON signups(activity_id, status, id);
CREATE INDEX signups_by_volunteer ON signups(volunteer_id, status);

CREATE TRIGGER signups_capacity_insert BEFORE INSERT ON signups
WHEN NEW.status = 'confirmed' AND (
    SELECT COUNT(*) FROM signups WHERE activity_id = NEW.activity_id AND status = 'confirmed'
) >= (SELECT capacity FROM activities WHERE id = NEW.activity_id)
BEGIN SELECT RAISE(ABORT, 'activity is full'); END;

CREATE TRIGGER signups_capacity_update BEFORE UPDATE OF status ON signups
WHEN NEW.status = 'confirmed' AND OLD.status != 'confirmed' AND (
    SELECT COUNT(*) FROM signups WHERE activity_id = NEW.activity_id AND status = 'confirmed'
) >= (SELECT capacity FROM activities WHERE id = NEW.activity_id)
BEGIN SELECT RAISE(ABORT, 'activity is full'); END;

CREATE TRIGGER activities_capacity_not_below_confirmed BEFORE UPDATE OF capacity ON activities
WHEN NEW.capacity < (
    SELECT COUNT(*) FROM signups WHERE activity_id = NEW.id AND status = 'confirmed'
)
BEGIN SELECT RAISE(ABORT, 'capacity below the confirmed count'); END;
