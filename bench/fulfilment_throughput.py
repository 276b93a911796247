"""Benchmark: how fast one Dramatiq worker process fulfils redeemed gifts, against no-op jobs.

5,000 REDEEMED sends are written straight into the bench database (INSERT … SELECT: a sandbox
gift card each, a RESERVE ledger entry each, the program's ``budget_reserved`` to match). One
worker, ``dramatiq advocacy.worker_entry bench.noop_actor -p 1 -t WORKER_THREADS``, runs with
production settings, sandbox delay 0 and a Redis database of its own. Then:

1. fulfil: enqueue 5,000 ``gifting.fulfil`` messages and time from the first enqueue until all
   5,000 sends are FULFILLED and every message is acked;
2. baseline: the same worker drains 5,000 ``bench.noop`` messages (one Redis INCR each), timed
   from the first enqueue until the counter reaches 5,000 and every message is acked.

Afterwards every send must be FULFILLED exactly once and the program's ledger balance (spend ==
the sum of the amounts, nothing left reserved), or the benchmark fails. Alongside the rates it
reports what each message cost: CPU of the worker and of its PostgreSQL backends (when
PostgreSQL runs on this machine), PostgreSQL transactions and rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
import redis
from dramatiq.brokers.redis import RedisBroker

from bench.config import (
    BENCH_DATABASE,
    NOOP_ACTOR,
    NOOP_COUNTER_KEY,
    NOOP_FIRST_KEY,
    NOOP_QUEUE,
    RESULTS_DIR,
    ROOT,
    VENV_BIN,
    BenchConfig,
    BenchError,
)
from bench.context import BenchContext
from bench.drain import Drain, Watch, drain, enqueue, probe, wait_until
from bench.fulfilment_seed import Seeded, seed_redeemed_sends
from bench.gifting_data import ITEM_PRICE, Ledger, read_ledger
from bench.redis_db import emptied
from bench.servers import log_problems, production_env, running_process

NAME = "fulfilment"
MESSAGES = 5_000
WORKER_THREADS = 4
"""Per process, as ``advocacy worker`` runs by default."""
WARMUP_MESSAGES = 20
START_TIMEOUT = 60.0
FULFIL_ACTOR, FULFIL_QUEUE = "gifting.fulfil", "fulfilment"
WORKER_LOG = RESULTS_DIR / "fulfilment-worker.log"
RESULT_FILE = RESULTS_DIR / "fulfilment.json"
TABLES = ("gift_send", "gift_event", "budget_entry", "program", "shipping_details")

BASELINE_NOTE = (
    f"baseline = the same worker process draining {MESSAGES} messages of a no-op actor "
    "(bench/noop_actor.py: same broker, middleware and actor wrapper; its work: one Redis INCR)"
)


# --- measuring ------------------------------------------------------------------------------


async def _db_counters(config: BenchConfig) -> dict[str, int]:
    """The bench database's cumulative transaction and row counters."""
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        database = await connection.fetchrow(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1",
            BENCH_DATABASE,
        )
        tables = await connection.fetch(
            "SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_user_tables "
            "WHERE relname = ANY($1::text[])",
            list(TABLES),
        )
    finally:
        await connection.close()
    counters = {"transactions": database["xact_commit"] + database["xact_rollback"]}
    for row in tables:
        counters[f"{row['relname']} inserted"] = row["n_tup_ins"]
        counters[f"{row['relname']} updated"] = row["n_tup_upd"]
    return counters


FIRST_FULFILLED = """
SELECT extract(epoch FROM min(fulfilled_at))::float8 FROM gift_send WHERE program_id = $1
"""
NONE_WAITING = """
SELECT NOT EXISTS (
    SELECT 1 FROM gift_send WHERE program_id = $1 AND status IN ('REDEEMED', 'FULFILLING')
)
"""


async def _drain_fulfil(
    config: BenchConfig,
    worker: subprocess.Popen[bytes],
    broker: RedisBroker,
    client: redis.Redis,
    seeded: Seeded,
) -> tuple[Drain, int]:
    kwargs = [{"send_id": send_id} for send_id in seeded.send_ids]
    async with probe(config) as db:
        watch = Watch(
            queue=FULFIL_QUEUE,
            messages=MESSAGES,
            enqueue=lambda: enqueue(broker, FULFIL_ACTOR, FULFIL_QUEUE, kwargs),
            done=lambda: db.holds(NONE_WAITING, seeded.program_id),
            first_done_at=lambda: db.value(FIRST_FULFILLED, seeded.program_id),
            postgres_pids=db.backends,
            poll_s=0.05,
        )
        return await drain(worker, client, watch, f"log {WORKER_LOG}"), db.statements


