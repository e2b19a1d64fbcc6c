"""The operator's commands as real processes beside a running bot (issue 11): a large roster
import, backup and restore, doctor."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Config, load_config
from bot.services import Services
from storage.db import Database
from tests.conftest import TEAMS
from tests.e2e.test_process import CLI, _env

_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"


def _name(n: int) -> str:
    """A distinct valid name for each n below 27,000."""
    size = len(_SURNAMES)
    return f"{_SURNAMES[n % size]}{_SURNAMES[n // size % size]}{_SURNAMES[n // size // size]}"


def _config_file(folder: Path, database: Path, extra: str = "") -> Path:
    """A config.toml for the CLI: the database, the test teams, and `extra` tables."""
    teams = "".join(
        f'[[teams]]\nkey = "{t.key}"\nname_zh = "{t.name_zh}"\nname_en = "{t.name_en}"\n\n'
        for t in TEAMS
    )
    path = folder / "config.toml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[storage]\npath = "{database}"\n\n{extra}\n{teams}', encoding="utf-8")
    return path


async def _start(*args: str, cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        CLI,
        *args,
        env=_env(),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _run(*args: str, cwd: Path) -> tuple[int, str, str]:
    process = await _start(*args, cwd=cwd)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _bot(
    config: Config, clock: ManualClock, busy_timeout_ms: int
) -> tuple[Database, Services]:
    db = await Database.open(config.storage.path, busy_timeout_ms)
    services = Services.build(db, config, clock)
    await services.teams.seed(config.teams)
    return db, services


async def test_item5_a_large_import_does_not_starve_the_bots_writers(
    tmp_path: Path, clock: ManualClock
) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    config_file = _config_file(tmp_path, database)
    config = load_config(config_file)
    roster = tmp_path / "roster.csv"
    rows = 10_000
    roster.write_text(
        "name,phone,teams\n"
        + "".join(f"{_name(n)},139{n:08d},traffic;blood\n" for n in range(rows)),
        encoding="utf-8",
    )
    # The bot gives up on a lock after 0.5 s (5 s in production; the import of 10,000 rows
    # in one transaction held it about 1.5 s on this machine).
    db, services = await _bot(config, clock, busy_timeout_ms=500)
    try:
        importer = await _start(
            "import-volunteers", "--config", str(config_file), str(roster), cwd=tmp_path
        )
        finished = asyncio.create_task(importer.communicate())
        waits: list[float] = []
        people = 0
        try:
            async with asyncio.timeout(120):
                while not finished.done():
                    began = time.monotonic()
                    await services.registration.register(
                        10_000 + people, _name(people), f"137{people:08d}", ["traffic"], True
                    )
                    waits.append(time.monotonic() - began)
                    people += 1
                    if people % 10 == 0:  # a bot writes in bursts, not flat out
                        await asyncio.sleep(0.05)
                out, err = await finished
        finally:
            if importer.returncode is None:
                importer.kill()
                await finished
        assert importer.returncode == 0, err.decode()
        assert f"imported {rows} new volunteer(s)" in out.decode()
        async with db.reader.execute(
            "SELECT COUNT(*) FROM volunteers WHERE imported_at IS NOT NULL"
        ) as cursor:
            assert (await cursor.fetchone())[0] == rows  # type: ignore[index]
        assert people >= 20, "the bot wrote all along the import"
        assert max(waits) < 0.5
    finally:
        await db.close()
