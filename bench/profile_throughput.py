"""Updates/s of /profile through the real Application, against a bare echo bot, same run.

Prints {"profile_updates_per_s": .., "echo_updates_per_s": .., "ratio": ..}. Goal: ratio >= 0.5.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from bench.common import echo_bot, median, updates_per_second
from telegram_adapter.app import build_application, running
from tests.conftest import make_config
from tests.fake_bot_api import FakeBotApi, FakeUser

PEOPLE = 500
PER_PERSON = 4
ROUNDS = 3


async def main() -> dict[str, float | int]:
    users = [FakeUser(id=10_000 + i, first_name=f"V{i}", language_code="zh") for i in range(PEOPLE)]
    profile_rates: list[float] = []
    echo_rates: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotApi() as api:
            # Telegram's sending limits are lifted here: this measures how fast updates are
            # handled, against an echo bot that has no limiter (the limits have their own
            # benchmark, bench/broadcast.py).
            config = make_config(
                Path(folder),
                telegram={"token": api.token, "base_url": api.base_url},
                sending={
                    "global_per_second": 1000,
                    "private_per_second": 100,
                    "private_burst": 100,
                },
            )
            app = build_application(config)
            async with running(app):
                registration = app.bot_data.runtime.services.registration
                for i, user in enumerate(users):
                    await registration.register(
                        user.id, "张三", f"139{i:08d}", ["traffic"], consent=True
                    )
            for _ in range(ROUNDS):
                async with echo_bot(api):
                    messages = [(u, f"hello {n}") for n in range(PER_PERSON) for u in users]
                    echo_rates.append(await updates_per_second(api, messages))
                async with running(build_application(config)):
                    messages = [(u, "/profile") for _ in range(PER_PERSON) for u in users]
                    profile_rates.append(await updates_per_second(api, messages))
    profile, echo = median(profile_rates), median(echo_rates)
    return {
        "updates": PEOPLE * PER_PERSON,
        "rounds": ROUNDS,
        "profile_updates_per_s": profile,
        "echo_updates_per_s": echo,
        "ratio": round(profile / echo, 2),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
