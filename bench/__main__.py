"""`make bench`: run every benchmark and print one JSON object per benchmark."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from bench import (
    activities,
    broadcast,
    certificate,
    households,
    profile_throughput,
    reports,
    wechat,
    wishes,
)

BENCHMARKS: dict[str, Callable[[], Coroutine[Any, Any, Mapping[str, object]]]] = {
    "profile_throughput": profile_throughput.main,
    "broadcast": broadcast.main,
    "activities": activities.main,
    "certificate": certificate.main,
    "reports": reports.main,
    "households": households.main,
    "wishes": wishes.main,
    "wechat": wechat.main,
}


def main() -> None:
    for name, benchmark in BENCHMARKS.items():
        print(json.dumps({"benchmark": name, **asyncio.run(benchmark())}), flush=True)


if __name__ == "__main__":
    main()
