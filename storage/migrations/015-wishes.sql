-- Micro-wishes (微心愿). A team's lead (or an admin) posts a small wish of someone in need; a
-- volunteer claims it, delivers it with a photo, the lead confirms, and the minutes the
-- volunteer entered are credited as a service record with source 'wish' (migration 014).
--
-- The beneficiary is never named to volunteers: who they are and how to reach them is the
-- wish's private note, which only the team's leads and admins are shown.

-- Communities and villages wishes are for, as first typed (spaces collapsed): the wall's
-- filter names one by id, which button data can carry.
CREATE TABLE wish_communities (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE wishes (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES teams(id),
    community_id INTEGER NOT NULL REFERENCES wish_communities(id),
    title TEXT NOT NULL,
    story TEXT NOT NULL DEFAULT '',
    value_yuan INTEGER CHECK (value_yuan IS NULL OR value_yuan BETWEEN 1 AND 100000),
    deadline TEXT NOT NULL,          -- the last day (org time) it may be fulfilled, 'YYYY-MM-DD'
    photo TEXT,                      -- Telegram file_id of the wish's picture
    private_note TEXT NOT NULL,      -- the beneficiary: for the team's leads and admins only
    state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'delivered', 'confirmed', 'expired')),
    posted_by INTEGER NOT NULL,      -- Telegram id of the lead or admin (0 once they erased)
    posted_at TEXT NOT NULL,
    claimer_id INTEGER REFERENCES volunteers(id),
    claimed_at TEXT,
    delivered_at TEXT,
    delivery_photo TEXT,             -- Telegram file_id; NULL once the claimer erased their data
    delivery_note TEXT,
    minutes INTEGER CHECK (minutes IS NULL OR minutes BETWEEN 1 AND 1440),
    sent_back_reason TEXT,           -- the lead's reason, the last time a delivery was sent back
    confirmed_at TEXT,
    confirmed_by INTEGER,            -- Telegram id (0 once they erased)
    record_id INTEGER REFERENCES service_records(id),
    expired_at TEXT,
    expiry_told_at TEXT,             -- the team's leads were told it expired (once)
    updated_at TEXT NOT NULL,
    CHECK ((claimer_id IS NOT NULL) = (state IN ('claimed', 'delivered', 'confirmed'))),
    CHECK (state != 'delivered' OR (delivered_at IS NOT NULL AND minutes IS NOT NULL)),
    CHECK ((state = 'confirmed') = (record_id IS NOT NULL)),
    CHECK ((state = 'expired') = (expired_at IS NOT NULL))
);
-- The wall: open wishes newest first, all of them or one team's or one community's.
CREATE INDEX wishes_by_state ON wishes(state, id);
CREATE INDEX wishes_by_team ON wishes(team_id, state, id);
CREATE INDEX wishes_by_community ON wishes(community_id, state, id);
-- A person's claims (at most wishes.open_claims open at once) and /forget_me.
CREATE INDEX wishes_by_claimer ON wishes(claimer_id, state) WHERE claimer_id IS NOT NULL;
-- The expiry job: wishes still open or claimed, by deadline.
CREATE INDEX wishes_by_deadline ON wishes(deadline) WHERE state IN ('open', 'claimed');
-- The weekly fulfilled wall: wishes confirmed in a week.
CREATE INDEX wishes_confirmed ON wishes(confirmed_at) WHERE state = 'confirmed';
