"""Identities: which user id a channel's address (a WeChat openid, a linked Telegram id) stands
for; each person's last channel; the one-time codes that link two channels."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.channels import WINDOW_MESSAGES, Channel, WeChatAddress, wechat_user_id
from storage.rows import fetchone, from_iso, iso


def _moment(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


def _address(row: aiosqlite.Row) -> WeChatAddress:
    return WeChatAddress(
        row["address"],
        _moment(row["last_inbound_at"]),
        row["sent_since_inbound"],
        _moment(row["unreachable_since"]),
    )


async def wechat_identity(
    conn: aiosqlite.Connection, openid: str
) -> tuple[int, WeChatAddress, Channel] | None:
    """The openid's user id, its address and the person's last channel."""
    row = await fetchone(
        conn,
        "SELECT i.user_id, i.address, i.last_inbound_at, i.sent_since_inbound,"
        " i.unreachable_since, COALESCE(a.last_channel, 'telegram') AS last_channel"
        " FROM identities i LEFT JOIN accounts a ON a.telegram_id = i.user_id"
        " WHERE i.channel = 'wechat' AND i.address = ?",
        (openid,),
    )
    if row is None:
        return None
    return row["user_id"], _address(row), row["last_channel"]


async def new_wechat_user(conn: aiosqlite.Connection) -> int:
    """A synthetic user id never handed out before."""
    cursor = await conn.execute("INSERT INTO wechat_numbers DEFAULT VALUES")
    number = cursor.lastrowid
    assert number is not None
    await conn.execute("DELETE FROM wechat_numbers WHERE n = ?", (number,))
    return wechat_user_id(number)


async def add(
    conn: aiosqlite.Connection, channel: Channel, address: str, user_id: int, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO identities (channel, address, user_id, created_at) VALUES (?, ?, ?, ?)",
        (channel, address, user_id, iso(now)),
    )


async def record_inbound(conn: aiosqlite.Connection, openid: str, now: datetime) -> None:
    """The person wrote on WeChat: a new 48-hour window with its count back at 0."""
    await conn.execute(
        "UPDATE identities SET last_inbound_at = ?, sent_since_inbound = 0,"
        " unreachable_since = NULL WHERE channel = 'wechat' AND address = ?",
        (iso(now), openid),
    )


async def count_sent(conn: aiosqlite.Connection, openid: str, count: int = 1) -> None:
    await conn.execute(
        "UPDATE identities SET sent_since_inbound = sent_since_inbound + ?"
        " WHERE channel = 'wechat' AND address = ?",
        (count, openid),
    )


async def close_window(conn: aiosqlite.Connection, openid: str) -> None:
    await conn.execute(
        "UPDATE identities SET sent_since_inbound = max(sent_since_inbound, ?)"
        " WHERE channel = 'wechat' AND address = ?",
        (WINDOW_MESSAGES, openid),
    )


async def set_unreachable(conn: aiosqlite.Connection, openid: str, since: datetime | None) -> None:
    await conn.execute(
        "UPDATE identities SET unreachable_since = ? WHERE channel = 'wechat' AND address = ?",
        (iso(since) if since else None, openid),
    )


async def wechat_address(conn: aiosqlite.Connection, user_id: int) -> WeChatAddress | None:
    """The person's WeChat address (the one they wrote from last, should there be two)."""
    row = await fetchone(
        conn,
        "SELECT address, last_inbound_at, sent_since_inbound, unreachable_since FROM identities"
        " WHERE user_id = ? AND channel = 'wechat'"
        " ORDER BY last_inbound_at IS NULL, last_inbound_at DESC LIMIT 1",
        (user_id,),
    )
    return _address(row) if row else None


async def user_of_telegram(conn: aiosqlite.Connection, telegram_id: int) -> int | None:
    """The person a Telegram account was linked to, if it was linked to a WeChat-first one."""
    row = await fetchone(
        conn,
        "SELECT user_id FROM identities WHERE channel = 'telegram' AND address = ?",
        (str(telegram_id),),
    )
    return int(row["user_id"]) if row else None


async def telegram_of(conn: aiosqlite.Connection, user_id: int) -> int | None:
    """The Telegram id linked to a WeChat-first person, if any."""
    row = await fetchone(
        conn,
        "SELECT address FROM identities WHERE user_id = ? AND channel = 'telegram'",
        (user_id,),
    )
    return int(row["address"]) if row else None


async def move(conn: aiosqlite.Connection, from_user: int, to_user: int) -> None:
    await conn.execute("UPDATE identities SET user_id = ? WHERE user_id = ?", (to_user, from_user))


async def last_channel(conn: aiosqlite.Connection, user_id: int) -> Channel:
    row = await fetchone(
        conn, "SELECT last_channel FROM accounts WHERE telegram_id = ?", (user_id,)
    )
    return row["last_channel"] if row else "telegram"


async def set_last_channel(
    conn: aiosqlite.Connection,
    user_id: int,
    channel: Channel,
    now: datetime,
    language_hint: str | None = None,
) -> None:
    """Creates the account if the person has none (with the channel's language hint). A
    person writing on WeChat can be written to again (Telegram's AccountService.seen does the
    same for Telegram)."""
    await conn.execute(
        "INSERT INTO accounts (telegram_id, telegram_language, last_channel, first_seen,"
        " last_seen) VALUES (?, ?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
        " last_channel = excluded.last_channel, last_seen = excluded.last_seen,"
        " unreachable_since = CASE WHEN excluded.last_channel = 'wechat' THEN NULL"
        " ELSE unreachable_since END",
        (user_id, language_hint, channel, iso(now), iso(now)),
    )


async def put_code(
    conn: aiosqlite.Connection, code: str, user_id: int, expires_at: datetime, now: datetime
) -> bool:
    """Store a new code for the person (replacing their earlier ones); False if the code is
    someone else's valid code already."""
    await conn.execute(
        "DELETE FROM link_codes WHERE user_id = ? OR expires_at <= ?", (user_id, iso(now))
    )
    cursor = await conn.execute(
        "INSERT INTO link_codes (code, user_id, expires_at) VALUES (?, ?, ?)"
        " ON CONFLICT (code) DO NOTHING",
        (code, user_id, iso(expires_at)),
    )
    return cursor.rowcount == 1


async def code_holder(conn: aiosqlite.Connection, code: str, now: datetime) -> int | None:
    row = await fetchone(
        conn,
        "SELECT user_id FROM link_codes WHERE code = ? AND expires_at > ?",
        (code, iso(now)),
    )
    return int(row["user_id"]) if row else None


async def forget(conn: aiosqlite.Connection, user_id: int) -> None:
    """Erasure: the person's addresses and codes go."""
    await conn.execute("DELETE FROM identities WHERE user_id = ?", (user_id,))
    await conn.execute("DELETE FROM link_codes WHERE user_id = ?", (user_id,))


async def drop_account(conn: aiosqlite.Connection, user_id: int) -> None:
    """A WeChat-first account that joined a Telegram registration: its own row is no one's."""
    await conn.execute("DELETE FROM accounts WHERE telegram_id = ?", (user_id,))


async def drop_codes(conn: aiosqlite.Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM link_codes WHERE user_id = ?", (user_id,))
