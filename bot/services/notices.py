"""Messages to people who did not just write to us, each in that person's own language."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import aiosqlite

from bot.domain.language import resolve_language
from bot.domain.models import Account, Language
from bot.i18n import Catalogs, Translator
from bot.outbox.models import Button, OutgoingMessage, Priority
from storage import accounts, leads

ButtonRows = tuple[tuple[Button, ...], ...]


async def leads_or_admins(
    conn: aiosqlite.Connection, team_key: str, admins: Sequence[int], excluding: int | None = None
) -> list[int]:
    """Who hears of what a team's lead must see to: the team's leads, or the admins when it has
    none; never `excluding` (the person it is about, who may not decide it)."""
    chats = [chat for chat in await leads.telegram_ids_of_team(conn, team_key) if chat != excluding]
    return chats or [admin for admin in admins if admin != excluding]


class Notices:
    def __init__(self, catalogs: Catalogs, default_language: Language) -> None:
        self._catalogs = catalogs
        self._default = default_language

    async def translator_for(self, conn: aiosqlite.Connection, telegram_id: int) -> Translator:
        return self.translator(await accounts.get(conn, telegram_id))

    def translator(self, account: Account | None) -> Translator:
        return self._catalogs.translator(
            resolve_language(
                account.language if account else None,
                account.telegram_language if account else None,
                self._default,
            )
        )

    def default_translator(self) -> Translator:
        return self._catalogs.translator(self._default)

    async def make(
        self,
        conn: aiosqlite.Connection,
        telegram_id: int,
        kind: str,
        key: str,
        params: Mapping[str, object] | None = None,
        priority: Priority = Priority.NOTICE,
        buttons: Callable[[Translator], ButtonRows] | None = None,
        about: int | None = None,
    ) -> OutgoingMessage:
        """A message worded from catalog `key`; dates, moments and `Hours` among the params are
        formatted for the reader (Translator.value); `buttons` builds the keyboard in the same
        language. `about` is the volunteer the text names (by row id): erasing them erases it."""
        account = await accounts.get(conn, telegram_id)
        t = self.translator(account)
        formatted = {k: t.value(v) for k, v in (params or {}).items()}
        return OutgoingMessage(
            telegram_id,
            kind,
            t(key, **formatted),
            priority,
            buttons(t) if buttons else (),
            blocked=account is None or account.unreachable,
            about=about,
        )
