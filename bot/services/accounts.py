"""Accounts: who has written to the bot and which language to answer them in."""

from __future__ import annotations

from datetime import datetime

from bot.clock import Clock
from bot.domain.language import resolve_language
from bot.domain.models import Account, Language
from storage import accounts
from storage.db import Database


class AccountService:
    """Keeps accounts in a cache so that most updates need no database write."""

    def __init__(self, db: Database, clock: Clock, default_language: Language) -> None:
        self._db = db
        self._clock = clock
        self._default = default_language
        self._cache: dict[int, Account] = {}

    async def seen(self, telegram_id: int, telegram_language: str | None) -> Account:
        """Record that the person wrote to us (so they are reachable again); written only when
        something changed."""
        account = self._cache.get(telegram_id)
        if account is None:
            account = await accounts.get(self._db.reader, telegram_id)
        if account is None or account.telegram_language != telegram_language or account.unreachable:
            async with self._db.transaction() as tx:
                await accounts.upsert_seen(tx, telegram_id, telegram_language, self._clock.now())
                account = await accounts.get(tx, telegram_id)
            assert account is not None
        self._cache[telegram_id] = account
        return account

    async def language_of(self, telegram_id: int) -> Language:
        """The language to write to this person in, also when they did not just write to us."""
        account = self._cache.get(telegram_id) or await accounts.get(self._db.reader, telegram_id)
        if account is None:
            return self._default
        return resolve_language(account.language, account.telegram_language, self._default)

    def resolve(self, account: Account) -> Language:
        return resolve_language(account.language, account.telegram_language, self._default)

    async def choose_language(self, telegram_id: int, language: Language) -> Account:
        async with self._db.transaction() as tx:
            await accounts.set_language(tx, telegram_id, language, self._clock.now())
            account = await accounts.get(tx, telegram_id)
        assert account is not None
        self._cache[telegram_id] = account
        return account

    async def unreachable(self, telegram_id: int, since: datetime | None) -> None:
        """Telegram said they blocked the bot (since), or that they unblocked it (None)."""
        async with self._db.transaction() as tx:
            await accounts.set_unreachable(tx, telegram_id, since, self._clock.now())
            account = await accounts.get(tx, telegram_id)
        if account is not None:
            self._cache[telegram_id] = account
