"""What the abuse refusals of /graphql cost, next to a trivial query (issue 14 §2).

Each refusal should cost no more than a trivial query: it is answered from the headers (405,
415, 413 by Content-Length), after at most the cap of a chunked body (413), after a parse
(400), by the document's length before it is lexed, or after validation and the
read-argument walk, before any SQL (BAD_USER_INPUT). This
drives the app in-process (httpx's ASGI transport, production settings, PostgreSQL) one request
at a time and prints the median and 95th percentile per kind of request.

    ADVOCACY_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/advocacy_bench \\
        python -m bench.refusals

The database must be migrated (``advocacy migrate``); an organization and a token are added.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson

from advocacy.app import create_app
from advocacy.config import Settings, get_settings
from advocacy.graphql.schema import build_schema
from advocacy.kit.db import make_engine, set_engine, unit_of_work
from advocacy.tenancy import service as tenancy_service
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import system_principal
from bench.config import RESULTS_DIR
from bench.context import BenchContext

NAME = "refusals"
RESULT_FILE = RESULTS_DIR / "refusals.json"
ROUNDS = int(os.environ.get("BENCH_REFUSAL_ROUNDS", "200"))
JSON = {"content-type": "application/json"}


async def _token() -> str:
    async with unit_of_work() as session:
        slug = f"bench-refusals-{uuid.uuid4().hex[:8]}"
        organization = await tenancy_service.create_organization(session, slug=slug, name=slug)
        assert organization.id is not None
        issued = await tenancy_service.create_api_token(
            session, system_principal(organization.id), name="bench", role=Role.VIEWER
        )
    return issued.secret


def _cases(token: str) -> dict[str, Callable[[httpx.AsyncClient], Any]]:
    auth = {**JSON, "Authorization": f"Bearer {token}"}
    cap = get_settings().max_body_bytes
    deep = b"[" * 1000 + b"]" * 1000
    deeper = b'{"query": "{ __typename }", "variables": ' + b'{"a":' * 2000 + b"1" + b"}" * 2000
    over_cap = orjson.dumps({"query": "{ __typename }", "variables": {"v": "x" * cap}})
    twenty_mb = orjson.dumps({"query": "{ __typename }", "variables": {"v": "x" * 20_000_000}})
    search = "query($v: String) { accounts(search: $v) { totalCount } }"

    async def chunked() -> AsyncIterator[bytes]:
        chunk = b" " * 65_536
        yield b'{"query": "{ __typename'
        for _ in range(20_000_000 // len(chunk)):
            yield chunk
        yield b'}"}'

    def post(body: bytes, headers: dict[str, str] = auth) -> Callable[[httpx.AsyncClient], Any]:
        return lambda http: http.post("/graphql", content=body, headers=headers)

    def query(document: str, variables: dict[str, Any] | None = None) -> Any:
        return post(orjson.dumps({"query": document, "variables": variables or {}}))

    return {
        "trivial query { viewer { role } } (token)": query("{ viewer { role } }"),
        "trivial query { __typename } (no token)": post(
            orjson.dumps({"query": "{ __typename }"}), JSON
        ),
        "search of 10 chars (runs the ILIKE)": query(search, {"v": "acme widg"}),
        "400 JSON nested 1,000 deep": post(deep),
        "400 JSON nested 2,000 deep in variables": post(deeper),
        "400 unknown operationName": post(
            orjson.dumps({"query": "query A { __typename }", "operationName": "B"})
        ),
        "405 PUT": lambda http: http.put("/graphql", content=b"{}", headers=auth),
        "415 text/plain": post(b"{}", {"content-type": "text/plain"}),
        "413 body of cap + ~40 bytes (Content-Length)": post(over_cap),
        "413 20 MB of variables (Content-Length)": post(twenty_mb),
        "413 20 MB chunked (stops at the cap)": lambda http: http.post(
            "/graphql", content=chunked(), headers=auth
        ),
        "BAD_USER_INPUT NUL in accounts(search:)": query(search, {"v": "a\u0000b"}),
        "BAD_USER_INPUT search of 201 chars": query(search, {"v": "x" * 201}),
        "BAD_USER_INPUT 60 kB search literal (lexed)": query(
            '{ accounts(search: "' + "x" * 60_000 + '") { totalCount } }'
        ),
        "document over 64 KiB (900 kB search literal)": query(
            '{ accounts(search: "' + "x" * 900_000 + '") { totalCount } }'
        ),
        "validation error, no suggestion (unknown field)": query("{ advocatez { id } }"),
    }


BASELINE = "trivial query { viewer { role } } (token)"
"""Every case is also given as a ratio of this one's median, measured in the same run."""


async def measure(url: str) -> list[dict[str, Any]]:
    """Median and 95th percentile per case, and each median over the trivial query's."""
    engine = make_engine(url, pool_size=4)
    set_engine(engine)
    token = await _token()
    settings = Settings(environment="production", secret_key="b" * 40, public_url="https://b.test")
    transport = httpx.ASGITransport(app=create_app(build_schema(settings)))
    rows: list[dict[str, Any]] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for name, send in _cases(token).items():
            rounds = ROUNDS if "20 MB" not in name else max(ROUNDS // 10, 5)
            times: list[float] = []
            status = 0
            for _ in range(rounds):
                started = time.perf_counter()
                response = await send(http)
                times.append((time.perf_counter() - started) * 1000)
                status = response.status_code
            times.sort()
            p95 = times[max(int(len(times) * 0.95) - 1, 0)]
            rows.append(
                {
                    "case": name,
                    "status": status,
                    "median_ms": statistics.median(times),
                    "p95_ms": p95,
                }
            )
    await engine.dispose()
    baseline = next(row["median_ms"] for row in rows if row["case"] == BASELINE)
    for row in rows:
        row["ratio_to_trivial"] = row["median_ms"] / baseline
    return rows


def _print(rows: list[dict[str, Any]]) -> None:
    print(f"{'request':<50} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'/ trivial':>10}")
    for row in rows:
        print(
            f"{row['case']:<50} {row['status']:>6} {row['median_ms']:>10.2f} "
            f"{row['p95_ms']:>8.2f} {row['ratio_to_trivial']:>10.2f}"
        )


def run(ctx: BenchContext) -> dict[str, Any]:
    """``make bench``: on the benchmarks' seeded database."""
    rows = asyncio.run(measure(ctx.config.sqlalchemy_url(ctx.seeded.database)))
    _print(rows)
    report = {"benchmark": NAME, "machine": ctx.machine, "rounds": ROUNDS, "cases": rows}
    RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULT_FILE.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"[{NAME}] results written to {RESULT_FILE}")
    return report


def main() -> None:
    url = os.environ.get("ADVOCACY_BENCH_DATABASE_URL") or os.environ["ADVOCACY_DATABASE_URL"]
    _print(asyncio.run(measure(url)))


if __name__ == "__main__":
    main()
