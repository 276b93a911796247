"""Benchmark: the advocate's gift page, ``GET /gift/{token}``, vs the GraphQL query it runs.

The page executes ``frontend-schema/operations/GiftPage.graphql`` on the app's schema and
renders it with Jinja2; a JavaScript client would send the same document to ``/graphql`` and
render it itself. Both are measured on one ``advocacy serve`` (one uvicorn worker, production
settings) against the same ``GIFTS`` open offers, cycling through their links, so the ratio is
what server-side rendering, the CSRF cookie and the headers cost on top of the data.

Before the load a few links are opened by hand: each page must show its offer (200, the
heading, a CSRF field, the strict CSP) and each query must answer ``OFFERED``; every answer of
the load must carry its marker, or the benchmark fails.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import orjson

from advocacy.graphql.ids import encode_id
from advocacy.web.documents import operation
from bench.config import BENCH_DATABASE, RESULTS_DIR, BenchConfig, BenchError
from bench.context import BenchContext
from bench.gifting_data import giftable_advocates, insert_item, insert_program
from bench.loadgen import HttpRequest, LoadResult
from bench.redis_db import emptied
from bench.servers import api_server, log_problems

NAME = "giftPage"
GIFTS = 500
PAGE_MARKER = "sent you a gift"
QUERY_MARKER = '"status":"OFFERED"'
API_LOG = RESULTS_DIR / "gift-page-api.log"
RESULT_FILE = RESULTS_DIR / "gift_page.json"
SEND = """mutation($input: SendGiftInput!) {
  sendGift(input: $input) { giftLink errors { field message } } }"""
BASELINE_NOTE = (
    "baseline = POST /graphql with the page's own GiftPage document on the same server: the "
    "data without the HTML (template, CSRF cookie and field, headers)"
)


@dataclass(frozen=True)
class Setup:
    program_id: int
    item_id: int
    advocates: list[int]


async def _prepare(config: BenchConfig, organization_id: int) -> Setup:
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        async with connection.transaction():
            item_id = await insert_item(connection, organization_id, "giftPage bench card")
            program_id = await insert_program(
                connection, organization_id, "giftPage bench", budget_total=10**12
            )
        advocates = await giftable_advocates(connection, organization_id)
    finally:
        await connection.close()
    if len(advocates) < GIFTS:
        raise BenchError(f"{NAME}: needs {GIFTS} giftable advocates, has {len(advocates)}")
    return Setup(program_id, item_id, advocates[:GIFTS])


def _send_gifts(url: str, token: str, setup: Setup) -> list[str]:
    """Offer the bench card to ``GIFTS`` advocates through the API; their link tokens."""
    tokens = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for advocate_id in setup.advocates:
            variables = {
                "input": {
                    "programId": encode_id("Program", setup.program_id),
                    "advocateId": encode_id("Advocate", advocate_id),
                    "itemId": encode_id("GiftItem", setup.item_id),
                    "message": "Thanks for the review!",
                }
            }
            answer = client.post("/graphql", json={"query": SEND, "variables": variables})
            result = answer.json()["data"]["sendGift"]
            if result["errors"]:
                raise BenchError(f"{NAME}: sendGift refused: {result['errors']}")
            tokens.append(result["giftLink"].rsplit("/", 1)[1])
    return tokens


def _query_body(token: str) -> bytes:
    return orjson.dumps(
        {"query": operation("GiftPage"), "operationName": "GiftPage", "variables": {"token": token}}
    )


def _samples(url: str, tokens: list[str]) -> list[str]:
    problems = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for token in tokens[:: max(1, len(tokens) // 5)]:
            page = client.get(f"/gift/{token}")
            csp = page.headers.get("content-security-policy", "")
            if (
                page.status_code != 200
                or PAGE_MARKER not in page.text
                or 'name="csrf"' not in page.text
            ):
                problems.append(f"page of a sampled link: HTTP {page.status_code}")
            if "default-src 'none'" not in csp:
                problems.append(f"page without the strict CSP: {csp!r}")
            query = client.post(
                "/graphql", content=_query_body(token), headers={"Content-Type": "application/json"}
            )
            if QUERY_MARKER not in query.text.replace(" ", ""):
                problems.append(f"GiftPage query of a sampled link: {query.text[:200]}")
    return problems


def _requests(url: str, tokens: list[str]) -> dict[str, HttpRequest]:
    return {
        "page GET /gift/{token}": HttpRequest(
            url=f"{url}/gift/{tokens[0]}",
            paths=tuple(f"/gift/{token}" for token in tokens),
            markers=(PAGE_MARKER,),
        ),
        "baseline POST /graphql GiftPage": HttpRequest(
            url=f"{url}/graphql",
            method="POST",
            headers={"Content-Type": "application/json"},
            bodies=tuple(_query_body(token) for token in tokens),
            markers=(QUERY_MARKER,),
        ),
    }


def _unmarked(result: LoadResult) -> int:
    return result.requests - result.marked[0]


def run(ctx: BenchContext) -> dict[str, Any]:
    config = ctx.config
    emptied(config.redis_url)
    setup = asyncio.run(_prepare(config, ctx.seeded.organization_id))
    print(f"[{NAME}] {GIFTS} open offers; log {API_LOG}")
    results: dict[str, LoadResult] = {}
    with api_server(config, API_LOG, {"ADVOCACY_REDIS_URL": config.redis_url}) as url:
        tokens = _send_gifts(url, ctx.seeded.token_secret, setup)
        problems = _samples(url, tokens)
        for name, request in _requests(url, tokens).items():
            print(f"  measuring {name} ...", flush=True)
            results[name] = ctx.measure(request)
    page, baseline = results.values()
    ratio = page.rps / baseline.rps if baseline.rps else None
    print()
    print(f"{'scenario':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, result in results.items():
        print(
            f"{name:<36}{result.rps:>9.1f}{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
            f"{result.errors:>8}"
        )
        if result.errors or _unmarked(result):
            problems.append(f"{name}: {result.errors} errors, {_unmarked(result)} unmarked")
    if ratio is not None:
        print(f"ratio page/baseline: {ratio:.3f} ({ratio:.1%})")
    print(BASELINE_NOTE)
    report = {
        "benchmark": NAME,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": ctx.machine,
        "settings": {
            "duration_s": config.duration,
            "warmup_s": config.warmup,
            "connections": config.connections,
            "server_workers": 1,
            "gifts": GIFTS,
        },
        "baseline_note": BASELINE_NOTE,
        "scenarios": [{"name": name} | result.as_dict() for name, result in results.items()],
        "ratio_page_over_baseline": ratio,
        "problems": problems,
        "logs": {"api": log_problems(API_LOG)},
    }
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"[{NAME}] results written to {RESULT_FILE}")
    if problems:
        raise BenchError(f"{NAME}: {'; '.join(problems)}")
    return report
