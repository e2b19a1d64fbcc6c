-- Household pairing (千名义工助千户): households a team cares for, the volunteers paired with
-- them, and their visits. A visit is credited as a service record (source 'visit', no
-- activity) that the team's lead approves like any other.
--
-- Coverage is read from figures kept in step by triggers, the way team_month_totals keeps the
-- monthly hours (006): each household's last confirmed visit, and per team and month how many
-- households were visited. A visit counts once its record is approved (or approved by the lead
-- and waiting for an admin's review past the daily limit); whatever path changes the record's
-- state (an approval, a dispute resolved to nothing, an admin's correction), the triggers follow.

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,  -- e.g. 'SP-017', upper-case
    team_id INTEGER NOT NULL REFERENCES teams(id),
    community TEXT NOT NULL,  -- community or village
    needs TEXT NOT NULL DEFAULT '',  -- space-separated keys of [households] needs
    cadence_days INTEGER NOT NULL CHECK (cadence_days BETWEEN 1 AND 365),
    latitude REAL,
    longitude REAL,
    radius_m INTEGER CHECK (radius_m IS NULL OR radius_m BETWEEN 10 AND 10000),
    -- Who lives there and how to reach them: shown only to the team's leads and admins.
    contact_note TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL,  -- Telegram id of the lead or admin (0: imported from a file)
    created_on TEXT NOT NULL,  -- the day it was registered, in the org's zone
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_visited_on TEXT,  -- the day of its latest counted visit, kept by the triggers below
    due_on TEXT GENERATED ALWAYS AS (
        date(COALESCE(last_visited_on, created_on), '+' || cadence_days || ' days')) VIRTUAL,
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
-- /coverage: per team and community, visited since a day, due by a day (index only).
CREATE INDEX households_coverage
    ON households(team_id, community, last_visited_on, due_on, created_on);
-- Due households first, and the nudges.
CREATE INDEX households_due ON households(due_on, team_id);

CREATE TABLE pairings (
    household_id INTEGER NOT NULL REFERENCES households(id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id),
    paired_by INTEGER NOT NULL,  -- Telegram id of the lead or admin
    paired_at TEXT NOT NULL,
    nudged_on TEXT,  -- the day this volunteer was last nudged about this household
    PRIMARY KEY (household_id, volunteer_id)
) WITHOUT ROWID;
CREATE INDEX pairings_by_volunteer ON pairings(volunteer_id, household_id);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    volunteer_id INTEGER NOT NULL REFERENCES volunteers(id),
    record_id INTEGER NOT NULL UNIQUE REFERENCES service_records(id),
    served_on TEXT NOT NULL,  -- the day, in the org's zone (as on its record)
    visited_at TEXT NOT NULL,
    distance_m REAL,  -- from the pin, by live location; NULL: no pin, the lead confirms
    done TEXT NOT NULL DEFAULT '',  -- space-separated need keys of what was done
    note TEXT,  -- the volunteer's words; NULL once redacted (/forget_me)
    photo_file_id TEXT,  -- a Telegram file id; NULL once redacted
    redacted_at TEXT,
    UNIQUE (household_id, volunteer_id, served_on)
);
CREATE INDEX visits_by_volunteer ON visits(volunteer_id);

-- Households visited per month: one row per household and month with a counted visit.
CREATE TABLE household_months (
    household_id INTEGER NOT NULL REFERENCES households(id),
    month TEXT NOT NULL,  -- 'YYYY-MM'
    visits INTEGER NOT NULL CHECK (visits > 0),
    PRIMARY KEY (household_id, month)
) WITHOUT ROWID;

-- ... and their count per team and month, for the month-by-month chart.
CREATE TABLE team_visit_months (
    team_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    households INTEGER NOT NULL,
    PRIMARY KEY (team_id, month)
) WITHOUT ROWID;

CREATE TRIGGER household_months_insert AFTER INSERT ON household_months
BEGIN
    INSERT INTO team_visit_months (team_id, month, households)
    SELECT team_id, NEW.month, 1 FROM households WHERE id = NEW.household_id
    ON CONFLICT (team_id, month) DO UPDATE SET households = households + 1;
END;

CREATE TRIGGER household_months_delete AFTER DELETE ON household_months
BEGIN
    UPDATE team_visit_months SET households = households - 1
    WHERE month = OLD.month
      AND team_id = (SELECT team_id FROM households WHERE id = OLD.household_id);
END;

-- A visit's record starts or stops counting (approved, or no longer).
CREATE TRIGGER visit_counted AFTER UPDATE OF state ON service_records
WHEN NEW.source = 'visit'
    AND NEW.state IN ('approved', 'review') AND OLD.state NOT IN ('approved', 'review')
BEGIN
    INSERT INTO household_months (household_id, month, visits)
    SELECT household_id, substr(served_on, 1, 7), 1 FROM visits WHERE record_id = NEW.id
    ON CONFLICT (household_id, month) DO UPDATE SET visits = visits + 1;
    UPDATE households SET last_visited_on = (
        SELECT MAX(v.served_on) FROM visits v JOIN service_records r ON r.id = v.record_id
        WHERE v.household_id = households.id AND r.state IN ('approved', 'review'))
    WHERE id = (SELECT household_id FROM visits WHERE record_id = NEW.id);
END;

CREATE TRIGGER visit_uncounted AFTER UPDATE OF state ON service_records
WHEN NEW.source = 'visit'
    AND OLD.state IN ('approved', 'review') AND NEW.state NOT IN ('approved', 'review')
BEGIN
    UPDATE household_months SET visits = visits - 1
    WHERE (household_id, month) IN (
        SELECT household_id, substr(served_on, 1, 7) FROM visits WHERE record_id = NEW.id)
      AND visits > 1;
    DELETE FROM household_months
    WHERE (household_id, month) IN (
        SELECT household_id, substr(served_on, 1, 7) FROM visits WHERE record_id = NEW.id)
      AND visits = 1;
    UPDATE households SET last_visited_on = (
        SELECT MAX(v.served_on) FROM visits v JOIN service_records r ON r.id = v.record_id
        WHERE v.household_id = households.id AND r.state IN ('approved', 'review'))
    WHERE id = (SELECT household_id FROM visits WHERE record_id = NEW.id);
END;

-- A visit written for a record that already counts (data brought in from elsewhere).
CREATE TRIGGER visit_inserted_counted AFTER INSERT ON visits
WHEN (SELECT state FROM service_records WHERE id = NEW.record_id) IN ('approved', 'review')
BEGIN
    INSERT INTO household_months (household_id, month, visits)
    VALUES (NEW.household_id, substr(NEW.served_on, 1, 7), 1)
    ON CONFLICT (household_id, month) DO UPDATE SET visits = visits + 1;
    UPDATE households SET last_visited_on = NEW.served_on
    WHERE id = NEW.household_id
      AND (last_visited_on IS NULL OR last_visited_on < NEW.served_on);
END;
