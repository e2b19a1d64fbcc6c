"""`volunteer-bot import-households FILE.csv`: households brought in from a file, checked whole
before anything is written (all or nothing), then written in chunks like the roster import."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.config import HouseholdsConfig
from bot.domain.errors import DomainError, UnknownTeam
from bot.domain.households import (
    DuplicateHouseholdRow,
    HouseholdCodeTaken,
    InvalidCoordinates,
    parse_cadence,
    parse_code,
    parse_community,
    parse_coordinates,
    parse_needs,
    parse_note,
    parse_radius,
)
from bot.services.imports import (
    IMPORT_CHUNK,
    IMPORT_PAUSE_SECONDS,
    ImportReport,
    write_in_chunks,
)
from storage import households, teams
from storage.db import Database
from storage.households import NewHousehold

IMPORTED_BY = 0  # households.created_by of those brought in from a file


@dataclass(frozen=True)
class HouseholdRow:
    """One line of `volunteer-bot import-households FILE.csv`, as read."""

    line: int
    code: str
    team_key: str
    community: str
    needs: tuple[str, ...] = ()
    cadence: str = ""  # empty: the configured cadence
    latitude: str = ""
    longitude: str = ""
    radius: str = ""
    contact_note: str = ""


def _coordinate(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidCoordinates() from None


def _row_to_new(row: HouseholdRow, team_id: int, config: HouseholdsConfig) -> NewHousehold:
    latitude = longitude = None
    if row.latitude.strip() or row.longitude.strip():
        latitude, longitude = parse_coordinates(
            _coordinate(row.latitude), _coordinate(row.longitude)
        )
    radius = parse_radius(row.radius) if row.radius.strip() else None
    if radius is not None and latitude is None:
        raise InvalidCoordinates()
    return NewHousehold(
        code=parse_code(row.code),
        team_id=team_id,
        community=parse_community(row.community),
        needs=parse_needs(row.needs, config.need_keys),
        cadence_days=parse_cadence(row.cadence) if row.cadence.strip() else config.cadence_days,
        contact_note=parse_note(row.contact_note),
        latitude=latitude,
        longitude=longitude,
        radius_m=radius,
    )


async def import_households(
    db: Database,
    now: datetime,
    zone: ZoneInfo,
    config: HouseholdsConfig,
    rows: Sequence[HouseholdRow],
    *,
    chunk: int = IMPORT_CHUNK,
    pause: float = IMPORT_PAUSE_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> ImportReport:
    """Bring in households from a file, all or nothing and in chunks like the roster
    (bot/services/imports.py): every row is checked before anything is written, and every
    error reported with its line. A code already known in the same team is left as it is
    (running the same import again completes one that a full disk stopped half way); in
    another team it is an error."""
    known = {team.key: team.id for team in await teams.all_teams(db.reader)}
    taken = await households.teams_of_codes(
        db.reader, [code for row in rows if (code := _upper(row.code))]
    )
    errors: list[tuple[int, DomainError]] = []
    clean: list[NewHousehold] = []
    seen: dict[str, int] = {}
    existing = 0
    for row in rows:
        try:
            team_id = known.get(row.team_key.strip())
            if team_id is None:
                raise UnknownTeam(key=row.team_key.strip())
            new = _row_to_new(row, team_id, config)
            if new.code in seen:
                raise DuplicateHouseholdRow(line=seen[new.code])
            if new.code in taken and taken[new.code] != team_id:
                raise HouseholdCodeTaken(code=new.code)
        except DomainError as error:
            errors.append((row.line, error))
            continue
        seen[new.code] = row.line
        if new.code in taken:
            existing += 1
        else:
            clean.append(new)
    if errors:
        return ImportReport(0, 0, tuple(errors))
    day = now.astimezone(zone).date()

    async def write(tx: aiosqlite.Connection, part: Sequence[NewHousehold]) -> int:
        return await households.insert_many(tx, part, IMPORTED_BY, day, now)

    created, longest = await write_in_chunks(
        db, clean, write, chunk=chunk, pause=pause, monotonic=monotonic
    )
    return ImportReport(created, existing + len(clean) - created, (), longest)


def _upper(code: str) -> str:
    try:
        return parse_code(code)
    except DomainError:
        return ""