async def _drain_noop(
    config: BenchConfig, worker: subprocess.Popen[bytes], broker: RedisBroker, client: redis.Redis
) -> tuple[Drain, int]:
    client.delete(NOOP_COUNTER_KEY, NOOP_FIRST_KEY)

    async def all_counted() -> bool:
        return int(client.get(NOOP_COUNTER_KEY) or 0) >= MESSAGES

    async def first_counted_at() -> float | None:
        first = client.get(NOOP_FIRST_KEY)
        return None if first is None else float(first)

    kwargs = [{"n": n} for n in range(MESSAGES)]
    async with probe(config) as db:
        watch = Watch(
            queue=NOOP_QUEUE,
            messages=MESSAGES,
            enqueue=lambda: enqueue(broker, NOOP_ACTOR, NOOP_QUEUE, kwargs),
            done=all_counted,
            first_done_at=first_counted_at,
            postgres_pids=db.backends,
            poll_s=0.01,
        )
        return await drain(worker, client, watch, f"log {WORKER_LOG}"), db.statements


async def _await_worker(
    worker: subprocess.Popen[bytes], broker: RedisBroker, client: redis.Redis
) -> float:
    """Start-up: until the worker has run ``WARMUP_MESSAGES`` no-op messages."""
    started = time.perf_counter()
    client.delete(NOOP_COUNTER_KEY)
    enqueue(broker, NOOP_ACTOR, NOOP_QUEUE, [{"n": n} for n in range(WARMUP_MESSAGES)])

    async def warm() -> bool:
        return int(client.get(NOOP_COUNTER_KEY) or 0) >= WARMUP_MESSAGES

    what = f"waiting for the worker to start (log {WORKER_LOG})"
    ready = await wait_until(warm, worker, what, START_TIMEOUT, 0.05)
    return ready - started


def _worker_argv() -> list[str]:
    modules = ["advocacy.worker_entry", "bench.noop_actor"]
    return [
        str(VENV_BIN / "dramatiq"),
        *modules,
        "--processes",
        "1",
        "--threads",
        str(WORKER_THREADS),
    ]


def _worker_env(config: BenchConfig) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return production_env(
        config,
        {
            "ADVOCACY_REDIS_URL": config.redis_url,
            "ADVOCACY_SANDBOX_DELAY_MS": "0",
            "ADVOCACY_SANDBOX_FAILURE_RATE": "0",
            "PYTHONPATH": path,
        },
    )


@dataclass(frozen=True)
class Measured:
    start_s: float
    fulfil: Drain
    noop: Drain
    db: dict[str, int]
    """What the fulfil drain cost PostgreSQL, the benchmark's own polls left out."""


def _measure(config: BenchConfig, seeded: Seeded, client: redis.Redis) -> Measured:
    broker = RedisBroker(url=config.redis_url)
    try:
        before = asyncio.run(_db_counters(config))
        with running_process(
            _worker_argv(), env=_worker_env(config), log_path=WORKER_LOG
        ) as worker:
            start_s = asyncio.run(_await_worker(worker, broker, client))
            print(f"  worker ready in {start_s:.1f}s; fulfilling {MESSAGES} sends ...", flush=True)
            fulfil, fulfil_polls = asyncio.run(
                _drain_fulfil(config, worker, broker, client, seeded)
            )
            print(f"  draining {MESSAGES} no-op messages ...", flush=True)
            noop, noop_polls = asyncio.run(_drain_noop(config, worker, broker, client))
        # The worker has exited, so its connections' statistics have reached pg_stat_*.
        after = asyncio.run(_db_counters(config))
    finally:
        broker.close()
    db = {name: after[name] - before.get(name, 0) for name in after}
    # Leave out our own statements: the polls, and the "before" snapshot's two.
    db["transactions"] -= fulfil_polls + noop_polls + 2
    return Measured(start_s, fulfil, noop, db)


# --- checking and reporting -----------------------------------------------------------------


