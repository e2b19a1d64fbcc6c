"""`volunteer-bot` as a real process: start-up checks, serving over HTTP, SIGTERM, log hygiene."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from pathlib import Path

from tests.e2e.helpers import (
    EXAMPLE_CONFIG,
    TOKEN,
    bot_env,
    cli_env,
    run_cli,
    says,
    start_cli,
)
from tests.fake_bot_api import FakeBotApi, FakeUser


async def test_without_a_token_it_explains_botfather_and_exits_2(tmp_path: Path) -> None:
    code, _, err = await run_cli("run", env=cli_env(), cwd=tmp_path)
    assert code == 2
    assert "@BotFather" in err and "VOLUNTEER_BOT_TOKEN" in err


async def test_a_bad_config_value_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[org]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    code, _, err = await run_cli("run", "--config", str(config), cwd=tmp_path)
    assert code == 2 and "'org.timezone'" in err and "Mars/Olympus" in err


async def test_migrate_applies_pending_migrations_once(tmp_path: Path) -> None:
    env = cli_env(VOLUNTEER_BOT__STORAGE__PATH=str(tmp_path / "db" / "bot.sqlite3"))
    code, out, _ = await run_cli("migrate", env=env, cwd=tmp_path)
    assert code == 0 and "001-init.sql" in out
    code, out, _ = await run_cli("migrate", env=env, cwd=tmp_path)
    assert code == 0 and "none pending" in out


async def test_the_bot_serves_over_http_and_exits_on_sigterm_without_logging_the_token(
    tmp_path: Path,
) -> None:
    async with FakeBotApi(token=TOKEN) as api:
        env = bot_env(api, tmp_path / "bot.sqlite3", VOLUNTEER_BOT__LOGGING__LEVEL="DEBUG")
        process = await start_cli("run", "--config", str(EXAMPLE_CONFIG), env=env, cwd=tmp_path)
        try:
            await api.wait_for_method("getUpdates", timeout=30)
            user = FakeUser(id=31, first_name="Wu", language_code="en")
            api.send_text(user, "/start")
            welcome = await api.next_message(user.id, timeout=15)
            assert says(welcome.text, "start.guest")
            api.send_contact(user, "13812345678")
            await api.next_message(user.id, timeout=15)
            api.inject("sendMessage", "network")
            api.send_text(user, "/help")
            await api.wait_for(lambda c: c.fault == "network", timeout=15)
            asked_at = time.monotonic()
            process.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(process.communicate(), timeout=10)
            assert time.monotonic() - asked_at < 10
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0
    logs = out.decode() + err.decode()
    assert "ready" in logs and "DEBUG" in logs
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs
    assert "13812345678" not in logs, "no phone number in the logs, even at DEBUG"


async def test_a_rejected_token_is_reported_without_printing_it(tmp_path: Path) -> None:
    async with FakeBotApi(token="1:other") as api:
        env = bot_env(api, tmp_path / "bot.sqlite3")
        code, out, err = await run_cli("run", env=env, cwd=tmp_path)
    assert code == 2 and "rejected the bot token" in err
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err


async def test_a_database_newer_than_the_code_stops_start_up_promptly(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    env = cli_env(VOLUNTEER_BOT__STORAGE__PATH=str(path))
    assert (await run_cli("migrate", env=env, cwd=tmp_path))[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    async with FakeBotApi(token=TOKEN) as api:
        started = time.monotonic()
        code, _, err = await run_cli("run", env=bot_env(api, path), cwd=tmp_path)
    assert code == 2 and "upgrade the bot" in err
    assert time.monotonic() - started < 20, "the process exits instead of hanging"
