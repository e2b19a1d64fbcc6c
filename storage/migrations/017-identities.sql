-- Channels beside Telegram (issue 14). Services key people by a user id: a Telegram person's is
-- their Telegram id; a person who came through WeChat first gets a synthetic one from 2**53 up
-- (bot/domain/channels.py). An identity maps a channel's address to that user id: every WeChat
-- person has one ('wechat', openid), also one linked to a Telegram registration (the openid then
-- maps to the Telegram id); a 'telegram' row exists only when a Telegram account was linked to a
-- person who came through WeChat first.
CREATE TABLE identities (
    channel TEXT NOT NULL CHECK (channel IN ('wechat', 'telegram')),
    address TEXT NOT NULL,  -- the openid, or the Telegram id in decimal
    user_id INTEGER NOT NULL,
    last_inbound_at TEXT,  -- the person's last message on this channel (WeChat's 48 h window)
    sent_since_inbound INTEGER NOT NULL DEFAULT 0,  -- customer-service messages since then
    unreachable_since TEXT,  -- they unfollowed the account
    created_at TEXT NOT NULL,
    PRIMARY KEY (channel, address)
);
CREATE INDEX identities_by_user ON identities (user_id, channel);

-- Synthetic user ids are numbered from here: AUTOINCREMENT never hands out a number again, also
-- after the person who had it erased their data (rows are deleted once numbered).
CREATE TABLE wechat_numbers (n INTEGER PRIMARY KEY AUTOINCREMENT);

-- The channel the person last wrote on: notices go there.
ALTER TABLE accounts ADD COLUMN last_channel TEXT NOT NULL DEFAULT 'telegram'
    CHECK (last_channel IN ('telegram', 'wechat'));

-- One-time codes that join a person's two channels: shown in one, typed in the other.
CREATE TABLE link_codes (
    code TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX link_codes_by_user ON link_codes (user_id);
