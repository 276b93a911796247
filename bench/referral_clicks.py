"""Benchmark: referral-link clicks, ``GET /r/{code}``, API vs a redirect that does nothing else.

The seeded organization gets a ``referral_settings`` row (landing URL ``LANDING_URL``, 30
minutes of click de-duplication). The API (``advocacy serve``, one uvicorn worker, production
settings, the Redis broker) and then the baseline (bench/referral_baseline_app.py: a 302 to
the landing URL with ``ref=<code>``, no database) are driven with GETs cycling through all
10,000 seeded codes, each from a browser User-Agent never seen with that code before
(bench/referral_load.py), so every click on a live code is recorded, none de-duplicated.

Checks: a few codes sampled by hand on each server must answer 302 to the right Location (the
landing URL with ``ref=<code>``; an opted-out advocate's code: the landing URL alone, on the
API), and the API's ``referral_click`` rows must have grown by the live-code requests it
answered (give or take those in flight when a run stopped), or the benchmark fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import httpx
import orjson

from advocacy.referrals.clicks import is_bot
from bench.config import BENCH_DATABASE, RESULTS_DIR, BenchConfig, BenchError
from bench.context import BenchContext
from bench.redis_db import emptied
from bench.referral_load import VISITORS, ClickLoad, browser_user_agent, click_request
from bench.servers import api_server, log_problems, uvicorn_server

NAME = "referralClicks"
LANDING_URL = "https://example.com/welcome"
DEDUP_MINUTES = 30
SAMPLES = 6
"""Codes checked by hand on each server before its load."""
API_LOG = RESULTS_DIR / "referral-clicks-api.log"
BASELINE_LOG = RESULTS_DIR / "referral-clicks-baseline.log"
RESULT_FILE = RESULTS_DIR / "referral_clicks.json"

BASELINE_NOTE = (
    "baseline = Starlette, one route answering 302 to the landing URL with ref=<code>; it does "
    "NOT touch the database (no code lookup, advocate status, bot check, visitor hash, "
    "de-duplication or click INSERT) and sets no cookie"
)


@dataclass(frozen=True)
class Setup:
    codes: list[str]
    """Every seeded advocate's referral code, by advocate id."""
    live: list[bool]
    """Per code: does a click count (the advocate hasn't opted out)?"""


async def _prepare(config: BenchConfig, organization_id: int, program_id: int) -> Setup:
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        await connection.execute(
            """INSERT INTO referral_settings (organization_id, program_id, landing_url,
                   fallback_url, click_to_signup_days, signup_to_conversion_days,
                   click_dedup_minutes, flagged_action, same_domain_is_self_referral,
                   min_conversion_value, max_signups_per_visitor_per_day, reward_delay_days,
                   updated_at)
               VALUES ($1, $2, $3, NULL, 30, 90, $4, 'HOLD', false, 0, 3, 0, now())
               ON CONFLICT (organization_id) DO UPDATE SET program_id = $2, landing_url = $3,
                   fallback_url = NULL, click_dedup_minutes = $4, updated_at = now()""",
            organization_id,
            program_id,
            LANDING_URL,
            DEDUP_MINUTES,
        )
        rows = await connection.fetch(
            "SELECT referral_code, status FROM advocate WHERE organization_id = $1 ORDER BY id",
            organization_id,
        )
    finally:
        await connection.close()
    if not rows:
        raise BenchError("the seeded organization has no advocates")
    return Setup(
        codes=[row["referral_code"] for row in rows],
        live=[row["status"] != "OPTED_OUT" for row in rows],
    )


@dataclass(frozen=True)
class Clicks:
    """``referral_click`` rows added since a point: how many, for how many codes and visitors."""

    rows: int = 0
    codes: int = 0
    visitors: int = 0


async def _last_click_id(config: BenchConfig) -> int:
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        return int(await connection.fetchval("SELECT coalesce(max(id), 0) FROM referral_click"))
    finally:
        await connection.close()


async def _clicks_after(config: BenchConfig, last_id: int) -> Clicks:
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        row = await connection.fetchrow(
            """SELECT count(*), count(DISTINCT code), count(DISTINCT visitor_hash)
               FROM referral_click WHERE id > $1""",
            last_id,
        )
    finally:
        await connection.close()
    return Clicks(*row)


def _expected_location(code: str, live: bool, target: str) -> str:
    """Where ``target`` should send a click on ``code``."""
    return LANDING_URL if target == "api" and not live else f"{LANDING_URL}?ref={code}"


