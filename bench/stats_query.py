"""Benchmark: ``programStats`` over 1,000,000 milestones and 200,000 gift sends, API vs bare SQL.

The database is the benchmark's own (bench/stats_seed.py). The API (``advocacy serve``, one
uvicorn worker, production settings, Redis as the broker so no embedded worker runs periodic
jobs on the data) answers the full ``programStats`` query — every figure
of the period and of every bucket, both leaderboards — through HTTP with a VIEWER token. The
baseline runs the same aggregates as hand-written PostgreSQL on one asyncpg connection
(bench/stats_baseline.py) and only times the statements. Requests are sequential (a dashboard
asks once, and waits): one API request, then one baseline run, ``ROUNDS`` times per scenario,
after ``WARMUP`` unmeasured rounds. Before measuring, both answers must agree on every figure
the baseline computes (counts, sums, money, percentiles, leaderboards); otherwise the
benchmark fails. Reported: p50 and p90 of each, and their ratio.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import orjson

from bench.config import RESULTS_DIR, BenchConfig, BenchError
from bench.context import BenchContext
from bench.servers import api_server, log_problems
from bench.stats_baseline import assemble, bucket_starts, run_baseline, statements
from bench.stats_seed import (
    NOW,
    ORGANIZATION,
    PROGRAM,
    STATS_DATABASE,
    StatsData,
    seed_stats_database,
)

NAME = "programStats"
API_LOG = RESULTS_DIR / "stats-api-server.log"
RESULT_FILE = RESULTS_DIR / "program-stats.json"
WARMUP = 1
ROUNDS = 7

OUTREACH = "sent responded responseRate byVariant { variant sent responded responseRate }"
WINDOW = f"""
  start end
  advocates {{ total invited active lapsed optedOut new participating participationRate
               nudgedLapses reEngaged reEngagementRate }}
  milestones {{ recorded submitted approved rejected pointsAwarded
                byKind {{ kind recorded submitted approved rejected points }} }}
  referrals {{ clicks signups conversions clickToSignupRate signupToConversionRate
               referredRevenue {{ currency amount }} rejected rejectedByReason {{ reason count }}
               referringAdvocates referralsPerReferringAdvocate }}
  gifts {{ offered swapped redeemed donated declined expired cancelled fulfilled failed
           redemptionRate medianSecondsToRedemption p90SecondsToRedemption }}
  budget {{ currency total spent spentToDate reserved remaining costPerConvertedReferral }}
  asks {{ {OUTREACH} }}
  nudges {{ {OUTREACH} }}
"""
QUERY = f"""
query Stats($program: ID!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval!) {{
  programStats(programId: $program, from: $from, to: $to, interval: $interval) {{
    from to interval
    period {{ {WINDOW} }}
    series {{ {WINDOW} }}
    topByPoints(first: 10) {{ rank points milestones advocate {{ id }} }}
    topByReferredRevenue(first: 10) {{ rank revenue {{ currency amount }} conversions
                                       advocate {{ id }} }}
  }}
}}
"""
BASELINE_NOTE = (
    "baseline = the same aggregates as 11 hand-written PostgreSQL statements (date_trunc "
    "buckets, FILTER, DISTINCT ON, GROUPING SETS, percentile_cont) on one asyncpg connection, "
    "timed from the first send to the last row fetched; no HTTP, authentication, GraphQL, "
    "program check, leader advocates' names or JSON"
)


@dataclass(frozen=True)
class Scenario:
    label: str
    start: dt.datetime
    end: dt.datetime
    interval: str

    @property
    def unit(self) -> str:
        return self.interval.lower()

    @property
    def variables(self) -> dict[str, Any]:
        return {
            "program": _global_id("Program", PROGRAM),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "interval": self.interval,
        }


SCENARIOS = (
    Scenario("a year by week", NOW - dt.timedelta(days=365), NOW, "WEEK"),
    Scenario("a quarter by day", NOW - dt.timedelta(days=90), NOW, "DAY"),
)


def _global_id(type_name: str, pk: int) -> str:
    from advocacy.kit.global_ids import encode_id

    return encode_id(type_name, pk)


def _pk(global_id: str) -> int:
    import base64

    return int(base64.b64decode(global_id).decode().split(":")[1])


def _api_call(client: httpx.Client, url: str, token: str, scenario: Scenario) -> Any:
    body = orjson.dumps({"query": QUERY, "variables": scenario.variables})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = client.post(f"{url}/graphql", content=body, headers=headers)
    if response.status_code != 200:
        raise BenchError(f"API: HTTP {response.status_code}: {response.text[:500]}")
    payload = response.json()
    if payload.get("errors"):
        raise BenchError(f"API: {orjson.dumps(payload['errors'])[:1000]!r}")
    return payload["data"]["programStats"]


def _differences(api: Any, baseline: Any, path: str = "") -> list[str]:
    """Where the API differs from the baseline, on the baseline's keys."""
    if isinstance(baseline, dict):
        return [
            found
            for key in baseline
            for found in _differences(api.get(key), baseline[key], f"{path}.{key}")
        ]
    if isinstance(baseline, list):
        if not isinstance(api, list) or len(api) != len(baseline):
            return [f"{path}: {api!r} vs {baseline!r}"]
        return [
            found
            for i, (a, b) in enumerate(zip(api, baseline, strict=True))
            for found in _differences(a, b, f"{path}[{i}]")
        ]
    if isinstance(baseline, float) or isinstance(api, float):
        if api is None or baseline is None:
            return [] if api is baseline else [f"{path}: {api!r} vs {baseline!r}"]
        return (
            []
            if math.isclose(api, baseline, rel_tol=1e-9, abs_tol=1e-6)
            else [f"{path}: {api!r} vs {baseline!r}"]
        )
    return [] if api == baseline else [f"{path}: {api!r} vs {baseline!r}"]


