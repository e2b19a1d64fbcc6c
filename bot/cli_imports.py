"""`volunteer-bot import-volunteers FILE.csv` and `import-households FILE.csv`: the file read
(UTF-8, or GBK as Excel in China saves CSV), its rows handed to the import service (every row
checked first: all or nothing; then in chunks), and the result printed, each wrong row with
its line."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config

if TYPE_CHECKING:
    from bot.services.household_import import HouseholdRow
    from bot.services.imports import ImportReport
    from bot.services.registration import RosterRow
    from storage.db import Database

EXIT_USAGE = 1
HOUSEHOLD_COLUMNS = (
    "code",
    "team",
    "community",
    "needs",
    "cadence_days",
    "latitude",
    "longitude",
    "radius_m",
    "contact_note",
)


def _keys(text: str | None) -> tuple[str, ...]:
    """Keys separated by `;` or spaces (team keys, need keys)."""
    return tuple(key for key in re.split(r"[;\s]+", text or "") if key)


def read_csv(
    file: str, required: Collection[str], header: str
) -> list[tuple[int, dict[str, str]]] | str:
    """Each row of the file with its line, or why the file cannot be used (`header` says
    what its first line must hold)."""
    try:
        raw = Path(file).read_bytes()
    except OSError as error:
        return f"cannot be read ({error})"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return "is neither UTF-8 nor GBK text"
    try:
        with io.StringIO(text, newline="") as handle:
            reader = csv.DictReader(handle)
            missing = set(required) - set(reader.fieldnames or [])
            if missing:
                return f"missing column(s) {', '.join(sorted(missing))}: {header}"
            return [
                (reader.line_num, {key: value or "" for key, value in row.items() if key})
                for row in reader
            ]
    except csv.Error as error:
        return f"cannot be read ({error})"


def read_roster(file: str) -> list[RosterRow] | str:
    """The roster's rows, or why the file cannot be used."""
    from bot.services.registration import RosterRow

    rows = read_csv(file, ("name", "phone", "teams"), "the header must be name,phone,teams")
    if isinstance(rows, str):
        return rows
    return [
        RosterRow(line, row.get("name", ""), row.get("phone", ""), _keys(row.get("teams")))
        for line, row in rows
    ]


def read_households(file: str) -> list[HouseholdRow] | str:
    """The households file's rows, or why the file cannot be used."""
    from bot.services.household_import import HouseholdRow

    rows = read_csv(
        file,
        HOUSEHOLD_COLUMNS[:3],
        "the header must have code,team,community"
        f" (and may have {','.join(HOUSEHOLD_COLUMNS[3:])})",
    )
    if isinstance(rows, str):
        return rows
    return [
        HouseholdRow(
            line,
            row.get("code", ""),
            row.get("team", ""),
            row.get("community", ""),
            _keys(row.get("needs")),
            row.get("cadence_days", ""),
            row.get("latitude", ""),
            row.get("longitude", ""),
            row.get("radius_m", ""),
            row.get("contact_note", ""),
        )
        for line, row in rows
    ]


async def run_import(
    config: Config,
    what: str,
    bring_in: Callable[[Database, datetime], Awaitable[ImportReport]],
) -> int:
    """Open the database, seed the configured teams (as the bot does at start), run the
    import and say how it went: every wrong row with its line (and nothing imported), or how
    many `what` were new."""
    from bot.clock import SystemClock
    from bot.i18n import Catalogs
    from bot.services.teams import TeamService
    from storage.db import Database

    t = Catalogs(config.org.zone).translator(config.org.default_language)
    db = await Database.open(config.storage.path, config.storage.busy_timeout_ms)
    try:
        await TeamService(db, SystemClock()).seed(config.teams)
        report = await bring_in(db, SystemClock().now())
    finally:
        await db.close()
    if report.errors:
        for line, problem in report.errors:
            params = {name: t.value(value) for name, value in problem.params.items()}
            print(f"line {line}: {t(problem.key, **params)}", file=sys.stderr)
        print(f"nothing imported: {len(report.errors)} row(s) to fix", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"imported {report.created} new {what}; {report.existing} already known"
        f" (in chunks; the write lock was held at most {report.longest_hold * 1000:.0f} ms"
        " at a time)"
    )
    return 0
