"""Nudges of due households (千名义工助千户): once the notice time of day has come, each volunteer
of a household past its visit cadence is reminded once, then every `nudge_every_days` while it
stays due, with a button to log a visit. The reminder names the household's code, community
and needs only."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.buttons import VisitStart
from bot.clock import Clock
from bot.config import HouseholdsConfig
from bot.domain.households import needs_nudge
from bot.i18n import Translator
from bot.outbox.models import Button, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.notices import ButtonRows, Notices
from storage import households, outbox
from storage.db import Database

NUDGES_PER_TICK = 500


def _visit_button(household_id: int) -> Callable[[Translator], ButtonRows]:
    def rows(t: Translator) -> ButtonRows:
        return ((Button(t("button.log_visit"), VisitStart(household_id).build()),),)

    return rows


class HouseholdNudges:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: HouseholdsConfig,
        zone: ZoneInfo,
        notices: Notices,
        signal: OutboxSignal,
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self._zone = zone
        self._notices = notices
        self._signal = signal

    async def nudge_due(self) -> int:
        """Once the notice time of day has come: each volunteer of a household past its
        cadence is nudged once, then every `nudge_every_days` while it stays due. How many
        were nudged."""
        now = self._clock.now()
        local = now.astimezone(self._zone)
        if local.time() < self._config.notify_at:
            return 0
        today = local.date()
        every = self._config.nudge_every_days
        due = await households.due_nudges(self._db.reader, today, every, NUDGES_PER_TICK)
        sent = 0
        async with self._db.transaction() as tx:
            done = []
            for item in due:
                if not needs_nudge(item.household.due_on, item.nudged_on, today, every):
                    continue
                t = await self._notices.translator_for(tx, item.telegram_id)
                message = await self._notices.make(
                    tx,
                    item.telegram_id,
                    "household_nudge",
                    "households.nudge",
                    {
                        "code": item.household.code,
                        "community": item.household.community,
                        "needs": t.join(self._config.need_names(t.language, item.household.needs))
                        or "—",
                        "due": item.household.due_on,
                    },
                    Priority.REMINDER,
                    _visit_button(item.household.id),
                )
                await outbox.enqueue(tx, [message], now)
                done.append((item.household.id, item.volunteer_id))
                sent += 1
            await households.mark_nudged(tx, done, today)
        if sent:
            self._signal.notify()
        return sent