def _compare(api: Any, expected: dict[str, Any]) -> list[str]:
    for entry in [*api["topByPoints"], *api["topByReferredRevenue"]]:
        entry["advocate"] = _pk(entry["advocate"]["id"])
    problems = _differences(api, expected)
    if len(api["series"]) != len(expected["series"]):
        problems.append(f"series: {len(api['series'])} buckets vs {len(expected['series'])}")
    return problems


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def _summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(_percentile(ms, 0.5), 1),
        "p90_ms": round(_percentile(ms, 0.9), 1),
        "min_ms": round(min(ms), 1),
        "max_ms": round(max(ms), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


async def _scenario(
    config: BenchConfig, client: httpx.Client, url: str, data: StatsData, scenario: Scenario
) -> dict[str, Any]:
    sql = statements(scenario.unit)
    connection = await asyncpg.connect(config.dsn(STATS_DATABASE), timeout=5)
    try:
        api = _api_call(client, url, data.token, scenario)
        run = await run_baseline(
            connection, sql, ORGANIZATION, PROGRAM, scenario.start, scenario.end
        )
        expected = assemble(run, bucket_starts(scenario.start, scenario.end, scenario.unit))
        problems = _compare(api, expected)
        if problems:
            raise BenchError(f"{NAME} ({scenario.label}): API and baseline differ: {problems[:5]}")
        api_times: list[float] = []
        baseline_times: list[float] = []
        for round_ in range(WARMUP + ROUNDS):
            started = time.perf_counter()
            _api_call(client, url, data.token, scenario)
            api_seconds = time.perf_counter() - started
            baseline_seconds = (
                await run_baseline(
                    connection, sql, ORGANIZATION, PROGRAM, scenario.start, scenario.end
                )
            ).seconds
            if round_ >= WARMUP:
                api_times.append(api_seconds)
                baseline_times.append(baseline_seconds)
    finally:
        await connection.close()
    result = {
        "scenario": scenario.label,
        "from": scenario.start.isoformat(),
        "to": scenario.end.isoformat(),
        "interval": scenario.interval,
        "buckets": len(api["series"]),
        "api": _summary(api_times),
        "baseline": _summary(baseline_times),
        "period_checked": {
            "milestones": api["period"]["milestones"]["recorded"],
            "gifts_offered": api["period"]["gifts"]["offered"],
            "advocates": api["period"]["advocates"]["total"],
        },
    }
    result["ratio_p50"] = round(result["api"]["p50_ms"] / result["baseline"]["p50_ms"], 2)
    result["ratio_p90"] = round(result["api"]["p90_ms"] / result["baseline"]["p90_ms"], 2)
    return result


def _print(results: list[dict[str, Any]]) -> None:
    print()
    print(f"{'scenario':<20}{'side':<10}{'p50 ms':>10}{'p90 ms':>10}{'min ms':>10}{'max ms':>10}")
    for result in results:
        for side in ("api", "baseline"):
            s = result[side]
            print(
                f"{result['scenario']:<20}{side:<10}{s['p50_ms']:>10.1f}{s['p90_ms']:>10.1f}"
                f"{s['min_ms']:>10.1f}{s['max_ms']:>10.1f}"
            )
        print(
            f"{result['scenario']:<20}{'ratio':<10}{result['ratio_p50']:>9.2f}x"
            f"{result['ratio_p90']:>9.2f}x   ({result['buckets']} buckets)"
        )
    print(BASELINE_NOTE)


def run(ctx: BenchContext) -> dict[str, Any]:
    """Seed the stats database, check both answers agree, measure, print, write JSON."""
    return asyncio.run(_run(ctx))


async def _run(ctx: BenchContext) -> dict[str, Any]:
    config = ctx.config
    data = await seed_stats_database(config)
    print(f"[{NAME}] seeded in {data.seconds:.1f}s: {data.as_dict()}", flush=True)
    # A Redis broker keeps the embedded worker and its periodic jobs (expiry, lapses, nudges)
    # out of the API process: they would change the data under the measurement. Reads send
    # nothing to Redis.
    env = {
        "ADVOCACY_DATABASE_URL": config.sqlalchemy_url(STATS_DATABASE),
        "ADVOCACY_REDIS_URL": config.redis_url,
    }
    results = []
    with api_server(config, API_LOG, env) as url, httpx.Client(timeout=120) as client:
        for scenario in SCENARIOS:
            print(f"  measuring {scenario.label} ({ROUNDS} rounds) ...", flush=True)
            results.append(await _scenario(config, client, url, data, scenario))
    _print(results)
    print(
        f"checks: API and baseline agree on every compared figure; API log: {log_problems(API_LOG)}"
    )
    report = {
        "benchmark": NAME,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": ctx.machine,
        "data": data.as_dict(),
        "settings": {"warmup_rounds": WARMUP, "rounds": ROUNDS},
        "baseline_note": BASELINE_NOTE,
        "scenarios": results,
    }
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"[{NAME}] results written to {RESULT_FILE}")
    return report
