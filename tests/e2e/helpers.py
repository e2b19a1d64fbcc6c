"""What the end-to-end tests share: the harness, the people they play, the wording they expect,
and the steps their scenes begin with (conftest.py holds only the fixtures).

Expected wording comes from the catalogs (tests/wording.py, re-exported here).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.domain.hours import ServiceRecord
from bot.domain.models import Activity
from bot.i18n import Translator
from bot.services import Services
from storage.db import Database
from telegram_adapter.app import build_application, running
from telegram_adapter.context import AppType
from tests.conftest import ADMIN_ID, make_config
from tests.fake_bot_api import Call, FakeBotApi, FakeUser

# The wording (tests/wording.py serves every layer), for e2e tests to take from here too.
from tests.wording import CATALOGS as CATALOGS
from tests.wording import en as en
from tests.wording import mentions as mentions
from tests.wording import read as read
from tests.wording import says as says
from tests.wording import zh as zh

# ---------------------------------------------------------------- the people

ADMIN = FakeUser(id=ADMIN_ID, first_name="Admin", language_code="zh-hans")
ZHANG = FakeUser(id=101, first_name="三", last_name="张", language_code="zh-hans")
LUCY = FakeUser(id=102, first_name="Lucy", language_code="en")
LEAD = FakeUser(id=300, first_name="Lead", language_code="zh-hans")  # lead of the seeded team

# ---------------------------------------------------------------- the harness

# Dialogue tests go faster than people type: lift the flood guard and Telegram's pacing, which
# have tests of their own.
FAST: dict[str, Any] = {
    "flood": {"max_updates": 10_000},
    "sending": {"global_per_second": 1000, "private_per_second": 100, "private_burst": 100},
}


def button_data(call: Call) -> list[str]:
    """The callback data of a message's buttons, row by row."""
    return [button["callback_data"] for button in call.buttons if "callback_data" in button]


def keyboard(call: Call) -> list[list[str]]:
    """The callback data of a message's (or a keyboard edit's) buttons, one list a row."""
    markup = call.reply_markup or {}
    return [
        [button["callback_data"] for button in row if "callback_data" in button]
        for row in markup.get("inline_keyboard", [])
    ]


def id_in(data: str) -> int:
    """The id a button's data ends with ("h:r:17" -> 17)."""
    return int(data.rsplit(":", 1)[-1])


def first_with(call: Call, prefix: str) -> str:
    """The data of the message's first button whose data starts with `prefix`."""
    return next(data for data in button_data(call) if data.startswith(prefix))


@dataclass
class Harness:
    api: FakeBotApi
    app: AppType
    config: Config

    @property
    def services(self) -> Services:
        return self.app.bot_data.runtime.services

    @property
    def clock(self) -> Clock:
        return self.app.bot_data.runtime.clock

    @property
    def db(self) -> Database:
        database = self.app.bot_data.database
        assert database is not None
        return database

    async def say(self, user: FakeUser, text: str, **kwargs: Any) -> Call:
        """Send a text as the user and return the bot's first answer."""
        self.api.send_text(user, text, **kwargs)
        return await self.api.next_message(kwargs.get("chat", {}).get("id", user.id))

    async def tap(self, user: FakeUser, message: Call, data: str) -> Call:
        """Press a button (or forge its data) and return the bot's first answer: a message,
        a document or photo, or the pressed message edited."""
        self.api.press(user, message, data)
        return await self.api.next_message(user.id)

    async def toggle(self, user: FakeUser, message: Call, data: str) -> Call:
        """Press a button that answers by editing the keyboard; return that edit."""
        since = self.api.mark()
        self.api.press(user, message, data)
        return await self.api.wait_for(
            lambda c: c.method == "editMessageReplyMarkup" and c.chat_id == user.id, since=since
        )

    async def answer_to_press(self, user: FakeUser, message: Call, data: str) -> Call:
        """Press a button (or forge its data) and return the callback answer."""
        since = self.api.mark()
        self.api.press(user, message, data)
        return await self.api.wait_for_method("answerCallbackQuery", since=since)

    async def reply(self, user: FakeUser) -> Call:
        return await self.api.next_message(user.id)

    async def told(self, chat_id: int, since: int, key: str, /, **params: object) -> Call:
        """The first message to the chat since the mark that is the key's text (either
        language; params not given match anything)."""
        return await self.api.wait_for(
            lambda c: (
                c.chat_id == chat_id
                and c.ok
                and c.method in ("sendMessage", "editMessageText")
                and says(c.text, key, **params)
            ),
            since=since,
        )

    async def quiet_since(self, since: int) -> list[Call]:
        """Once nothing more happens, every message call since the mark (answers to presses
        aside)."""
        await self.api.wait_idle()
        return [c for c in self.api.calls[since:] if c.method != "answerCallbackQuery"]

    async def count(self, table: str) -> int:
        async with self.db.reader.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