def _sample(base_url: str, setup: Setup, target: str) -> list[str]:
    """Click a few codes by hand (opted-out ones among them); what came back wrong."""
    live = [i for i, ok in enumerate(setup.live) if ok]
    dead = [i for i, ok in enumerate(setup.live) if not ok]
    picks = live[:: max(1, len(live) // (SAMPLES - 2))][: SAMPLES - 2] + dead[:2]
    headers = {"User-Agent": browser_user_agent(VISITORS)}  # a visitor the load never uses
    problems: list[str] = []
    with httpx.Client(timeout=30, follow_redirects=False, headers=headers) as client:
        for index in picks:
            code = setup.codes[index]
            response = client.get(f"{base_url}/r/{code}")
            want = _expected_location(code, setup.live[index], target)
            got = response.headers.get("location")
            if response.status_code != 302 or got != want:
                problems.append(f"/r/{code}: HTTP {response.status_code} to {got!r}, want {want!r}")
    return problems


def _server(ctx: BenchContext, target: str) -> AbstractContextManager[str]:
    config = ctx.config
    if target == "api":
        return api_server(config, API_LOG, {"ADVOCACY_REDIS_URL": config.redis_url})
    env = {"BENCH_BASELINE_LANDING_URL": LANDING_URL}
    app = "bench.referral_baseline_app:app"
    return uvicorn_server("baseline server", app, env, BASELINE_LOG)


@dataclass(frozen=True)
class Measured:
    load: ClickLoad
    sample_problems: list[str]
    clicks: Clicks
    """The ``referral_click`` rows the load (warm-up included, samples not) added."""


def _measure(ctx: BenchContext, setup: Setup, target: str) -> Measured:
    """Sample a few codes, then warm up and measure one server."""
    with _server(ctx, target) as url:
        problems = [f"{target} {problem}" for problem in _sample(url, setup, target)]
        last_id = asyncio.run(_last_click_id(ctx.config))
        load = ClickLoad(target, click_request(url, setup.codes), setup.live)
        print(f"  measuring {target} GET /r/{{code}} ...", flush=True)
        load.drive(ctx, ctx.config.warmup)
        load.drive(ctx, ctx.config.duration)
    # Counted once the server has stopped, so the requests it still had in hand are in.
    return Measured(load, problems, asyncio.run(_clicks_after(ctx.config, last_id)))


def _check_clicks(measured: dict[str, Measured]) -> list[str]:
    """Print and return what doesn't add up between the requests and the recorded clicks."""
    api, baseline = measured["api"], measured["baseline"]
    low, high = api.load.expected_clicks()
    clicks = api.clicks
    ok = low <= clicks.rows <= high
    print(
        f"referral_click rows: +{clicks.rows} ({clicks.codes} codes, {clicks.visitors} visitors) "
        f"for {api.load.requests} API answers (+ at most {api.load.uncounted} in flight), "
        f"{api.load.live_requests} of them to live codes; expected {low}..{high}: "
        f"{'OK' if ok else 'WRONG'}"
    )
    problems = [] if ok else [f"referral_click grew by {clicks.rows}, expected {low}..{high}"]
    if baseline.clicks.rows:
        problems.append(f"referral_click grew by {baseline.clicks.rows} under the baseline's load")
    return problems


def _ratio(api: ClickLoad, baseline: ClickLoad) -> float | None:
    base = baseline.runs[-1].rps
    return api.runs[-1].rps / base if base else None


def _print_table(loads: dict[str, ClickLoad]) -> None:
    print()
    print(f"{'scenario':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for target, load in loads.items():
        result = load.runs[-1]
        name = f"{target} GET /r/{{code}}"
        print(
            f"{name:<28}{result.rps:>10.1f}{result.p50_ms:>10.2f}"
            f"{result.p99_ms:>10.2f}{result.errors:>8}"
        )
    ratio = _ratio(loads["api"], loads["baseline"])
    if ratio is not None:
        print(f"ratio API/baseline: {ratio:.3f} ({ratio:.1%})")
    print(BASELINE_NOTE)


def _report(
    ctx: BenchContext, setup: Setup, measured: dict[str, Measured], problems: list[str]
) -> dict[str, Any]:
    config = ctx.config
    loads = {target: m.load for target, m in measured.items()}
    return {
        "benchmark": NAME,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": ctx.machine,
        "settings": {
            "duration_s": config.duration,
            "warmup_s": config.warmup,
            "connections": config.connections,
            "server_workers": 1,
            "codes": len(setup.codes),
            "live_codes": sum(setup.live),
            "visitors": VISITORS,
            "landing_url": LANDING_URL,
            "click_dedup_minutes": DEDUP_MINUTES,
        },
        "user_agent_example": browser_user_agent(0),
        "baseline_note": BASELINE_NOTE,
        "scenarios": [
            {"name": f"{target} GET /r/{{code}}", "target": target} | load.runs[-1].as_dict()
            for target, load in loads.items()
        ],
        "ratio_api_over_baseline": _ratio(loads["api"], loads["baseline"]),
        "loads": [load.as_dict() for load in loads.values()],
        "clicks_recorded": {target: asdict(m.clicks) for target, m in measured.items()},
        "problems": problems,
        "logs": {"api": log_problems(API_LOG), "baseline": log_problems(BASELINE_LOG)},
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    """Set up, drive the API then the baseline, check clicks and redirects, print, write JSON."""
    config = ctx.config
    emptied(config.redis_url)
    seeded = ctx.seeded
    setup = asyncio.run(_prepare(config, seeded.organization_id, seeded.program_id))
    if any(is_bot(browser_user_agent(visitor)) for visitor in range(VISITORS + 1)):
        raise BenchError(f"{NAME}: the endpoint takes the benchmark's User-Agents for bots")
    print(
        f"[{NAME}] {len(setup.codes)} codes ({sum(setup.live)} of advocates not opted out), "
        f"{VISITORS} browser User-Agents; logs {API_LOG}, {BASELINE_LOG}"
    )
    measured = {target: _measure(ctx, setup, target) for target in ("api", "baseline")}
    _print_table({target: m.load for target, m in measured.items()})
    samples = [problem for m in measured.values() for problem in m.sample_problems]
    print(f"302 + Location of {SAMPLES} sampled codes per server: {samples or 'OK'}")
    problems = samples + _check_clicks(measured)
    for target, m in measured.items():
        errors = sum(result.errors for result in m.load.runs)
        if errors:
            problems.append(f"{target}: {errors} failed requests (HTTP 4xx/5xx or socket)")
    print(f"API server log {API_LOG}: {log_problems(API_LOG)}")
    print(f"baseline server log {BASELINE_LOG}: {log_problems(BASELINE_LOG)}")
    report = _report(ctx, setup, measured, problems)
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"[{NAME}] results written to {RESULT_FILE}")
    if problems:
        raise BenchError(f"{NAME}: {'; '.join(problems)}")
    return report
