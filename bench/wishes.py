"""Micro-wishes benchmarks:
- /wishes (the wall's first page) with 10,000 open wishes across the teams and 50
  communities, through the real Application and the fake Bot API over HTTP, in updates/s
  against the bare echo bot on the same fake server in the same run (goal ratio at least 0.5);
  plus the wall's two queries read straight from the database, uncached (p95 in ms: a page,
  and the count the wall keeps a few seconds);
- the weekly fulfilled-wall picture of 30 wishes from 30 phone-sized JPEG photos (1280x960,
  noisy, so decoding costs what a real photo costs): render time (goal under 1 s).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pymupdf
from PIL import Image

from bench.common import echo_bot, median, updates_per_second
from bot.i18n import Catalogs
from bot.services.wish_wall import wish_wall_jpeg
from storage import wishes
from storage.db import Database
from telegram_adapter.app import build_application, running
from tests.conftest import make_config
from tests.fake_bot_api import FakeBotApi, FakeUser

WISHES = 10_000
COMMUNITIES = 50
LISTERS = 500
ROUNDS = 5
QUERIES = 500
WALL_WISHES = 30
WALL_ROUNDS = 5
FAST = {"global_per_second": 1000, "private_per_second": 100, "private_burst": 100}


async def _seed(db: Database, first_lister: int) -> list[FakeUser]:
    """10,000 open wishes (newest last) and 500 registered people who will ask for the wall."""
    now = datetime.now(UTC).isoformat()
    deadline = (date.today() + timedelta(days=60)).isoformat()
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO wish_communities (name) VALUES (?)",
            [(f"第{n + 1}社区",) for n in range(COMMUNITIES)],
        )
        async with tx.execute("SELECT id FROM teams ORDER BY id") as cursor:
            team_ids = [row[0] for row in await cursor.fetchall()]
        await tx.executemany(
            "INSERT INTO wishes (team_id, community_id, title, story, value_yuan, deadline,"
            " private_note, state, posted_by, posted_at, updated_at)"
            " VALUES (?, ?, ?, '老人冬天屋里很冷', 200, ?, '陈阿婆，5栋', 'open', 1, ?, ?)",
            [
                (
                    team_ids[n % len(team_ids)],
                    n % COMMUNITIES + 1,
                    f"一台电暖器 第{n + 1}号",
                    deadline,
                    now,
                    now,
                )
                for n in range(WISHES)
            ],
        )
        for n in range(LISTERS):
            cursor = await tx.execute(
                "INSERT INTO volunteers (telegram_id, name, phone, consent_at, registered_at,"
                " updated_at) VALUES (?, '张三', ?, ?, ?, ?)",
                (first_lister + n, f"+86136{first_lister + n:08d}", now, now, now),
            )
            await tx.execute(
                "INSERT INTO memberships (volunteer_id, team_id, joined_at) VALUES (?, ?, ?)",
                (cursor.lastrowid, team_ids[0], now),
            )
    return [
        FakeUser(id=first_lister + n, first_name=f"V{n}", language_code="zh")
        for n in range(LISTERS)
    ]


async def wall_vs_echo() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotApi() as api:
            config = make_config(
                Path(folder),
                telegram={"token": api.token, "base_url": api.base_url},
                sending=FAST,
                flood={"max_updates": 10_000},
            )
            app = build_application(config)
            async with running(app):
                listers = await _seed(app.bot_data.database, 50_000)
                db = app.bot_data.database
                today = date.today()
                page_ms, count_ms = [], []
                for n in range(QUERIES):
                    started = time.perf_counter()
                    page = await wishes.wall(db.reader, today, None, None, 5, (n % 20) * 5)
                    page_ms.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    total = await wishes.wall_count(db.reader, today, None, None)
                    count_ms.append((time.perf_counter() - started) * 1000)
                assert len(page) == 5 and total == WISHES
            wall_rates: list[float] = []
            echo_rates: list[float] = []
            messages = [(u, text) for u in listers for text in ("/wishes", "/wishes")]
            for _ in range(ROUNDS):
                async with echo_bot(api):
                    echo_rates.append(
                        await updates_per_second(api, [(u, "hello") for u, _ in messages])
                    )
                async with running(build_application(config)):
                    wall_rates.append(await updates_per_second(api, messages))
    page_ms.sort()
    count_ms.sort()
    return {
        "wishes": WISHES,
        "page_query_p95_ms": round(page_ms[int(len(page_ms) * 0.95) - 1], 2),
        "count_query_p95_ms": round(count_ms[int(len(count_ms) * 0.95) - 1], 2),
        "wishes_updates_per_s": median(wall_rates),
        "echo_updates_per_s": median(echo_rates),
        "wishes_ratio": round(median(wall_rates) / median(echo_rates), 2),
    }


def _phone_photo(seed: int) -> bytes:
    """A 1280x960 baseline JPEG of about 150 KB, like the largest size Telegram keeps of a
    photo: a sky gradient, coloured shapes and fine sensor noise (so it does not compress to
    nothing). Written with Pillow (which reportlab brings), since MuPDF writes progressive
    JPEGs, which cost more to decode than what phones send."""
    width, height = 1280, 960
    shapes = random.Random(seed)
    document = pymupdf.open()
    page = document.new_page(width=width, height=height)
    shape = page.new_shape()
    for band in range(24):
        share = band / 24
        shape.draw_rect((0, band * height / 24, width, (band + 1) * height / 24))
        shape.finish(fill=(0.4 + 0.5 * share, 0.6, 0.9 - 0.5 * share), color=None)
    for _ in range(40):
        centre = (shapes.uniform(0, width), shapes.uniform(0, height))
        shape.draw_circle(centre, shapes.uniform(10, 160))
        shape.finish(fill=(shapes.random(), shapes.random(), shapes.random()), color=None)
    shape.commit()
    samples = page.get_pixmap(dpi=72, alpha=False).samples
    low_bits = os.urandom(len(samples)).translate(bytes(b & 0x0F for b in range(256)))
    noisy = int.from_bytes(samples, "big") ^ int.from_bytes(low_bits, "big")
    picture = Image.frombytes("RGB", (width, height), noisy.to_bytes(len(samples), "big"))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    return out.getvalue()


def wall_image() -> dict[str, object]:
    translator = Catalogs(ZoneInfo("Asia/Shanghai")).translator("zh")
    tiles = [
        (f"给独居老人送一台电暖器和一件冬衣 {n + 1}", _phone_photo(n)) for n in range(WALL_WISHES)
    ]
    seconds = []
    for _ in range(WALL_ROUNDS):
        started = time.perf_counter()
        picture = wish_wall_jpeg(
            "文明交通志愿服务队 · 上周实现的微心愿",
            "2026年11月23日至29日 · 30 个心愿",
            tiles,
            translator,
        )
        seconds.append(time.perf_counter() - started)
    return {
        "wall_photos": WALL_WISHES,
        "wall_photo_bytes": sum(len(photo) for _, photo in tiles),
        "wall_jpeg_bytes": len(picture),
        "wall_render_median_s": round(statistics.median(seconds), 3),
        "wall_render_max_s": round(max(seconds), 3),
    }


async def main() -> dict[str, object]:
    return {**await wall_vs_echo(), **await asyncio.to_thread(wall_image)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
