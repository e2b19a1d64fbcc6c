"""`volunteer-bot` as a real process: start-up checks, serving over HTTP, SIGTERM, log hygiene."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.fake_bot_api import FakeBotApi, FakeUser

CLI = str(Path(sys.executable).parent / "volunteer-bot")
EXAMPLE_CONFIG = Path(__file__).resolve().parents[2] / "config.example.toml"
TOKEN = "7712345678:AAHk2v0-Realistic_Secret_Token_12345"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOLUNTEER_BOT")}
    return env | extra


async def _run(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        CLI, *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_without_a_token_it_explains_botfather_and_exits_2(tmp_path: Path) -> None:
    code, _, err = await _run("run", env=_env(), cwd=tmp_path)
    assert code == 2
    assert "@BotFather" in err and "VOLUNTEER_BOT_TOKEN" in err


async def test_a_bad_config_value_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[org]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    code, _, err = await _run("run", "--config", str(config), env=_env(), cwd=tmp_path)
    assert code == 2 and "'org.timezone'" in err and "Mars/Olympus" in err


async def test_migrate_applies_pending_migrations_once(tmp_path: Path) -> None:
    env = _env(VOLUNTEER_BOT__STORAGE__PATH=str(tmp_path / "db" / "bot.sqlite3"))
    code, out, _ = await _run("migrate", env=env, cwd=tmp_path)
    assert code == 0 and "001-init.sql" in out
    code, out, _ = await _run("migrate", env=env, cwd=tmp_path)
    assert code == 0 and "none pending" in out


async def test_the_bot_serves_over_http_and_exits_on_sigterm_without_logging_the_token(
    tmp_path: Path,
) -> None:
    async with FakeBotApi(token=TOKEN) as api:
        env = _env(
            VOLUNTEER_BOT_TOKEN=TOKEN,
            VOLUNTEER_BOT__TELEGRAM__BASE_URL=api.base_url,
            VOLUNTEER_BOT__TELEGRAM__BASE_FILE_URL=api.base_file_url,
            VOLUNTEER_BOT__TELEGRAM__POLL_TIMEOUT="1",
            VOLUNTEER_BOT__STORAGE__PATH=str(tmp_path / "bot.sqlite3"),
            VOLUNTEER_BOT__LOGGING__LEVEL="DEBUG",
        )
        process = await asyncio.create_subprocess_exec(
            CLI,
            "run",
            "--config",
            str(EXAMPLE_CONFIG),
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await api.wait_for_method("getUpdates", timeout=30)
            user = FakeUser(id=31, first_name="Wu", language_code="en")
            api.send_text(user, "/start")
            welcome = await api.next_message(user.id, timeout=15)
            assert "Welcome to the volunteer service" in (welcome.text or "")
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
        env = _env(
            VOLUNTEER_BOT_TOKEN=TOKEN,
            VOLUNTEER_BOT__TELEGRAM__BASE_URL=api.base_url,
            VOLUNTEER_BOT__STORAGE__PATH=str(tmp_path / "bot.sqlite3"),
        )
        code, out, err = await _run("run", env=env, cwd=tmp_path)
    assert code == 2 and "rejected the bot token" in err
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err


async def test_a_database_newer_than_the_code_stops_start_up_promptly(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "bot.sqlite3"
    env = _env(VOLUNTEER_BOT__STORAGE__PATH=str(path))
    assert (await _run("migrate", env=env, cwd=tmp_path))[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    async with FakeBotApi(token=TOKEN) as api:
        env |= {"VOLUNTEER_BOT_TOKEN": TOKEN, "VOLUNTEER_BOT__TELEGRAM__BASE_URL": api.base_url}
        started = time.monotonic()
        code, _, err = await _run("run", env=env, cwd=tmp_path)
    assert code == 2 and "upgrade the bot" in err
    assert time.monotonic() - started < 20, "the process exits instead of hanging"
