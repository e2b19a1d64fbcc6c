"""`make bench`: run every benchmark and print one JSON object per benchmark."""

from __future__ import annotations

import asyncio
import json

from bench import profile_throughput

BENCHMARKS = {"profile_throughput": profile_throughput.main}


def main() -> None:
    for name, benchmark in BENCHMARKS.items():
        print(json.dumps({"benchmark": name, **asyncio.run(benchmark())}), flush=True)


if __name__ == "__main__":
    main()
