"""Scenes the WeChat flows' tests share: a person registered on WeChat, approved hours
credited by the admin, the outbox settled."""

from __future__ import annotations

import asyncio
from datetime import date

from tests.conftest import ADMIN_ID
from tests.e2e.wechat_chat import WeChatChat


async def registered(
    chat: WeChatChat,
    openid: str,
    name: str = "张三",
    phone: str = "13812345678",
    teams: tuple[str, ...] = ("traffic",),
) -> int:
    """A person who wrote to the account and registered there; their user id."""
    user_id = await chat.user_id(openid)
    await chat.services.registration.register(user_id, name, phone, list(teams), consent=True)
    return user_id


async def credited(
    chat: WeChatChat,
    user_id: int,
    minutes: int,
    title: str = "人民路口文明交通劝导",
    team: str = "traffic",
    served_on: date = date(2026, 11, 20),
) -> None:
    """Hours served outside the bot, added (and so approved) by the admin."""
    volunteer = await chat.services.registration.volunteer(user_id)
    assert volunteer is not None
    admin = await chat.services.roles.actor(ADMIN_ID)
    await chat.services.records.add_manual(
        admin, volunteer.id, team, served_on, minutes, title, "补录纸质签到表"
    )


async def outbox_settled(chat: WeChatChat, timeout: float = 5.0) -> None:
    """Every notice queued so far sent or given up (so none lands in the middle of a scene)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with chat.bot.db.reader.execute(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None and row[0] == 0:
            return
        assert loop.time() < deadline, "notices still waiting to go"
        await asyncio.sleep(0.02)
