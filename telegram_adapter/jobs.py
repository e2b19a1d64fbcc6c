"""Periodic jobs (python-telegram-bot's JobQueue, on APScheduler). They only look at the
database, which holds everything scheduled, so a restart loses nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta

from telegram.error import TelegramError

from bot.domain.models import Team
from bot.domain.ranking import Ranked
from bot.i18n import Translator
from bot.services.charts import honor_roll_png, leaderboard_png
from bot.services.photos import is_kept
from bot.services.reports import HonorRoll, display_name
from bot.services.wish_digest import FulfilledWall, week_range
from bot.services.wish_wall import wish_wall_jpeg
from bot.views.boards import honor_roll_text
from handlers.leaderboard import team_caption
from storage.reports import MemberTotal
from telegram_adapter.context import AppContext

log = logging.getLogger(__name__)

REMINDER_TICK_SECONDS = 30
PURGE_SECONDS = 3600
ATTENDANCE_TICK_SECONDS = 60
WEEKLY_TICK_SECONDS = 300
RETENTION_SECONDS = 24 * 3600  # daily, and once shortly after each start
BACKUP_TICK_SECONDS = 600  # the nightly copy is made at the first tick after its time
WISHES_TICK_SECONDS = 300  # deadlines are days: a few minutes late is on time
HOUSEHOLDS_TICK_SECONDS = 600  # nudges go once a day; the report once a month


async def dispatch_reminders(context: AppContext) -> None:
    """Move due reminders to the outbox; after downtime, skip those whose activity started."""
    report = await context.runtime.services.reminders.dispatch_due()
    if report.queued or report.skipped:
        log.info("reminders: %d queued, %d skipped", report.queued, report.skipped)


async def purge_abandoned(context: AppContext) -> None:
    """Drop dialogues left unfinished for a day, with whatever was typed in them."""
    dropped = await context.runtime.services.dialogues.purge_abandoned()
    if dropped:
        log.info("dropped %d abandoned dialogues", dropped)


async def retention(context: AppContext) -> None:
    """Delete old finished messages and chart files, blank old broadcast bodies."""
    report = await context.runtime.services.privacy.apply_retention()
    log.info(
        "retention: %d messages deleted, %d broadcast bodies blanked, %d files deleted",
        report.messages_deleted,
        report.broadcasts_redacted,
        report.files_deleted,
    )


async def nightly_backup(context: AppContext) -> None:
    """Once a night: a copy of the database into backup.dir, keeping the newest backup.keep."""
    made = await context.runtime.services.backups.nightly()
    if made is not None:
        log.info("backup: %s (%d bytes)", made.path, made.size)


async def attendance(context: AppContext) -> None:
    """Make attendance sheets for activities that ended; chase those left unapproved."""
    sheets = context.runtime.services.attendance
    made = await sheets.make_sheets()
    chased = await sheets.chase_sheets()
    if made or chased:
        log.info("attendance: %d sheets made, %d reminders or escalations", made, chased)


async def weekly_posts(context: AppContext) -> None:
    """Once the weekly posting time has come: each linked team's board of last week to its
    group (a chart with a caption), and the honor roll to the admins; once per week."""
    runtime = context.runtime
    t = runtime.catalogs.translator(runtime.config.org.default_language)

    def team_chart(team: Team, ranked: list[Ranked[MemberTotal]], start: date, end: date) -> bytes:
        rows = [
            (
                str(entry.rank),
                display_name(entry.key) or t("leaderboard.anonymous"),
                entry.minutes,
            )
            for entry in ranked
        ]
        title = t("weekly.caption", team=team.name(t.language), range=_range(t, start, end))
        return leaderboard_png(title, runtime.config.org.name, rows, t)

    def caption(team: Team, ranked: list[Ranked[MemberTotal]], start: date, end: date) -> str:
        return team_caption(t, team.name(t.language), ranked, start, end)

    def roll_chart(roll: HonorRoll, reader: Translator) -> bytes:
        per_member = {entry.key.team_id: minutes for entry, minutes in roll.by_member}
        rows = [
            (
                str(entry.rank),
                entry.key.name_zh if reader.language == "zh" else entry.key.name_en,
                entry.key.minutes,
                per_member.get(entry.key.team_id, 0),
            )
            for entry in roll.by_total[:20]
        ]
        period = reader("period.last_week")
        title = reader("honor.header", period=period, range=_range(reader, roll.start, roll.end))
        return honor_roll_png(title, runtime.config.org.name, rows, reader)

    def roll_caption(roll: HonorRoll, reader: Translator) -> str:
        return honor_roll_text(reader, roll, reader("period.last_week"))[:1000]

    queued = await runtime.services.reports.queue_weekly_posts(
        team_chart, caption, roll_chart, roll_caption
    )
    if queued:
        log.info("weekly posts: %d queued", queued)


async def _photo_bytes(context: AppContext, file_id: str) -> bytes | None:
    """A photo's bytes from Telegram, or as the bot keeps it (sent on WeChat); None if it
    cannot be had (its tile stays blank)."""
    if is_kept(file_id):
        return await context.runtime.services.photos.read(file_id)
    try:
        found = await context.bot.get_file(file_id)
        return bytes(await found.download_as_bytearray())
    except TelegramError as error:
        log.warning("a delivery photo could not be fetched: %s", error.message)
        return None


async def wishes(context: AppContext) -> None:
    """Micro-wishes past their deadline (claims back to the wall, open wishes expired); and
    once the weekly posting time has come, last week's fulfilled wall to each linked team's
    group (the delivery photos, fetched from Telegram, drawn into one picture) and the
    city-wide count to the admins."""
    runtime = context.runtime
    digests = runtime.services.wish_digests
    lapsed, expired = await digests.expire()
    if lapsed or expired:
        log.info("wishes: %d claims back to the wall, %d wishes expired", lapsed, expired)
    t = runtime.catalogs.translator(runtime.config.org.default_language)

    async def draw(wall: FulfilledWall) -> bytes:
        tiles = [
            (wish.title, await _photo_bytes(context, wish.delivery_photo))
            for wish in wall.photos()
            if wish.delivery_photo
        ]
        title = t("wish.wall_title", team=wall.team.name(t.language))
        subtitle = t(
            "wish.wall_subtitle",
            range=week_range(t, wall.start, wall.end),
            count=len(wall.wishes),
        )
        return await asyncio.to_thread(wish_wall_jpeg, title, subtitle, tiles, t)

    queued = await digests.queue_walls(draw)
    if queued:
        log.info("fulfilled walls: %d queued", queued)


def _range(t: Translator, start: date, end: date) -> str:
    return t("report.range", start=t.day(start), end=t.day(end - timedelta(days=1)))


async def households(context: AppContext) -> None:
    """Once the notice time of day has come: volunteers of households past their visit
    cadence are nudged (once, then weekly); on the first working day of a month, the admins
    get last month's coverage report (CSV and chart). The database says what was done, so a
    restart repeats nothing."""
    services = context.runtime.services
    nudged = await services.household_nudges.nudge_due()
    reported = await services.coverage.queue_monthly_report()
    if nudged or reported:
        log.info("households: %d nudges, %d coverage report messages queued", nudged, reported)
