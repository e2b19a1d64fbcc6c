"""Certificate benchmark: a volunteer with 500 approved service records asks for /certificate.
Times reading the records (with the verification code written) and rendering the PDF, against
a certificate of one record in the same run (the fixed cost). Goal: under 2 s for 500."""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pymupdf

from bot.clock import SystemClock
from bot.i18n import Catalogs
from bot.services import Services
from bot.services.certificate_pdf import render_pdf
from storage.db import Database
from tests.conftest import ADMIN_ID, make_config

RECORDS = 500
ROUNDS = 3


async def _seed(services: Services, telegram_id: int, records: int) -> None:
    volunteer = await services.registration.register(
        telegram_id, "张三", f"138{telegram_id:08d}", ["traffic"], consent=True
    )
    admin = await services.roles.actor(ADMIN_ID)
    first = date(2024, 1, 1)
    for n in range(records):
        await services.records.add_manual(
            admin,
            volunteer.id,
            "traffic",
            first + timedelta(days=n),
            90 + n % 60,
            f"人民路口文明交通劝导 第{n + 1}期",
            "纸质签到表补录",
        )


async def _time(services: Services, telegram_id: int) -> tuple[float, float, bytes]:
    translator = Catalogs(ZoneInfo("Asia/Shanghai")).translator("zh")
    started = time.perf_counter()
    certificate = await services.certificates.issue_certificate(telegram_id, {})
    queried = time.perf_counter()
    pdf = render_pdf(certificate, translator, f"/verify {certificate.code}")
    return queried - started, time.perf_counter() - queried, pdf


async def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        config = make_config(Path(folder))
        db = await Database.open(config.storage.path)
        try:
            services = Services.build(db, config, SystemClock())
            await services.teams.seed(config.teams)
            await _seed(services, 1, RECORDS)
            await _seed(services, 2, 1)
            big: list[tuple[float, float]] = []
            small: list[float] = []
            pdf = b""
            for _ in range(ROUNDS):
                query, render, pdf = await _time(services, 1)
                big.append((query, render))
                one_query, one_render, _ = await _time(services, 2)
                small.append(one_query + one_render)
        finally:
            await db.close()
    totals = [query + render for query, render in big]
    pages = pymupdf.open(stream=pdf, filetype="pdf").page_count
    return {
        "records": RECORDS,
        "rounds": ROUNDS,
        "query_s": round(statistics.median(q for q, _ in big), 3),
        "render_s": round(statistics.median(r for _, r in big), 3),
        "total_s": round(statistics.median(totals), 3),
        "one_record_s": round(statistics.median(small), 3),
        "pages": pages,
        "pdf_bytes": len(pdf),
        "goal_s": 2.0,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
