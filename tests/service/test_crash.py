"""`kill -9` in the middle of writes loses no committed row and leaves nothing half-written."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from storage.db import Database

WRITER = """
import asyncio, sys
from pathlib import Path
from bot.clock import SystemClock
from bot.config import Config, TeamConfig
from bot.services import Services
from storage.db import Database

async def main(path):
    config = Config(teams=[TeamConfig(key="aa", name_zh="甲", name_en="A"),
                           TeamConfig(key="bb", name_zh="乙", name_en="B")])
    db = await Database.open(Path(path))
    services = Services.build(db, config, SystemClock())
    await services.teams.seed(config.teams)
    n = 0
    while True:
        n += 1
        await services.registration.register(n, "张三", f"139{n:08d}", ["aa", "bb"], consent=True)
        print(n, flush=True)

asyncio.run(main(sys.argv[1]))
"""


async def test_sigkill_during_registrations_keeps_every_committed_one_whole(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(path), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    committed = 0
    while committed < 200:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert line, "the writer stopped early"
        committed = int(line)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    assert process.returncode == -signal.SIGKILL

    db = await Database.open(path)
    try:
        async with db.reader.execute("PRAGMA integrity_check") as cursor:
            assert (await cursor.fetchone())[0] == "ok"
        async with db.reader.execute("SELECT MAX(telegram_id), COUNT(*) FROM volunteers") as cursor:
            highest, count = await cursor.fetchone()
        assert highest >= committed and count == highest, "every acknowledged row survived"
        async with db.reader.execute(
            "SELECT COUNT(*) FROM volunteers v"
            " WHERE (SELECT COUNT(*) FROM memberships m WHERE m.volunteer_id = v.id) != 2"
        ) as cursor:
            assert (await cursor.fetchone())[0] == 0, "no volunteer without their memberships"
    finally:
        await db.close()
