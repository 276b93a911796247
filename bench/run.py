"""``make bench``: check PostgreSQL, seed it once, then run every benchmark in order.

Knobs (environment): BENCH_DURATION (s per measurement, default 10), BENCH_WARMUP (s, 3),
BENCH_CONNECTIONS (8), BENCH_LOADGEN (auto | wrk | python), BENCH_PG_HOST / _PORT / _USER,
BENCH_REDIS_URL (redis://127.0.0.1:6379/13: a database the gifting benchmarks own and empty),
BENCH_ONLY (comma-separated benchmark names, e.g. ``sendGift,referralClicks``; default all).
Results go to bench/results/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
from collections.abc import Callable
from typing import Any

from bench import (
    advocates_query,
    fulfilment_throughput,
    gift_page,
    lapse_detection,
    referral_clicks,
    refusals,
    send_gift,
    stats_query,
)
from bench.config import BenchConfig, BenchError
from bench.context import BenchContext
from bench.loadgen import choose_load_generator
from bench.seed import check_postgres, seed_database

Benchmark = Callable[[BenchContext], dict[str, Any]]

BENCHMARKS: list[tuple[str, Benchmark]] = [
    (advocates_query.NAME, advocates_query.run),
    (send_gift.NAME, send_gift.run),
    (fulfilment_throughput.NAME, fulfilment_throughput.run),
    (referral_clicks.NAME, referral_clicks.run),
    (lapse_detection.NAME, lapse_detection.run),
    (stats_query.NAME, stats_query.run),
    (gift_page.NAME, gift_page.run),
    (refusals.NAME, refusals.run),
]
"""Run in this order against one seeded database. Add new benchmarks here."""


def _machine_info(postgres_version: str, loadgen: str) -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "postgresql": postgres_version,
        "loadgen": loadgen,
    }


def _selected(only: tuple[str, ...]) -> list[tuple[str, Benchmark]]:
    names = [name for name, _ in BENCHMARKS]
    unknown = [name for name in only if name not in names]
    if unknown:
        raise BenchError(f"BENCH_ONLY names unknown benchmarks {unknown}; known: {names}")
    return [(name, benchmark) for name, benchmark in BENCHMARKS if not only or name in only]


def main() -> int:
    try:
        config = BenchConfig.from_env()
        selected = _selected(config.only)
        postgres_version = asyncio.run(check_postgres(config))
        loadgen = choose_load_generator(config.loadgen)
        machine = _machine_info(postgres_version, loadgen.describe())
        print(
            f"bench: {machine['nproc']} CPUs, Python {machine['python']}, PostgreSQL "
            f"{postgres_version}, load generator: {machine['loadgen']}, "
            f"{config.connections} connections, {config.warmup:g}s warm-up + "
            f"{config.duration:g}s per measurement"
        )
        seeded = seed_database(config)
        print(
            f"bench: seeded {seeded.advocates} advocates, {seeded.accounts} accounts, "
            f"{seeded.milestones} milestones in {seeded.seconds:.1f}s"
        )
        context = BenchContext(config=config, seeded=seeded, loadgen=loadgen, machine=machine)
        for name, benchmark in selected:
            print(f"\n=== {name} ===")
            benchmark(context)
    except BenchError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
