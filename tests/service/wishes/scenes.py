"""The wishes, people and helpers the micro-wish service tests share (issue 13). Time is
injected."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.wishes import Wish, WishDraft
from bot.services import Services
from storage.db import Database

LEAD, ALICE, BOB, CAROL = 501, 502, 503, 504
SECOND_ADMIN = 900_002
NOTE = "受助人：独居的陈阿婆，电话 13712340000，住5栋"


def draft(
    title: str = "一台电暖器",
    community: str = "中东西社区",
    deadline: date = date(2026, 12, 20),
    team: str = "traffic",
    note: str = NOTE,
) -> WishDraft:
    return WishDraft(team, title, "老人冬天屋里很冷。", community, 300, deadline, "AgACphoto", note)


async def post(services: Services, **kwargs: Any) -> Wish:
    return await services.wishes.post(await services.roles.actor(LEAD), draft(**kwargs))


async def deliver(services: Services, telegram_id: int, wish: Wish, minutes: int = 60) -> Wish:
    actor = await services.roles.actor(telegram_id)
    return await services.wishes.deliver(actor, wish.id, "AgACdelivered", "周六送到了", minutes)


async def outbox_texts(db: Database, chat_id: int) -> list[str]:
    async with db.reader.execute(
        "SELECT text FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]
