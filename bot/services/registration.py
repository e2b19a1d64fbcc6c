"""Registration, profile edits and erasure of a volunteer's personal data."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import Clock
from bot.domain.errors import (
    AlreadyRegistered,
    ConsentRequired,
    DomainError,
    DuplicateRow,
    NoTeamChosen,
    NotRegistered,
    PhoneMustBeShared,
    PhoneTaken,
    UnknownTeam,
)
from bot.domain.models import Volunteer
from bot.domain.validation import parse_name, parse_phone
from bot.outbox.limits import SlidingWindow
from bot.outbox.signal import OutboxSignal
from bot.services.imports import (
    IMPORT_CHUNK,
    IMPORT_PAUSE_SECONDS,
    ImportReport,
    write_in_chunks,
)
from bot.services.left_behind import LeftBehind
from bot.services.notices import Notices
from bot.services.privacy import PrivacyService
from storage import certificates, dialogues, households, leads, outbox, teams, volunteers
from storage.db import Database
from storage.privacy import ERASED_TELEGRAM_ID
from storage.volunteers import PhoneHolder

PROBES_PER_HOUR = 3  # typed numbers checked per person, before only a shared contact is accepted


async def _team_ids(tx: aiosqlite.Connection, team_keys: Iterable[str]) -> list[int]:
    keys = list(dict.fromkeys(team_keys))
    if not keys:
        raise NoTeamChosen()
    ids = []
    for key in keys:
        team = await teams.by_key(tx, key)
        if team is None:
            raise UnknownTeam(key=key)
        ids.append(team.id)
    return ids


async def _require(tx: aiosqlite.Connection, telegram_id: int) -> Volunteer:
    volunteer = await volunteers.by_telegram_id(tx, telegram_id)
    if volunteer is None:
        raise NotRegistered()
    return volunteer


def _claim(holder: PhoneHolder | None, own_id: int | None, shared: bool) -> PhoneHolder | None:
    """Whether a person may have this number; returns the other holder it is taken from.

    A typed number held by anyone else gets the same answer as a typed number refused for any
    other reason (share your contact), so that no answer tells whether someone else's number
    is registered. A shared contact proves the number is the sender's own: it takes the
    number over from an account that only typed it, or links an imported roster entry; only
    a number another account has also verified is refused (it is the sender's own number, so
    saying so reveals nothing about anyone else's)."""
    if holder is None or holder.id == own_id:
        return None
    if not shared:
        raise PhoneMustBeShared()
    if holder.verified:
        raise PhoneTaken()
    return holder


ReleasePlaces = Callable[[aiosqlite.Connection, Volunteer], Awaitable[int]]


class RegistrationService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        release_places: ReleasePlaces,
        notices: Notices,
        signal: OutboxSignal,
        privacy: PrivacyService,
        left_behind: LeftBehind,
    ) -> None:
        self._db = db
        self._clock = clock
        self._release_places = release_places
        self._notices = notices
        self._signal = signal
        self._privacy = privacy
        self._left_behind = left_behind
        self._probes: dict[int, SlidingWindow] = {}

    async def volunteer(self, telegram_id: int) -> Volunteer | None:
        return await volunteers.by_telegram_id(self._db.reader, telegram_id)

    def _count_typed(self, telegram_id: int) -> None:
        """Whether a number is registered is itself personal data, and a typed number's answer
        (accepted or not) tells a little of it. So every typed number counts, whatever the
        answer, in registration and profile edits alike: after PROBES_PER_HOUR in an hour, only
        a shared contact is accepted."""
        now = self._clock.now().timestamp()
        probes = self._probes.setdefault(telegram_id, SlidingWindow(PROBES_PER_HOUR, 3600))
        if probes.wait(now) > 0:
            raise PhoneMustBeShared()
        probes.record(now)

    async def _take_over(self, tx: aiosqlite.Connection, holder: PhoneHolder) -> None:
        """A verified contact takes a number from an account that only typed it; that account
        is told, in its language, to confirm its own number."""
        now = self._clock.now()
        await volunteers.release_phone(tx, holder.id, now)
        if holder.telegram_id is not None:
            notice = await self._notices.make(
                tx, holder.telegram_id, "phone_released", "phone.released"
            )
            await outbox.enqueue(tx, [notice], now)

    async def check_phone_available(self, telegram_id: int, phone: str, shared: bool) -> str:
        """Validate the phone and make sure this person may have it; returns it normalised.
        Typed numbers are limited (see `_count_typed`) and a typed number someone else holds
        gets the same answer as any other refused typed number."""
        normalised = parse_phone(phone)
        own = await volunteers.by_telegram_id(self._db.reader, telegram_id)
        if not shared and (own is None or own.phone != normalised):
            self._count_typed(telegram_id)
        holder = await volunteers.phone_holder_of(self._db.reader, normalised)
        _claim(holder, own.id if own else None, shared)
        return normalised

    async def register(
        self,
        telegram_id: int,
        name: str,
        phone: str,
        team_keys: Iterable[str],
        consent: bool,
        phone_shared: bool = False,
    ) -> Volunteer:
        """Register a person who gave consent; every field is validated again here. Someone
        on an imported roster who shared their own contact takes over that entry (its teams
        are kept, with those chosen now); a shared contact takes the number over from an
        account that only typed it (see `_claim`)."""
        if not consent:
            raise ConsentRequired()
        clean_name, clean_phone = parse_name(name), parse_phone(phone)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if await volunteers.by_telegram_id(tx, telegram_id) is not None:
                raise AlreadyRegistered()
            team_ids = await _team_ids(tx, team_keys)
            holder = _claim(await volunteers.phone_holder_of(tx, clean_phone), None, phone_shared)
            if holder is not None and holder.imported:
                await volunteers.link_account(tx, holder.id, telegram_id, clean_name, now)
                await teams.add_memberships(tx, holder.id, team_ids, now)
                await dialogues.delete(tx, telegram_id)
                return await _require(tx, telegram_id)
            if holder is not None:
                await self._take_over(tx, holder)
            volunteer_id = await volunteers.insert(
                tx, telegram_id, clean_name, clean_phone, now, phone_verified=phone_shared
            )
            await teams.set_memberships(tx, volunteer_id, team_ids, now)
            await dialogues.delete(tx, telegram_id)
            registered = await _require(tx, telegram_id)
        if holder is not None:
            self._signal.notify()
        return registered

    async def change_name(self, telegram_id: int, name: str) -> Volunteer:
        clean = parse_name(name)
        async with self._db.transaction() as tx:
            volunteer = await _require(tx, telegram_id)
            await volunteers.update_name(tx, volunteer.id, clean, self._clock.now())
            await dialogues.delete(tx, telegram_id)
            return await _require(tx, telegram_id)

    async def change_phone(self, telegram_id: int, phone: str, shared: bool = False) -> Volunteer:
        """A new number from /profile, under the same rules as registration: typed numbers are
        limited and unverified; a shared contact verifies the number (typing one's current
        number again changes nothing). An imported roster entry with the number is not merged
        into an account here: that is an admin's decision."""
        clean = parse_phone(phone)
        current = await _require(self._db.reader, telegram_id)
        if not shared and clean != current.phone:
            self._count_typed(telegram_id)
        async with self._db.transaction() as tx:
            volunteer = await _require(tx, telegram_id)
            holder = _claim(await volunteers.phone_holder_of(tx, clean), volunteer.id, shared)
            if holder is not None and holder.imported:
                raise PhoneTaken()
            if holder is not None:
                await self._take_over(tx, holder)
            verified = shared or (clean == volunteer.phone and volunteer.phone_verified)
            await volunteers.update_phone(tx, volunteer.id, clean, self._clock.now(), verified)
            await dialogues.delete(tx, telegram_id)
            changed = await _require(tx, telegram_id)
        if holder is not None:
            self._signal.notify()
        return changed

    async def change_teams(self, telegram_id: int, team_keys: Iterable[str]) -> Volunteer:
        """The person's teams from /profile. Leaving a team ends their pairings with its
        households (a household is cared for by its own team's members); its leads and the
        person are told."""
        async with self._db.transaction() as tx:
            volunteer = await _require(tx, telegram_id)
            team_ids = await _team_ids(tx, team_keys)
            await teams.set_memberships(tx, volunteer.id, team_ids, self._clock.now())
            released = await households.unpair_outside(tx, volunteer.id, team_ids)
            if released:
                await self._left_behind.left_team(tx, volunteer, released)
            await dialogues.delete(tx, telegram_id)
            changed = await _require(tx, telegram_id)
        if released:
            self._signal.notify()
        return changed

    async def forget(self, telegram_id: int) -> None:
        """Erase name, phone, memberships and roles, and give up places in activities not yet
        started (the waitlist moves up); then every message, dispute, note, broadcast and
        chart that names or addresses the person (PrivacyService.erase); anonymous
        aggregates and pseudonymous service records stay."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            volunteer = await _require(tx, telegram_id)
            for team_key in await leads.team_keys_led_by(tx, volunteer.id):
                team = await teams.by_key(tx, team_key)
                assert team is not None
                # The append-only role log keeps the row id, never the erased Telegram id.
                await leads.log_change(tx, ERASED_TELEGRAM_ID, "demote", team.id, volunteer.id, now)
            await self._release_places(tx, volunteer)
            erasure = await self._privacy.erase(tx, volunteer, telegram_id, now)
            await volunteers.forget(tx, volunteer.id, now)
            await certificates.forget_holder(tx, volunteer.id)
            await dialogues.delete(tx, telegram_id)
        await self._privacy.finish(erasure)

    async def discard_unfinished(self, telegram_id: int) -> bool:
        """Drop what an unregistered person typed in an unfinished dialogue; True if any."""
        async with self._db.transaction() as tx:
            return await dialogues.delete(tx, telegram_id)


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    phone: str
    team_keys: tuple[str, ...]


async def import_roster(
    db: Database,
    now: datetime,
    rows: Sequence[RosterRow],
    *,
    chunk: int = IMPORT_CHUNK,
    pause: float = IMPORT_PAUSE_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> ImportReport:
    """Bring in an existing roster (name, phone, team keys), idempotent on the phone number,
    all or nothing and in chunks (bot/services/imports.py): every row is checked before
    anything is written, and every error reported with its line."""
    known = {team.key: team.id for team in await teams.all_teams(db.reader)}
    errors: list[tuple[int, DomainError]] = []
    clean: list[tuple[str, str, list[int]]] = []
    seen: dict[str, int] = {}
    for row in rows:
        try:
            name, phone = parse_name(row.name), parse_phone(row.phone)
            team_ids = _known_team_ids(known, row.team_keys)
            if phone in seen:
                raise DuplicateRow(line=seen[phone])
        except DomainError as error:
            errors.append((row.line, error))
            continue
        seen[phone] = row.line
        clean.append((name, phone, team_ids))
    if errors:
        return ImportReport(0, 0, tuple(errors))

    async def write(tx: aiosqlite.Connection, part: Sequence[tuple[str, str, list[int]]]) -> int:
        ids, new = await volunteers.insert_imported(
            tx, [(name, phone) for name, phone, _ in part], now
        )
        await teams.add_memberships_of_many(
            tx, [(ids[phone], team) for _, phone, team_ids in part for team in team_ids], now
        )
        return new

    created, longest = await write_in_chunks(
        db, clean, write, chunk=chunk, pause=pause, monotonic=monotonic
    )
    return ImportReport(created, len(clean) - created, (), longest)


def _known_team_ids(known: dict[str, int], team_keys: Iterable[str]) -> list[int]:
    keys = list(dict.fromkeys(team_keys))
    if not keys:
        raise NoTeamChosen()
    unknown = next((key for key in keys if key not in known), None)
    if unknown is not None:
        raise UnknownTeam(key=unknown)
    return [known[key] for key in keys]
