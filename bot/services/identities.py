"""Who a channel's address is: WeChat people get a user id the services key them by, a
person's two channels are joined by a one-time code, and each person's last channel is kept so
notices go where they are."""

from __future__ import annotations

import secrets
from collections import defaultdict, deque
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.channels import WeChatAddress, is_wechat_user
from bot.domain.errors import (
    AlreadyLinked,
    LinkCodeWrong,
    LinkNotRegisteredThere,
    LinkOwnCode,
    LinkRegisteredHere,
    LinkSameChannel,
    LinkTooManyTries,
    NotRegistered,
)
from storage import dialogues, identities, volunteers
from storage.db import Database

CODE_VALID = timedelta(minutes=10)
CODE_DIGITS = 6
# Wrong codes a person may type within CODE_VALID: a million codes, five guesses.
MAX_WRONG_CODES = 5
# A person's inbound time is written again only once it is this old (or when something else
# changed): their window then ends at most this much early, and a burst costs no writes.
INBOUND_GRANULARITY = timedelta(seconds=60)


class IdentityService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # Telegram ids known to be no one else's (never linked to a WeChat-first person), and
        # people whose last channel is known to be Telegram: most updates need no read.
        self._unlinked_telegram: set[int] = set()
        self._on_telegram: set[int] = set()
        self._wrong_codes: defaultdict[int, deque[datetime]] = defaultdict(deque)

    # ------------------------------------------------------------ WeChat

    async def wechat_user(self, openid: str, language_hint: str | None = None) -> int:
        """The user id of the person writing from this openid (a new one for a stranger); their
        48-hour window starts again and WeChat becomes their last channel."""
        now = self._clock.now()
        found = await identities.wechat_identity(self._db.reader, openid)
        if found is not None:
            user_id, address, channel = found
            fresh = (
                address.last_inbound_at is not None
                and now - address.last_inbound_at < INBOUND_GRANULARITY
                and address.sent_since_inbound == 0
                and address.unreachable_since is None
            )
            if fresh and channel == "wechat":
                return user_id
        async with self._db.transaction() as tx:
            found = await identities.wechat_identity(tx, openid)
            if found is None:
                user_id = await identities.new_wechat_user(tx)
                await identities.add(tx, "wechat", openid, user_id, now)
            else:
                user_id = found[0]
            await identities.record_inbound(tx, openid, now)
            await identities.set_last_channel(tx, user_id, "wechat", now, language_hint)
        self._on_telegram.discard(user_id)
        return user_id

    async def wechat_address(self, user_id: int) -> WeChatAddress | None:
        """Where the person is on WeChat, and how much of their window is left."""
        return await identities.wechat_address(self._db.reader, user_id)

    async def sent_on_wechat(self, openid: str, count: int = 1) -> None:
        """Customer-service messages reached them: fewer left in the window."""
        if count > 0:
            async with self._db.transaction() as tx:
                await identities.count_sent(tx, openid, count)

    async def window_closed(self, openid: str) -> None:
        """WeChat refused a customer-service message: none until they write again."""
        async with self._db.transaction() as tx:
            await identities.close_window(tx, openid)

    async def unreachable_on_wechat(self, openid: str, since: datetime | None) -> None:
        """They unfollowed the account (since), or wrote again (None)."""
        async with self._db.transaction() as tx:
            await identities.set_unreachable(tx, openid, since)

    # ------------------------------------------------------------ Telegram

    async def telegram_user(self, telegram_id: int) -> int:
        """The user id a Telegram account stands for: its own id, or the WeChat-first person's
        it was linked to."""
        if telegram_id in self._unlinked_telegram:
            return telegram_id
        user_id = await identities.user_of_telegram(self._db.reader, telegram_id)
        if user_id is None:
            self._unlinked_telegram.add(telegram_id)
            return telegram_id
        return user_id

    async def telegram_id_of(self, user_id: int) -> int | None:
        """The Telegram chat that reaches the person, if they have one."""
        if not is_wechat_user(user_id):
            return user_id
        return await identities.telegram_of(self._db.reader, user_id)

    async def seen_on_telegram(self, user_id: int) -> None:
        """The person wrote on Telegram: notices go there now."""
        if user_id in self._on_telegram:
            return
        if await identities.last_channel(self._db.reader, user_id) == "wechat":
            async with self._db.transaction() as tx:
                await identities.set_last_channel(tx, user_id, "telegram", self._clock.now())
        self._on_telegram.add(user_id)

    async def last_channel_is_wechat(self, user_id: int) -> bool:
        if user_id in self._on_telegram:
            return False
        return await identities.last_channel(self._db.reader, user_id) == "wechat"

    # ------------------------------------------------------------ linking

    async def link_code(self, user_id: int) -> str:
        """A one-time code, valid CODE_VALID, to type in the person's other channel (their
        earlier codes stop working). Only a registered person has something to link to."""
        now = self._clock.now()
        if await volunteers.by_telegram_id(self._db.reader, user_id) is None:
            raise NotRegistered()
        while True:
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            async with self._db.transaction() as tx:
                if await identities.put_code(tx, code, user_id, now + CODE_VALID, now):
                    return code

    async def link(self, user_id_here: int, code: str) -> int:
        """Join this account to the person who was shown `code` in their other channel; the
        user id both channels stand for from now on (theirs: they are registered, this account
        is not)."""
        now = self._clock.now()
        wrong = self._wrong_codes[user_id_here]
        while wrong and now - wrong[0] >= CODE_VALID:
            wrong.popleft()
        if len(wrong) >= MAX_WRONG_CODES:
            raise LinkTooManyTries()
        code = code.strip()
        async with self._db.transaction() as tx:
            other = await identities.code_holder(tx, code, now) if code.isdigit() else None
            if other is None:
                wrong.append(now)
                raise LinkCodeWrong()
            if other == user_id_here:
                raise LinkOwnCode()
            if is_wechat_user(other) == is_wechat_user(user_id_here):
                raise LinkSameChannel()
            if await volunteers.by_telegram_id(tx, other) is None:
                raise LinkNotRegisteredThere()
            if await volunteers.by_telegram_id(tx, user_id_here) is not None:
                raise LinkRegisteredHere()
            if is_wechat_user(user_id_here):
                # A WeChat account joins a Telegram registration: the openid maps to it.
                if await identities.wechat_address(tx, other) is not None:
                    raise AlreadyLinked()
                await identities.move(tx, user_id_here, other)
                await identities.drop_account(tx, user_id_here)
                await dialogues.delete(tx, user_id_here)
                await identities.set_last_channel(tx, other, "wechat", now)
            else:
                # A Telegram account joins a WeChat-first registration.
                if await identities.telegram_of(tx, other) is not None:
                    raise AlreadyLinked()
                await identities.add(tx, "telegram", str(user_id_here), other, now)
                await identities.set_last_channel(tx, other, "telegram", now)
            await identities.drop_codes(tx, other)
        self._unlinked_telegram.discard(user_id_here)
        self._on_telegram.discard(other)
        wrong.clear()
        return other