async def _verify(config: BenchConfig, seeded: Seeded) -> tuple[Ledger, list[str], int]:
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        ledger = await read_ledger(connection, seeded.program_id)
        retried: int = await connection.fetchval(
            "SELECT count(*) FROM gift_send WHERE program_id = $1 AND fulfil_attempts <> 1",
            seeded.program_id,
        )
    finally:
        await connection.close()
    problems = ledger.problems()
    amount = MESSAGES * ITEM_PRICE
    if ledger.send_count("FULFILLED") != MESSAGES:
        problems.append(f"{ledger.send_count('FULFILLED')} of {MESSAGES} FULFILLED: {ledger.sends}")
    if (ledger.entry_count("SPEND"), ledger.entry_sum("SPEND")) != (MESSAGES, amount):
        problems.append(f"SPEND entries {ledger.entries.get('SPEND')} != ({MESSAGES}, {amount})")
    if (ledger.budget_spent, ledger.budget_reserved) != (amount, 0):
        problems.append(f"spent {ledger.budget_spent}, reserved {ledger.budget_reserved}")
    if ledger.events.get("FULFILLED", 0) != MESSAGES:
        problems.append(f"{ledger.events.get('FULFILLED', 0)} FULFILLED events for {MESSAGES}")
    return ledger, problems, retried


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _print_report(measured: Measured, ledger: Ledger, retried: int, problems: list[str]) -> None:
    fulfil, noop = measured.fulfil, measured.noop
    print()
    print(
        f"{'scenario':<24}{'msgs/s':>8}{'total s':>9}{'1st done s':>12}{'enqueue s':>11}"
        f"{'worker CPU':>12}{'worker busy':>13}{'PG CPU':>9}"
    )
    print(f"{'':<64}{'ms/msg':>12}{'% of a core':>13}{'ms/msg':>9}")
    for name, one in (("gifting.fulfil", fulfil), ("bench.noop (baseline)", noop)):
        print(
            f"{name:<24}{one.rate:>8.1f}{one.seconds:>9.2f}{_seconds(one.first_done_s):>12}"
            f"{one.enqueue_s:>11.2f}{one.per_message_ms(one.worker_cpu_s):>12}"
            f"{one.worker_cpu_s / one.seconds:>13.0%}{one.per_message_ms(one.postgres_cpu_s):>9}"
        )
    ratio = fulfil.rate / noop.rate
    print(f"ratio fulfil/no-op: {ratio:.3f} ({ratio:.1%})")
    per_message = ", ".join(
        f"{name} {count / MESSAGES:.2f}" for name, count in measured.db.items() if count
    )
    print(f"PostgreSQL per fulfilled message: {per_message}")
    print(BASELINE_NOTE)
    print(
        f"worker: 1 process x {WORKER_THREADS} threads, ready in {measured.start_s:.1f}s; "
        f"log {WORKER_LOG}: {log_problems(WORKER_LOG)}"
    )
    verdict = "BALANCED" if not problems else "BROKEN: " + "; ".join(problems)
    print(
        f"ledger (program {ledger.program_id}): {ledger.send_count('FULFILLED')}/{MESSAGES} "
        f"FULFILLED, {retried} with more than one attempt; {ledger.summary()}: {verdict}"
    )


def run(ctx: BenchContext) -> dict[str, Any]:
    """Seed, run one worker through both drains, verify the ledger, print, write JSON."""
    config = ctx.config
    client = emptied(config.redis_url)
    seeded = asyncio.run(seed_redeemed_sends(config, ctx.seeded.organization_id, MESSAGES))
    print(f"[{NAME}] seeded {MESSAGES} REDEEMED sends in {seeded.seconds:.1f}s; log {WORKER_LOG}")
    measured = _measure(config, seeded, client)
    client.flushdb()
    ledger, problems, retried = asyncio.run(_verify(config, seeded))
    _print_report(measured, ledger, retried, problems)
    report: dict[str, Any] = {
        "benchmark": NAME,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": ctx.machine,
        "settings": {
            "messages": MESSAGES,
            "worker_processes": 1,
            "worker_threads": WORKER_THREADS,
            "sandbox_delay_ms": 0,
            "item_price": ITEM_PRICE,
        },
        "baseline_note": BASELINE_NOTE,
        "worker_start_s": measured.start_s,
        "fulfil": measured.fulfil.as_dict(),
        "noop": measured.noop.as_dict(),
        "ratio_fulfil_over_noop": measured.fulfil.rate / measured.noop.rate,
        "postgres_per_message": {name: n / MESSAGES for name, n in measured.db.items()},
        "ledger": ledger.as_dict(),
        "sends_with_more_than_one_attempt": retried,
        "problems": problems,
        "worker_log": {"path": str(WORKER_LOG), "problems": log_problems(WORKER_LOG)},
    }
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"[{NAME}] results written to {RESULT_FILE}")
    if problems:
        raise BenchError(f"{NAME}: {'; '.join(problems)}")
    return report
