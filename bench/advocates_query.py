"""Benchmark: the advocates list with accounts and latest milestones, API vs hand-written SQL.

The API (``advocacy serve``, one uvicorn worker, production settings) answers a GraphQL query;
the baseline (bench/baseline_app.py, one uvicorn worker) answers the same data with two SQL
statements and orjson. Both payloads are checked once, then each is driven under the same load.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Any

import httpx
import orjson

from bench.config import BENCH_DATABASE, RESULTS_DIR, BenchError
from bench.context import BenchContext
from bench.loadgen import HttpRequest, LoadResult
from bench.servers import api_server, log_problems, uvicorn_server

NAME = "advocates"
PAGE_SIZES = (100, 10)
API_LOG = RESULTS_DIR / "api-server.log"
BASELINE_LOG = RESULTS_DIR / "baseline-server.log"
RESULT_FILE = RESULTS_DIR / "advocates.json"

QUERY = """
query Bench($first: Int!) {
  advocates(first: $first) {
    nodes {
      id name email status points lastEngagedAt
      account { id name }
      milestones(first: 3) { nodes { id kind status points occurredAt } }
    }
  }
}
"""

BASELINE_NOTE = (
    "baseline = Starlette + asyncpg pool (10), 2 hand-written SQL statements (page with account "
    "join; 3 latest milestones per advocate via a LATERAL index scan), orjson; it does NOT "
    "authenticate (no token lookup) or parse/validate GraphQL"
)


def _baseline_server(ctx: BenchContext) -> AbstractContextManager[str]:
    env = {"BENCH_BASELINE_DSN": ctx.config.dsn(BENCH_DATABASE), "BENCH_BASELINE_ORG": "bench"}
    return uvicorn_server("baseline server", "bench.baseline_app:app", env, BASELINE_LOG)


def _api_request(base_url: str, secret: str, first: int) -> HttpRequest:
    body = orjson.dumps({"query": QUERY, "variables": {"first": first}})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}
    return HttpRequest(f"{base_url}/graphql", "POST", headers, body)


def _baseline_request(base_url: str, first: int) -> HttpRequest:
    return HttpRequest(f"{base_url}/advocates?first={first}")


def _fetch_page(request: HttpRequest, first: int, label: str) -> Any:
    """The ``data`` of one answer, after checking it is a clean page of ``first`` advocates."""
    response = httpx.request(
        request.method, request.url, headers=request.headers, content=request.body, timeout=60
    )
    if response.status_code != 200:
        raise BenchError(f"{label}: HTTP {response.status_code}: {response.text[:1000]}")
    payload = response.json()
    if payload.get("errors"):
        raise BenchError(f"{label}: errors in response: {orjson.dumps(payload['errors'])[:2000]!r}")
    try:
        nodes = payload["data"]["advocates"]["nodes"]
    except (KeyError, TypeError) as error:
        raise BenchError(f"{label}: unexpected response shape: {response.text[:1000]}") from error
    if len(nodes) != first:
        raise BenchError(f"{label}: expected {first} advocates, got {len(nodes)}")
    if any(len(node["milestones"]["nodes"]) > 3 for node in nodes):
        raise BenchError(f"{label}: an advocate came back with more than 3 milestones")
    return payload["data"]


def _first_difference(a: Any, b: Any, path: str = "data") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a.keys() | b.keys():
            found = _first_difference(a.get(key), b.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: API {a!r} vs baseline {b!r}"


def _measure_api(ctx: BenchContext) -> tuple[dict[int, LoadResult], dict[int, Any]]:
    results: dict[int, LoadResult] = {}
    pages: dict[int, Any] = {}
    # With a broker the server runs no embedded worker or scheduler, whose lapse detection would
    # change statuses between the API's page and the baseline's.
    with api_server(ctx.config, API_LOG, {"ADVOCACY_REDIS_URL": ctx.config.redis_url}) as url:
        for first in PAGE_SIZES:
            request = _api_request(url, ctx.seeded.token_secret, first)
            pages[first] = _fetch_page(request, first, f"API first={first}")
            print(f"  measuring graphql first={first} ...", flush=True)
            results[first] = ctx.measure(request)
    return results, pages


def _measure_baseline(
    ctx: BenchContext, api_pages: dict[int, Any]
) -> tuple[dict[int, LoadResult], dict[int, str | None]]:
    results: dict[int, LoadResult] = {}
    differences: dict[int, str | None] = {}
    with _baseline_server(ctx) as url:
        for first in PAGE_SIZES:
            request = _baseline_request(url, first)
            page = _fetch_page(request, first, f"baseline first={first}")
            differences[first] = _first_difference(api_pages[first], page)
            print(f"  measuring baseline first={first} ...", flush=True)
            results[first] = ctx.measure(request)
    return results, differences


def _print_report(
    api: dict[int, LoadResult],
    baseline: dict[int, LoadResult],
    differences: dict[int, str | None],
) -> None:
    print()
    print(f"{'scenario':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for first in PAGE_SIZES:
        for label, result in (("graphql", api[first]), ("baseline", baseline[first])):
            name = f"{label} advocates first={first}"
            print(
                f"{name:<34}{result.rps:>10.1f}{result.p50_ms:>10.2f}"
                f"{result.p99_ms:>10.2f}{result.errors:>8}"
            )
    for first in PAGE_SIZES:
        ratio = api[first].rps / baseline[first].rps if baseline[first].rps else 0.0
        print(f"ratio API/baseline first={first}: {ratio:.3f} ({ratio:.1%})")
    for first in PAGE_SIZES:
        verdict = "identical" if differences[first] is None else f"DIFFER: {differences[first]}"
        print(f"payloads first={first}: {verdict}")
    print(BASELINE_NOTE)
    print(f"API server log {API_LOG}: {log_problems(API_LOG)}")
    print(f"baseline server log {BASELINE_LOG}: {log_problems(BASELINE_LOG)}")


def run(ctx: BenchContext) -> dict[str, Any]:
    """Measure the API then the baseline (one server at a time), print, write the JSON file."""
    print(f"[{NAME}] API server log: {API_LOG}")
    api, api_pages = _measure_api(ctx)
    print(f"[{NAME}] baseline server log: {BASELINE_LOG}")
    baseline, differences = _measure_baseline(ctx, api_pages)
    _print_report(api, baseline, differences)
    for label, results in (("API", api), ("baseline", baseline)):
        for first, result in results.items():
            if result.errors:
                print(f"warning: {label} first={first}: {result.errors} failed requests")
            if result.rps == 0:
                raise BenchError(f"{label} first={first}: no successful request")
    report: dict[str, Any] = {
        "benchmark": NAME,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": ctx.machine,
        "settings": {
            "duration_s": ctx.config.duration,
            "warmup_s": ctx.config.warmup,
            "connections": ctx.config.connections,
            "server_workers": 1,
        },
        "seed": {
            "accounts": ctx.seeded.accounts,
            "advocates": ctx.seeded.advocates,
            "milestones": ctx.seeded.milestones,
            "seconds": round(ctx.seeded.seconds, 2),
        },
        "query": QUERY.strip(),
        "baseline_note": BASELINE_NOTE,
        "scenarios": [
            {"name": f"{target} advocates first={first}", "target": target, "first": first}
            | result.as_dict()
            for target, results in (("graphql", api), ("baseline", baseline))
            for first, result in results.items()
        ],
        "ratio_api_over_baseline": {
            str(first): api[first].rps / baseline[first].rps if baseline[first].rps else None
            for first in PAGE_SIZES
        },
        "payload_differences": {str(first): diff for first, diff in differences.items()},
        "logs": {
            "api": str(API_LOG),
            "api_problems": log_problems(API_LOG),
            "baseline": str(BASELINE_LOG),
            "baseline_problems": log_problems(BASELINE_LOG),
        },
    }
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"[{NAME}] results written to {RESULT_FILE}")
    return report
