"""Periodic jobs (python-telegram-bot's JobQueue, on APScheduler). They only look at the
database, which holds everything scheduled, so a restart loses nothing."""

from __future__ import annotations

import logging

from handlers.context import AppContext

log = logging.getLogger(__name__)

REMINDER_TICK_SECONDS = 30
PURGE_SECONDS = 3600
ATTENDANCE_TICK_SECONDS = 60


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


async def attendance(context: AppContext) -> None:
    """Make attendance sheets for activities that ended; chase those left unapproved."""
    hours = context.runtime.services.hours
    made = await hours.make_sheets()
    chased = await hours.chase_sheets()
    if made or chased:
        log.info("attendance: %d sheets made, %d reminders or escalations", made, chased)
