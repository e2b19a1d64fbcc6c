"""Certificates: a PDF-ready list of a person's approved records with a verification code, and
the check anyone can make with that code (/verify). The PDF itself is certificate_pdf.py's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.errors import NoHoursYet, UnknownCertificate
from bot.domain.hours import Certificate, CertificateLine
from bot.services.codes import clean_code, new_code
from bot.services.record_rules import registered
from storage import certificates
from storage.db import Database

CERTIFICATE_CODE_LENGTH = 10


class CertificateService:
    def __init__(self, db: Database, clock: Clock, zone: ZoneInfo, organisation: str) -> None:
        self._db = db
        self._clock = clock
        self._zone = zone
        self._organisation = organisation

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()

    async def issue_certificate(self, telegram_id: int, team_names: dict[str, str]) -> Certificate:
        """Every approved record of mine, with a verification code kept for /verify."""
        volunteer = await registered(self._db.reader, telegram_id)
        rows = await certificates.approved_for_certificate(self._db.reader, volunteer.id)
        if not rows:
            raise NoHoursYet()
        lines = tuple(
            CertificateLine(
                title=record.title,
                day=record.served_on,
                place=record.place,
                content=record.content,
                minutes=record.minutes,
                team=team_names.get(record.team_key, name_zh),
                person_in_charge=lead or "—",
            )
            for record, name_zh, _, lead in rows
        )
        total = sum(line.minutes for line in lines)
        now = self._clock.now()
        code = new_code(CERTIFICATE_CODE_LENGTH)
        async with self._db.transaction() as tx:
            await certificates.insert_certificate(
                tx, code, volunteer.id, volunteer.name, total, len(lines), now
            )
        return Certificate(code, volunteer.name, lines, total, self._organisation, self._day(now))

    async def verify(self, code: str) -> tuple[str, int, int, date]:
        """Holder, total minutes, records and issue date of a certificate."""
        found = await certificates.certificate(self._db.reader, clean_code(code))
        if found is None:
            raise UnknownCertificate()
        holder, total, count, issued = found
        return holder, total, count, self._day(issued)
