"""Benchmark: ``sendGift`` from 32 concurrent clients on one program, API vs hand-written SQL.

Every send reserves budget with a conditional UPDATE of its program's row, so concurrent sends
to one program queue on that row's lock: this measures that hot path. The API (``advocacy
serve``, one uvicorn worker, production settings, the Redis broker for the offer-email job) is
called with the seeded organization's ADMIN token; the baseline (bench/send_baseline_app.py)
does the same writes in one transaction without GraphQL or authentication, once in the API's
statement order and once with the budget UPDATE last. Each request names the next advocate
(round-robin over those who can be sent a gift) and an item with unlimited stock.

One program per scenario: budgets that can't run out, and one (API) whose budget covers only
``BUDGET_RUN_SENDS`` gifts, so the rest of that run takes the BUDGET_EXCEEDED path. Afterwards
each program's ledger must balance and hold exactly the sends the clients saw succeed, and the
API must have queued one offer email per send, or the benchmark fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from bench.config import BENCH_DATABASE, RESULTS_DIR, BenchConfig, BenchError
from bench.context import BenchContext
from bench.gifting_data import (
    ITEM_PRICE,
    Ledger,
    giftable_advocates,
    insert_item,
    insert_program,
    read_ledger,
)
from bench.redis_db import emptied
from bench.seed import ORG_SLUG
from bench.send_load import MUTATION, ProgramLoad, account, send_request
from bench.servers import api_server, log_problems, uvicorn_server

NAME = "sendGift"
CLIENTS = 32
BUDGET_RUN_SENDS = 200
"""What the budget-runs-out program can afford."""
BUDGET_RUN_SECONDS = 5.0
UNLIMITED_BUDGET = 10**15
API_LOG = RESULTS_DIR / "send-gift-api.log"
BASELINE_LOG = RESULTS_DIR / "send-gift-baseline.log"
RESULT_FILE = RESULTS_DIR / "send_gift.json"
EMAIL_MESSAGES_KEY = "dramatiq:email.msgs"
"""Dramatiq's Redis hash of the messages waiting on the ``email`` queue."""

BASELINE_NOTE = (
    "baseline = Starlette + asyncpg pool (15, as the API's 10 + 5 overflow), one transaction "
    "of 4 statements: INSERT gift_send ... SELECT (program/item/advocate checks as conditions), "
    "conditional UPDATE of program.budget_reserved, INSERT budget_entry, INSERT gift_event "
    "(API's order), or the same with the UPDATE last; it does NOT authenticate, parse GraphQL "
    "or enqueue the offer email"
)


@dataclass(frozen=True)
class Scenario:
    name: str
    target: str
    """``graphql`` (the API) or ``baseline``."""
    path: str
    budget_total: int
    affordable: int | None = None
    """How many sends the budget affords, when it is meant to run out."""
    seconds: float | None = None
    """One run this long; None: warm-up, then the measured duration."""


API_SEND = Scenario("graphql sendGift", "graphql", "/graphql", UNLIMITED_BUDGET)
BUDGET_RUN = Scenario(
    f"graphql sendGift, budget for {BUDGET_RUN_SENDS}",
    "graphql",
    "/graphql",
    BUDGET_RUN_SENDS * ITEM_PRICE,
    affordable=BUDGET_RUN_SENDS,
    seconds=BUDGET_RUN_SECONDS,
)
BASELINE_SEND = Scenario("baseline sendGift (API's order)", "baseline", "/send", UNLIMITED_BUDGET)
BASELINE_LAST = Scenario(
    "baseline sendGift (UPDATE last)", "baseline", "/send/update-last", UNLIMITED_BUDGET
)
SCENARIOS = (API_SEND, BUDGET_RUN, BASELINE_SEND, BASELINE_LAST)


@dataclass(frozen=True)
class Setup:
    item_id: int
    programs: dict[str, int]
    """Scenario name → its program."""
    advocates: list[int]


async def _prepare(config: BenchConfig, organization_id: int) -> Setup:
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        async with connection.transaction():
            item_id = await insert_item(connection, organization_id, "sendGift bench card")
            programs = {
                scenario.name: await insert_program(
                    connection, organization_id, scenario.name, scenario.budget_total
                )
                for scenario in SCENARIOS
            }
        advocates = await giftable_advocates(connection, organization_id)
    finally:
        await connection.close()
    if not advocates:
        raise BenchError("no advocate can be sent a gift in the seeded organization")
    return Setup(item_id, programs, advocates)


@contextmanager
def _server(ctx: BenchContext, target: str) -> Iterator[str]:
    config = ctx.config
    if target == "graphql":
        with api_server(config, API_LOG, {"ADVOCACY_REDIS_URL": config.redis_url}) as url:
            yield url
        return
    env = {"BENCH_BASELINE_DSN": config.dsn(BENCH_DATABASE), "BENCH_BASELINE_ORG": ORG_SLUG}
    with uvicorn_server("baseline server", "bench.send_baseline_app:app", env, BASELINE_LOG) as url:
        yield url


def _measure(ctx: BenchContext, setup: Setup) -> dict[str, ProgramLoad]:
    """Each scenario against its program, the API's first, one server at a time."""
    loads: dict[str, ProgramLoad] = {}
    for target in ("graphql", "baseline"):
        with _server(ctx, target) as url:
            for scenario in (s for s in SCENARIOS if s.target == target):
                program = setup.programs[scenario.name]
                token = ctx.seeded.token_secret if target == "graphql" else None
                request = send_request(
                    url + scenario.path, token, setup.item_id, program, setup.advocates
                )
                load = loads[scenario.name] = ProgramLoad(scenario.name, program, request)
                print(f"  measuring {scenario.name}, {CLIENTS} clients ...", flush=True)
                if scenario.seconds is None:
                    load.preflight()
                    load.drive(ctx, ctx.config.warmup, CLIENTS)
                load.drive(ctx, scenario.seconds or ctx.config.duration, CLIENTS)
    return loads


