"""Micro-wishes (微心愿): a lead posts a wish, the wall lists the open ones, a volunteer claims
one (atomically, within a per-person limit), releases it or reports its delivery with a
photo; the lead confirms it, crediting the minutes as a service record with source 'wish'
through RecordService.credit (the same approval, daily review limit, audit and disputes as
every record), or sends it back with a reason.

The private note (who the beneficiary is, how to reach them) leaves this service only in a
view for the team's leads and admins; every other view carries it blank."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.config import WishesConfig
from bot.domain.errors import DomainError, InvalidMinutes, NotTeamLead
from bot.domain.hours import ServiceRecord, outside_activity, parse_reason
from bot.domain.models import Actor, Team
from bot.domain.wishes import (
    RECORD_CATEGORY,
    RECORD_CONTENT,
    ClaimLimit,
    NotClaimer,
    PhotoNeeded,
    UnknownWish,
    Wish,
    WishDraft,
    WishNotDelivered,
    WishNotOpen,
    WishPastDeadline,
    WishState,
    WishTaken,
    parse_community,
    parse_deadline,
    parse_note,
    parse_story,
    parse_wish_title,
    past_deadline,
)
from bot.outbox.signal import OutboxSignal
from bot.services.record_rules import fits_in_day, not_own, registered
from bot.services.records import RecordService
from bot.services.teams import managed_teams
from bot.services.wish_board import WishBoard
from bot.services.wish_notices import WishNotices
from storage import records, teams, volunteers, wishes
from storage.db import Database


@dataclass(frozen=True)
class WishPermissions:
    """What the reader of a wish may do with it, by the checks the actions make."""

    claim: bool = False
    release: bool = False
    deliver: bool = False
    decide: bool = False  # confirm it, or send it back


@dataclass(frozen=True)
class WishView:
    wish: Wish  # the private note blank unless `manages`; the delivery note only for them
    claimer: str | None  # the claimer's name; None when unclaimed or anonymous to the reader
    claimer_anonymous: bool
    manages: bool  # a lead of the wish's team, or an admin
    mine: bool  # the reader holds the claim
    may: WishPermissions


@dataclass(frozen=True)
class MyWishes:
    claims: list[Wish]  # the reader's claims not yet confirmed
    awaiting: list[Wish]  # deliveries of the teams they lead (any, for admins) to decide


def _public(wish: Wish) -> Wish:
    """The wish as anyone may see it: no private note, no delivery note."""
    return replace(wish, private_note="", delivery_note=None, sent_back_reason=None)


def _manages(actor: Actor, wish: Wish) -> bool:
    return actor.is_admin or wish.team_key in actor.lead_team_keys


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except DomainError:
        return False
    return True


class WishService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        zone: ZoneInfo,
        config: WishesConfig,
        credit: RecordService,
        notify: WishNotices,
        signal: OutboxSignal,
        all_teams: Callable[[], Awaitable[list[Team]]],
        board: WishBoard,
    ) -> None:
        self._db = db
        self._clock = clock
        self._zone = zone
        self.config = config
        self._credit = credit
        self._notify = notify
        self._signal = signal
        self._teams = all_teams
        self._board = board

    def today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    # ------------------------------------------------------------ posting

    async def teams_to_post(self, actor: Actor) -> list[Team]:
        """The teams the actor may post wishes for: those they lead, every one for admins."""
        return managed_teams(actor, await self._teams())

    async def post(self, actor: Actor, draft: WishDraft) -> Wish:
        """Put a wish on the wall; each field is checked again as typed input."""
        if not actor.is_admin and draft.team_key not in actor.lead_team_keys:
            raise NotTeamLead()
        today = self.today()
        clean = replace(
            draft,
            title=parse_wish_title(draft.title),
            story=parse_story(draft.story) if draft.story else "",
            community=parse_community(draft.community),
            deadline=parse_deadline(draft.deadline.isoformat(), today),
            private_note=parse_note(draft.private_note),
        )
        async with self._db.transaction() as tx:
            team = await teams.by_key(tx, clean.team_key)
            if team is None:
                raise NotTeamLead()
            community = await wishes.community_id(tx, clean.community)
            now = self._clock.now()
            wish_id = await wishes.insert(tx, clean, team.id, community, actor.telegram_id, now)
            posted = await wishes.get(tx, wish_id)
        self._board.changed()
        assert posted is not None
        return posted

    # ------------------------------------------------------------ one wish

    async def view(self, actor: Actor, wish_id: int) -> WishView:
        wish = await wishes.get(self._db.reader, wish_id)
        if wish is None:
            raise UnknownWish()
        manages = _manages(actor, wish)
        mine = actor.volunteer is not None and actor.volunteer.id == wish.claimer_id
        name, anonymous = None, False
        if wish.claimer_id is not None and wish.state is not WishState.OPEN:
            claimer = await volunteers.by_id(self._db.reader, wish.claimer_id)
            anonymous = (await records.stars(self._db.reader, wish.claimer_id))[1]
            if claimer is not None and claimer.name and (manages or mine or not anonymous):
                name = claimer.name
        today = self.today()
        may = WishPermissions(
            claim=_allowed(lambda: self._check_claimable(wish, today)),
            release=_allowed(lambda: self._check_own_claim(actor, wish)),
            deliver=_allowed(lambda: self._check_own_claim(actor, wish, today)),
            decide=_allowed(lambda: self._check_decidable(actor, wish)),
        )
        if manages:
            shown = wish
        elif mine:
            shown = replace(wish, private_note="")
        else:
            shown = _public(wish)
        return WishView(shown, name, anonymous and name is None, manages, mine, may)

    async def mine(self, actor: Actor) -> MyWishes:
        claims = (
            await wishes.claims_of(self._db.reader, actor.volunteer.id)
            if actor.volunteer is not None
            else []
        )
        awaiting: list[Wish] = []
        if actor.is_admin or actor.lead_team_keys:
            keys = None if actor.is_admin else sorted(actor.lead_team_keys)
            awaiting = await wishes.awaiting(self._db.reader, keys)
        return MyWishes([replace(w, private_note="") for w in claims], awaiting)

    # ------------------------------------------------------------ the rules

    @staticmethod
    def _check_claimable(wish: Wish, today: date) -> None:
        """An open wish before its last day. (Someone not registered is offered the claim
        too: pressing it walks them through registration and back to the wish.)"""
        if wish.state is not WishState.OPEN:
            raise WishTaken() if wish.state is WishState.CLAIMED else WishNotOpen()
        if past_deadline(wish, today):
            raise WishPastDeadline()

    @staticmethod
    def _check_own_claim(actor: Actor, wish: Wish, today: date | None = None) -> None:
        """The actor holds the claim and has not delivered yet (and, to deliver, the wish's
        last day has not passed)."""
        if actor.volunteer is None or actor.volunteer.id != wish.claimer_id:
            raise NotClaimer()
        if wish.state is not WishState.CLAIMED:
            raise NotClaimer()
        if today is not None and past_deadline(wish, today):
            raise WishPastDeadline()

    @staticmethod
    def _check_decidable(actor: Actor, wish: Wish) -> None:
        """A lead of the wish's team, or an admin, decides a delivery; never their own."""
        if not _manages(actor, wish):
            raise NotTeamLead()
        if wish.claimer_id is not None:
            not_own(actor, wish.claimer_id)
        if wish.state is not WishState.DELIVERED:
            raise WishNotDelivered()

    async def _wish(self, conn: aiosqlite.Connection, wish_id: int) -> Wish:
        wish = await wishes.get(conn, wish_id)
        if wish is None:
            raise UnknownWish()
        return wish

    # ------------------------------------------------------------ claiming and delivering

    async def claim(self, telegram_id: int, wish_id: int) -> Wish:
        """One press claims an open wish; two at once make one claim. Refused past the wish's
        last day, and to a person already holding `open_claims` undelivered claims."""
        today = self.today()
        async with self._db.transaction() as tx:
            volunteer = await registered(tx, telegram_id)
            now = self._clock.now()
            limit = self.config.open_claims
            if not await wishes.claim(tx, wish_id, volunteer.id, today, limit, now):
                wish = await self._wish(tx, wish_id)
                if wish.claimer_id == volunteer.id and wish.state is WishState.CLAIMED:
                    return replace(wish, private_note="")  # a repeated press: one effect
                self._check_claimable(wish, today)
                raise ClaimLimit(count=limit)
            claimed = await self._wish(tx, wish_id)
        self._board.changed()
        return replace(claimed, private_note="")

    async def release(self, telegram_id: int, wish_id: int) -> Wish:
        """The claimer gives an undelivered wish back to the wall."""
        async with self._db.transaction() as tx:
            volunteer = await registered(tx, telegram_id)
            if not await wishes.release(tx, wish_id, volunteer.id, self._clock.now()):
                await self._wish(tx, wish_id)
                raise NotClaimer()
            released = await self._wish(tx, wish_id)
        self._board.changed()
        return _public(released)

    async def deliverable(self, actor: Actor, wish_id: int) -> Wish:
        """The wish the actor may report delivered now (to begin the report)."""
        wish = await self._wish(self._db.reader, wish_id)
        self._check_own_claim(actor, wish, self.today())
        return replace(wish, private_note="")

    def minutes_allowed(self, minutes: int) -> int:
        if not 1 <= minutes <= self.config.max_minutes:
            raise InvalidMinutes(max=self.config.max_minutes)
        return minutes

    async def deliver(
        self, actor: Actor, wish_id: int, photo: str, note: str, minutes: int
    ) -> Wish:
        """The claimer reports delivery: a photo (required), a note and the minutes served
        (refused at once if they would take the day past 24 hours; the lead's confirmation
        checks again); the team's leads are told."""
        if not photo:
            raise PhotoNeeded()
        clean_note = parse_note(note)
        self.minutes_allowed(minutes)
        today = self.today()
        async with self._db.transaction() as tx:
            wish = await self._wish(tx, wish_id)
            self._check_own_claim(actor, wish, today)
            assert actor.volunteer is not None
            await fits_in_day(tx, actor.volunteer.id, today, minutes)
            now = self._clock.now()
            await wishes.deliver(tx, wish.id, actor.volunteer.id, photo, clean_note, minutes, now)
            delivered = await self._wish(tx, wish_id)
            await self._notify.delivered(tx, delivered, actor.volunteer.name, actor.telegram_id)
        self._signal.notify()
        return replace(delivered, private_note="")

    # ------------------------------------------------------------ the lead's word

    async def decidable(self, actor: Actor, wish_id: int) -> Wish:
        wish = await self._wish(self._db.reader, wish_id)
        self._check_decidable(actor, wish)
        return wish

    async def confirm(self, actor: Actor, wish_id: int) -> ServiceRecord:
        """The lead confirms a delivery: the minutes are credited to the claimer as a service
        record (source 'wish', "微心愿" as its content), dated the day of the delivery."""
        async with self._db.transaction() as tx:
            wish = await self._wish(tx, wish_id)
            self._check_decidable(actor, wish)
            assert wish.claimer_id is not None and wish.minutes and wish.delivered_at
            team = await teams.by_key(tx, wish.team_key)
            assert team is not None
            draft = outside_activity(
                wish.claimer_id,
                wish.team_key,
                wish.delivered_at.astimezone(self._zone).date(),
                wish.minutes,
                wish.title,
                source="wish",
                category=RECORD_CATEGORY,
                place=wish.community,
                content=RECORD_CONTENT,
            )
            record = await self._credit.credit(tx, actor, draft, team.id, None, "wish.credited")
            await wishes.confirm(tx, wish.id, record.id, actor.telegram_id, self._clock.now())
        self._signal.notify()
        return record

    async def send_back(self, actor: Actor, wish_id: int, reason: str) -> Wish:
        """The lead sends a delivery back to its claimer with a reason; the claim stands."""
        clean = parse_reason(reason)
        async with self._db.transaction() as tx:
            wish = await self._wish(tx, wish_id)
            self._check_decidable(actor, wish)
            await wishes.send_back(tx, wish.id, clean, self._clock.now())
            returned = await self._wish(tx, wish_id)
            await self._notify.sent_back(tx, returned, clean)
        self._signal.notify()
        return returned
