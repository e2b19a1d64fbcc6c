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