async def _ledgers(config: BenchConfig, programs: list[int]) -> list[tuple[Ledger, int]]:
    """Each program's ledger, and how many different advocates its sends went to."""
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    distinct = "SELECT count(DISTINCT advocate_id) FROM gift_send WHERE program_id = $1"
    try:
        return [
            (await read_ledger(connection, program), await connection.fetchval(distinct, program))
            for program in programs
        ]
    finally:
        await connection.close()


def _check(
    config: BenchConfig, loads: dict[str, ProgramLoad], emails: int
) -> tuple[dict[str, Ledger], list[str]]:
    """Print each program's verdict; the ledgers and every problem found."""
    found = asyncio.run(_ledgers(config, [loads[s.name].program_id for s in SCENARIOS]))
    ledgers: dict[str, Ledger] = {}
    problems: list[str] = []
    for scenario, (ledger, advocates) in zip(SCENARIOS, found, strict=True):
        load = loads[scenario.name]
        wrong = account(load, ledger, scenario.affordable)
        ledgers[scenario.name] = ledger
        problems += [f"{scenario.name}: {problem}" for problem in wrong]
        verdict = "BALANCED" if not wrong else "BROKEN: " + "; ".join(wrong)
        print(
            f"ledger {scenario.name} (program {ledger.program_id}): "
            f"{ledger.send_count('OFFERED')} sends to {advocates} advocates, clients saw "
            f"{load.ok} succeed; {ledger.summary()}: {verdict}"
        )
    api_sends = sum(ledgers[s.name].send_count() for s in SCENARIOS if s.target == "graphql")
    print(f"offer-email jobs queued in Redis: {emails} for {api_sends} API sends")
    if emails != api_sends:
        problems.append(f"{emails} offer-email jobs were queued for {api_sends} API sends")
    return ledgers, problems


def _ratios(loads: dict[str, ProgramLoad]) -> dict[str, float]:
    api = loads[API_SEND.name].runs[-1].rps
    return {
        baseline.name: api / loads[baseline.name].runs[-1].rps
        for baseline in (BASELINE_SEND, BASELINE_LAST)
        if loads[baseline.name].runs[-1].rps
    }


def _print_table(loads: dict[str, ProgramLoad]) -> None:
    print()
    print(f"{'scenario':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'sent':>8}{'no budget':>11}")
    for scenario in SCENARIOS:
        result = loads[scenario.name].runs[-1]
        ok, exceeded = result.marked
        print(
            f"{scenario.name:<36}{result.rps:>9.1f}{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
            f"{ok:>8}{exceeded:>11}"
        )
        if result.errors or result.requests != ok + exceeded:
            other = result.requests - ok - exceeded
            print(f"  warning: {result.errors} HTTP/socket errors, {other} other answers")
    for name, ratio in _ratios(loads).items():
        print(f"ratio API/{name}: {ratio:.3f} ({ratio:.1%})")
    print(BASELINE_NOTE)


def _report(
    ctx: BenchContext,
    setup: Setup,
    loads: dict[str, ProgramLoad],
    ledgers: dict[str, Ledger],
    emails: int,
    problems: list[str],
) -> dict[str, Any]:
    config = ctx.config
    return {
        "benchmark": NAME,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": ctx.machine,
        "settings": {
            "duration_s": config.duration,
            "warmup_s": config.warmup,
            "clients": CLIENTS,
            "budget_run_s": BUDGET_RUN_SECONDS,
            "budget_run_sends": BUDGET_RUN_SENDS,
            "item_price": ITEM_PRICE,
            "advocates": len(setup.advocates),
            "server_workers": 1,
        },
        "mutation": MUTATION.strip(),
        "baseline_note": BASELINE_NOTE,
        "scenarios": [
            {"name": s.name, "target": s.target} | loads[s.name].runs[-1].as_dict()
            for s in SCENARIOS
        ],
        "ratio_api_over_baseline": _ratios(loads),
        "programs": [
            loads[s.name].as_dict() | {"ledger": ledgers[s.name].as_dict()} for s in SCENARIOS
        ],
        "offer_email_jobs": emails,
        "problems": problems,
        "logs": {"api": log_problems(API_LOG), "baseline": log_problems(BASELINE_LOG)},
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    """Set up, drive the API then the baseline, check every ledger, print, write JSON."""
    config = ctx.config
    queue = emptied(config.redis_url)
    setup = asyncio.run(_prepare(config, ctx.seeded.organization_id))
    print(
        f"[{NAME}] {CLIENTS} clients, item price {ITEM_PRICE}, {len(setup.advocates)} advocates "
        f"round-robin; logs {API_LOG}, {BASELINE_LOG}"
    )
    loads = _measure(ctx, setup)
    _print_table(loads)
    emails = int(queue.hlen(EMAIL_MESSAGES_KEY))
    queue.flushdb()
    ledgers, problems = _check(config, loads, emails)
    print(f"API server log {API_LOG}: {log_problems(API_LOG)}")
    print(f"baseline server log {BASELINE_LOG}: {log_problems(BASELINE_LOG)}")
    report = _report(ctx, setup, loads, ledgers, emails, problems)
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"[{NAME}] results written to {RESULT_FILE}")
    if problems:
        raise BenchError(f"{NAME}: the books don't balance: {'; '.join(problems)}")
    for name, load in loads.items():
        if load.runs[-1].rps == 0:
            raise BenchError(f"{NAME} {name}: no successful request")
    return report
