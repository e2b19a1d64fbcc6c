"""/export and the command-line export: a period's service records as CSV or XLSX, read on a
connection of their own and written in a worker thread so the bot goes on meanwhile."""

from __future__ import annotations

import asyncio
import csv
import logging
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path

from bot.domain.amounts import hours_of
from bot.domain.errors import ExportTooLarge, NotLeadOrAdmin, UnknownTeam
from bot.domain.hours import RecordState
from bot.domain.models import Actor, Team
from bot.domain.spreadsheet import csv_cell
from bot.domain.validation import mask_phone
from bot.i18n import Translator
from bot.services.teams import team_scope
from bot.services.xlsx import XlsxWriter
from storage import reports
from storage.db import Database
from storage.reports import EXPORT_COLUMNS

log = logging.getLogger(__name__)

EXPORT_BATCH = 2000
CHECK_EVERY = 500  # rows between looks at an export file's size (a few hundred KB at most)


def export_labels(t: Translator) -> dict[str, str]:
    """Record states, sources and whether a phone is verified, as the export shows them."""
    labels = {state.value: t(f"record.state.{state.value}") for state in RecordState}
    labels["phone_verified"] = t("export.phone.verified")
    labels["phone_unverified"] = t("export.phone.unverified")
    sources = ("activity", "manual", "wish", "visit")
    return labels | {source: t(f"export.source.{source}") for source in sources}


class ExportService:
    def __init__(self, db: Database, team_list: Callable[[], Awaitable[list[Team]]]) -> None:
        self._db = db
        self._teams = team_list  # kept in memory by the team service

    async def export_scope(self, actor: Actor, team_key: str | None) -> list[int] | None:
        every = await self._teams()
        scope = team_scope(actor, every)
        if team_key is None:
            return scope
        team = next((t for t in every if t.key == team_key), None)
        if team is None:
            raise UnknownTeam(key=team_key)
        if scope is not None and team.id not in scope:
            raise NotLeadOrAdmin()
        return [team.id]

    async def export(
        self,
        actor: Actor | None,
        team_key: str | None,
        start: date,
        end: date,
        fmt: str,
        path: Path,
        header: Sequence[str],
        labels: Mapping[str, str],
        sheet_name: str,
        *,
        max_bytes: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Write the period's service records to `path` as CSV or XLSX; returns how many.
        `actor` None is the operator at the command line (all teams, full phone numbers);
        leads get masked phone numbers. The rows are read on a connection of the export's
        own and the file written in a worker thread, so the bot's other reads and the event
        loop go on meanwhile. Past `max_bytes` it stops at once (ExportTooLarge). `progress`
        hears the rows written so far after each batch, in the worker thread."""
        if actor is None:
            every = await self._teams()
            scope = None
            if team_key is not None:
                team = next((t for t in every if t.key == team_key), None)
                if team is None:
                    raise UnknownTeam(key=team_key)
                scope = [team.id]
        else:
            scope = await self.export_scope(actor, team_key)
        masked = actor is not None and not actor.is_admin
        stop = threading.Event()

        def work() -> int:
            with self._db.long_read() as conn:
                rows = _export_values(
                    reports.export_rows(conn, scope, start, end, EXPORT_BATCH), masked, labels
                )
                return write_export(
                    rows, path, fmt, header, sheet_name, max_bytes, _checkpoint(stop, progress)
                )

        try:
            return await asyncio.to_thread(work)
        except asyncio.CancelledError:
            stop.set()  # the worker ends at its next batch instead of writing on unseen
            raise


class _Stopped(Exception):
    """The export was cancelled (the bot is shutting down)."""


def _checkpoint(
    stop: threading.Event, progress: Callable[[int], None] | None
) -> Callable[[int], None]:
    def check(written: int) -> None:
        if stop.is_set():
            raise _Stopped()
        if progress is not None:
            progress(written)

    return check


def _export_values(
    batches: Iterator[list[sqlite3.Row]], masked: bool, labels: Mapping[str, str]
) -> Iterator[list[object]]:
    for batch in batches:
        for row in batch:
            phone = row["phone"]
            verified = "phone_verified" if row["phone_verified"] else "phone_unverified"
            yield [
                row["record_id"],
                row["volunteer"] or "",
                (mask_phone(phone) if masked else phone) if phone else "",
                labels.get(verified, verified) if phone else "",
                row["activity"],
                row["date"],
                row["place"],
                row["content"],
                float(hours_of(row["minutes"])),  # the one rounding rule, as a number
                row["team"],
                row["person_in_charge"] or "",
                labels.get(row["state"], row["state"]),
                labels.get(row["source"], row["source"]),
            ]


def write_export(
    rows: Iterable[list[object]],
    path: Path,
    fmt: str,
    header: Sequence[str],
    sheet_name: str = "records",
    max_bytes: int | None = None,
    checkpoint: Callable[[int], None] | None = None,
) -> int:
    """CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese) or XLSX
    (streamed into the zip as rows come); returns the number of data rows. Blocking: run it
    in a worker thread. Every CHECK_EVERY rows the file's size is looked at (past `max_bytes`
    it stops with ExportTooLarge) and `checkpoint` hears the count. CSV text that a
    spreadsheet could take for a formula gets a leading `'` (`bot/domain/spreadsheet.py`);
    XLSX writes every text as an inline string cell, which no program evaluates."""
    assert len(header) == len(EXPORT_COLUMNS)
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r}")
    count = 0

    def check(flush: Callable[[], None]) -> None:
        if max_bytes is not None:
            flush()
            if path.stat().st_size > max_bytes:
                raise ExportTooLarge(count=f"{count}+")
        if checkpoint is not None:
            checkpoint(count)

    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([csv_cell(value) for value in header])
            for row in rows:
                writer.writerow([csv_cell(value) for value in row])
                count += 1
                if count % CHECK_EVERY == 0:
                    check(handle.flush)
    else:
        with XlsxWriter(path, sheet_name) as sheet:
            sheet.header(header)
            for row in rows:
                sheet.row(row)
                count += 1
                if count % CHECK_EVERY == 0:
                    check(sheet.flush)
    # The last rows (and the XLSX's closing parts) may still take the file past the limit.
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise ExportTooLarge(count=str(count))
    return count
