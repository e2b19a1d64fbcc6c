-- Leaderboards, reports, exports and roster import.

-- A person brought in from an existing roster (`volunteer-bot import-volunteers`) has no
-- Telegram account yet; they are linked to one when they register sharing the same phone
-- number. consent_at then records the federation's own consent on paper.
ALTER TABLE volunteers ADD COLUMN imported_at TEXT;

-- Leaderboards and team reports: one team's approved minutes in a period, per volunteer.
CREATE INDEX service_records_by_team
    ON service_records(team_id, state, served_on, volunteer_id, minutes);
-- The honor roll, city-wide reports and exports: every record in a period.
CREATE INDEX service_records_by_day
    ON service_records(served_on, state, team_id, volunteer_id, minutes);

-- When each team's weekly leaderboard was last posted, so a restart never posts twice.
CREATE TABLE digests (
    kind TEXT NOT NULL,        -- 'team_week' or 'honor_roll'
    period TEXT NOT NULL,      -- the week's Monday, e.g. '2026-11-23'
    target INTEGER NOT NULL,   -- the team id, or 0 for the honor roll
    queued_at TEXT NOT NULL,
    PRIMARY KEY (kind, period, target)
);

-- Each team's figures per month, kept by triggers in step with service_records (so city-wide
-- reports over months read one row per team and month, not a million records).
CREATE TABLE team_month_totals (
    team_id INTEGER NOT NULL,
    month TEXT NOT NULL,  -- 'YYYY-MM' of served_on
    approved INTEGER NOT NULL,  -- minutes
    pending INTEGER NOT NULL,   -- minutes pending, in review or disputed
    no_shows INTEGER NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (team_id, month)
) WITHOUT ROWID;

INSERT INTO team_month_totals (team_id, month, approved, pending, no_shows, records)
SELECT team_id, substr(served_on, 1, 7),
    SUM(CASE WHEN state = 'approved' THEN minutes ELSE 0 END),
    SUM(CASE WHEN state IN ('pending', 'review', 'disputed') THEN minutes ELSE 0 END),
    SUM(state = 'no_show'), COUNT(*)
FROM service_records GROUP BY team_id, substr(served_on, 1, 7);

CREATE TRIGGER service_records_totals_insert AFTER INSERT ON service_records
BEGIN
    INSERT INTO team_month_totals (team_id, month, approved, pending, no_shows, records)
    VALUES (
        NEW.team_id, substr(NEW.served_on, 1, 7),
        CASE WHEN NEW.state = 'approved' THEN NEW.minutes ELSE 0 END,
        CASE WHEN NEW.state IN ('pending', 'review', 'disputed') THEN NEW.minutes ELSE 0 END,
        NEW.state = 'no_show', 1)
    ON CONFLICT (team_id, month) DO UPDATE SET
        approved = approved + excluded.approved, pending = pending + excluded.pending,
        no_shows = no_shows + excluded.no_shows, records = records + 1;
END;

CREATE TRIGGER service_records_totals_delete AFTER DELETE ON service_records
BEGIN
    UPDATE team_month_totals SET
        approved = approved - CASE WHEN OLD.state = 'approved' THEN OLD.minutes ELSE 0 END,
        pending = pending
            - CASE WHEN OLD.state IN ('pending', 'review', 'disputed') THEN OLD.minutes ELSE 0 END,
        no_shows = no_shows - (OLD.state = 'no_show'), records = records - 1
    WHERE team_id = OLD.team_id AND month = substr(OLD.served_on, 1, 7);
END;

CREATE TRIGGER service_records_totals_update
AFTER UPDATE OF team_id, served_on, state, minutes ON service_records
BEGIN
    UPDATE team_month_totals SET
        approved = approved - CASE WHEN OLD.state = 'approved' THEN OLD.minutes ELSE 0 END,
        pending = pending
            - CASE WHEN OLD.state IN ('pending', 'review', 'disputed') THEN OLD.minutes ELSE 0 END,
        no_shows = no_shows - (OLD.state = 'no_show'), records = records - 1
    WHERE team_id = OLD.team_id AND month = substr(OLD.served_on, 1, 7);
    INSERT INTO team_month_totals (team_id, month, approved, pending, no_shows, records)
    VALUES (
        NEW.team_id, substr(NEW.served_on, 1, 7),
        CASE WHEN NEW.state = 'approved' THEN NEW.minutes ELSE 0 END,
        CASE WHEN NEW.state IN ('pending', 'review', 'disputed') THEN NEW.minutes ELSE 0 END,
        NEW.state = 'no_show', 1)
    ON CONFLICT (team_id, month) DO UPDATE SET
        approved = approved + excluded.approved, pending = pending + excluded.pending,
        no_shows = no_shows + excluded.no_shows, records = records + 1;
END;