async def start_harness(
    tmp_path: Path, api: FakeBotApi, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[Harness]:
    """The bot on a fresh database, with the system clock unless a test brings its own (the
    outbox's retry times are real: Telegram's retry_after is in real seconds)."""
    config = make_config(
        tmp_path,
        telegram={"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url},
        **(FAST | overrides),
    )
    app = build_application(config, clock or SystemClock())
    async with running(app, poll_timeout=1):
        yield Harness(api, app, config)


# ---------------------------------------------------------------- registering and roles


async def walk_to_consent(
    bot: Harness, user: FakeUser, name: str, phone: str, teams: Iterable[str], typed: bool = False
) -> Call:
    """Drive /register up to the consent question and return it: the name, the number (shared
    as a contact, or typed), the teams."""
    ask_name = await bot.say(user, "/register")
    assert ask_name.params["reply_markup"] == {"remove_keyboard": True}
    ask_phone = await bot.say(user, name)
    assert ask_phone.reply_markup is not None
    assert ask_phone.reply_markup["keyboard"][0][0]["request_contact"] is True
    if typed:
        await bot.say(user, phone)  # the number read back, in a message of its own
    else:
        bot.api.send_contact(user, phone)
    team_question = await bot.reply(user)
    for key in teams:
        await bot.toggle(user, team_question, f"r:t:{key}")
    consent = await bot.tap(user, team_question, "r:td")
    if consent.method == "editMessageText":  # the team question, edited to the teams chosen
        consent = await bot.reply(user)
    assert button_data(consent) == ["r:c:y", "r:c:n"]
    return consent


async def register(
    bot: Harness, user: FakeUser, name: str, phone: str, teams: Iterable[str]
) -> None:
    """Drive /register from the first question to the summary, sharing the contact."""
    consent = await walk_to_consent(bot, user, name, phone, teams)
    done = await bot.tap(user, consent, "r:c:y")
    assert done.method == "sendMessage"
    assert done.params["reply_markup"] == {"remove_keyboard": True}, "no share button left"


async def summary_of(bot: Harness, telegram_id: int, t: Translator) -> str:
    """The summary of a registered person's data the bot shows (in t's language), from what
    is stored."""
    volunteer = await bot.services.registration.volunteer(telegram_id)
    assert volunteer is not None
    names = {team.key: team.name(t.language) for team in await bot.services.teams.all()}
    verified = t("phone.verified") if volunteer.phone_verified else t("phone.unverified")
    return t(
        "profile.summary",
        name=volunteer.name,
        phone=f"{volunteer.phone} {verified}",
        teams=t.join([names[key] for key in volunteer.team_keys]),
        registered=t.datetime(volunteer.registered_at),
    )


async def enrol(
    bot: Harness, user: FakeUser | int, name: str, phone: str, teams: Iterable[str]
) -> int:
    """Register someone straight through the service (for scenes that are not about the
    registration dialogue), a person having talked to the bot as one registering would have;
    their volunteer id."""
    telegram_id = user if isinstance(user, int) else user.id
    volunteer = await bot.services.registration.register(
        telegram_id, name, phone, list(teams), consent=True
    )
    if isinstance(user, FakeUser):
        await bot.services.accounts.seen(user.id, user.language_code or "zh")
    return volunteer.id


async def appoint_lead(bot: Harness, user: FakeUser, team: str, name: str, phone: str) -> None:
    """`user`, registered in `team` and made its lead by the admin before they talked to the
    bot (so that no notice of it comes between a test's messages); their language noted after,
    as their first update would."""
    volunteer = await bot.services.registration.volunteer(user.id)
    if volunteer is None:
        volunteer = await bot.services.registration.register(
            user.id, name, phone, [team], consent=True
        )
    await bot.services.roles.promote(await bot.services.roles.actor(ADMIN.id), volunteer.id, team)
    await bot.services.accounts.seen(user.id, user.language_code or "zh")


async def seed_team(
    bot: Harness, members: int, team: str = "traffic", first_id: int = 1000
) -> list[int]:
    """LEAD as lead of `team` and `members` registered members who have talked to the bot
    (alternately in English and Chinese); the members' Telegram ids."""
    ids = []
    for n in range(members):
        telegram_id = first_id + n
        await enrol(bot, telegram_id, "张三", f"137{telegram_id:08d}", [team])
        await bot.services.accounts.seen(telegram_id, "zh-hans" if n % 2 else "en")
        ids.append(telegram_id)
    if await bot.services.registration.volunteer(LEAD.id) is None:
        await appoint_lead(bot, LEAD, team, "张队长", "13900000300")
    return ids


def member(telegram_id: int, language: str = "en") -> FakeUser:
    """A seeded member, as a person who can write and press buttons."""
    return FakeUser(id=telegram_id, first_name="M", language_code=language)


async def add_members(db: Database, team: str, telegram_ids: list[int]) -> None:
    """Registered members of `team` who have talked to the bot (in Chinese), written straight
    to the database: for scenes with hundreds of people."""
    now = datetime.now(UTC).isoformat()
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO volunteers (telegram_id, name, phone, consent_at, registered_at,"
            " updated_at) VALUES (?, '张三', ?, ?, ?, ?)",
            [
                (telegram_id, f"+86137{telegram_id:08d}", now, now, now)
                for telegram_id in telegram_ids
            ],
        )
        await tx.executemany(
            "INSERT INTO memberships (volunteer_id, team_id, joined_at) SELECT"
            " (SELECT id FROM volunteers WHERE telegram_id = ?),"
            " (SELECT id FROM teams WHERE key = ?), ?",
            [(telegram_id, team, now) for telegram_id in telegram_ids],
        )
        await tx.executemany(
            "INSERT INTO accounts (telegram_id, telegram_language, first_seen, last_seen)"
            " VALUES (?, 'zh', ?, ?)",
            [(telegram_id, now, now) for telegram_id in telegram_ids],
        )


# ---------------------------------------------------------------- activities and hours


async def publish(
    bot: Harness,
    title: str = "人民路口文明交通劝导",
    capacity: int = 1,
    days: float = 2,
    *,
    starts_at: datetime | None = None,
    hours: float = 2,
    team: str = "traffic",
    place: str = "人民路与中山路交叉口",
    site: tuple[float, float] | None = None,
    by: FakeUser = ADMIN,
) -> Activity:
    """A published activity of `team`, `days` from the bot's now unless `starts_at` is given;
    `site` is where check-in by location counts."""
    start = starts_at or bot.clock.now() + timedelta(days=days)
    draft = Activity(
        id=0,
        team_key=team,
        title=title,
        category=team,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        place=place,
        capacity=capacity,
        state="published",
        latitude=site[0] if site else None,
        longitude=site[1] if site else None,
    )
    return await bot.services.activities.create(await bot.services.roles.actor(by.id), draft)


async def manage_card(bot: Harness, activity: Activity, lead: FakeUser = LEAD) -> Call:
    """The activity's card in the lead's /manage, with its actions."""
    listing = await bot.say(lead, "/manage")
    return await bot.tap(lead, listing, f"mg:o:{activity.id}")


async def add_hours(
    bot: Harness, telegram_id: int, minutes: int, served_on: date, team: str = "traffic"
) -> ServiceRecord:
    """Hours the admin adds by hand for a registered volunteer."""
    volunteer = await bot.services.registration.volunteer(telegram_id)
    assert volunteer is not None
    return await bot.services.records.add_manual(
        await bot.services.roles.actor(ADMIN.id),
        volunteer.id,
        team,
        served_on,
        minutes,
        "路口劝导",
        "纸质签到表补录",
    )


def today(bot: Harness) -> date:
    """The bot's today in the org's time zone."""
    return bot.clock.now().astimezone(bot.config.org.zone).date()


async def new_activity_to_step(bot: Harness, step: str) -> None:
    """Walk LEAD's /new_activity up to the named step with good answers."""
    await bot.say(LEAD, "/new_activity")
    if step == "title":
        return
    category = await bot.say(LEAD, "路口文明劝导")
    if step == "category":
        return
    await bot.tap(LEAD, category, "n:c:traffic")
    if step == "start":
        return
    for answer, reached in (
        ("明天 9:00", "end"),
        ("明天 11:00", "place"),
        ("人民路口", "capacity"),
        ("2", "description"),
    ):
        await bot.say(LEAD, answer)
        if step == reached:
            return


# ---------------------------------------------------------------- broadcasts


async def run_broadcast(
    bot: Harness, user: FakeUser, text: str, audience: str | None = None
) -> Call:
    """Drive /broadcast to the progress message; return it."""
    first = await bot.say(user, "/broadcast")
    if audience is not None:
        first = await bot.tap(user, first, audience)
    assert "/cancel" in first.text
    await bot.say(user, text)
    await bot.reply(user)  # the preview
    confirm = await bot.reply(user)
    assert button_data(confirm) == ["b:go", "b:no"]
    progress = await bot.tap(user, confirm, "b:go")
    return progress if says(progress.text, "broadcast.progress") else await bot.reply(user)


async def final_report(bot: Harness, user: FakeUser, progress: Call, timeout: float = 30) -> Call:
    """The progress message, once edited into the broadcast's final report."""
    return await bot.api.wait_for(
        lambda c: (
            c.method == "editMessageText"
            and c.chat_id == user.id
            and c.params.get("message_id") == progress.message_id
            and (says(c.text, "broadcast.finished") or says(c.text, "broadcast.stopped"))
        ),
        timeout=timeout,
    )


def most_in_window(times: Iterable[float], width: float = 1.0) -> int:
    """The most moments (seconds, from the fake server's clock) within any `width` seconds."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while ordered[start] <= at - width:
            start += 1
        most = max(most, end - start + 1)
    return most


# ---------------------------------------------------------------- the bot as a process

CLI = str(Path(sys.executable).parent / "volunteer-bot")
EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "config.example.toml"
TOKEN = "7712345678:AAHk2v0-Realistic_Secret_Token_12345"


def cli_env(**extra: str) -> dict[str, str]:
    """This process's environment without any VOLUNTEER_BOT* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOLUNTEER_BOT")}
    return env | extra


def bot_env(api: FakeBotApi, database: Path, **extra: str) -> dict[str, str]:
    """The environment of a bot process serving the fake Bot API from `database`."""
    return cli_env(
        VOLUNTEER_BOT_TOKEN=TOKEN,
        VOLUNTEER_BOT__TELEGRAM__BASE_URL=api.base_url,
        VOLUNTEER_BOT__TELEGRAM__BASE_FILE_URL=api.base_file_url,
        VOLUNTEER_BOT__TELEGRAM__POLL_TIMEOUT="1",
        VOLUNTEER_BOT__STORAGE__PATH=str(database),
        **extra,
    )


async def start_cli(
    *args: str, env: dict[str, str], cwd: Path, output: int = asyncio.subprocess.PIPE
) -> asyncio.subprocess.Process:
    """`volunteer-bot *args` started, its output piped (or DEVNULL, for a long-running bot
    nobody reads)."""
    return await asyncio.create_subprocess_exec(
        CLI, *args, env=env, cwd=cwd, stdout=output, stderr=output
    )


async def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path, timeout: float = 60
) -> tuple[int, str, str]:
    """`volunteer-bot *args` run to the end: its exit code, output and errors."""
    process = await start_cli(*args, env=env if env is not None else cli_env(), cwd=cwd)
    out, err = await asyncio.wait_for(process.communicate(), timeout=timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


# ---------------------------------------------------------------- a broadcast by a bot process

PROCESS_LEAD = FakeUser(id=77, first_name="Lead", language_code="zh-hans")
FIRST_MEMBER = 10_000
URGENT = "紧急通知：明早集合地点改为人民广场"


async def seed_database(path: Path, members: int) -> None:
    """A database file for a bot process to start on: the traffic team, PROCESS_LEAD as its
    lead and `members` members (Telegram ids from FIRST_MEMBER on)."""
    now = datetime.now(UTC).isoformat()
    db = await Database.open(path)
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO teams (key, name_zh, name_en, created_at)"
                " VALUES ('traffic', '文明交通志愿服务队', 'Traffic', ?)",
                (now,),
            )
        await add_members(
            db, "traffic", [PROCESS_LEAD.id, *range(FIRST_MEMBER, FIRST_MEMBER + members)]
        )
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO team_leads (volunteer_id, team_id, appointed_by, appointed_at)"
                " SELECT v.id, t.id, v.id, ? FROM volunteers v, teams t"
                " WHERE v.telegram_id = ? AND t.key = 'traffic'",
                (now, PROCESS_LEAD.id),
            )
    finally:
        await db.close()


async def broadcast_urgently(api: FakeBotApi) -> None:
    """Once the bot process polls: PROCESS_LEAD writes URGENT to the team and confirms it."""
    await api.wait_for_method("getUpdates", timeout=30)
    api.send_text(PROCESS_LEAD, "/broadcast")
    await api.next_message(PROCESS_LEAD.id, timeout=15)
    api.send_text(PROCESS_LEAD, URGENT)
    await api.next_message(PROCESS_LEAD.id, timeout=15)  # the preview
    await api.next_message(PROCESS_LEAD.id, timeout=15)
    confirm = await api.next_message(PROCESS_LEAD.id, timeout=15)
    api.press(PROCESS_LEAD, confirm, "b:go")


def urgent_copies(api: FakeBotApi) -> Counter[int]:
    """How many copies of URGENT each member got."""
    return Counter(
        int(c.chat_id)
        for c in api.sent_messages()
        if URGENT in (c.text or "") and c.chat_id != PROCESS_LEAD.id
    )
