"""The baseline: the benchmark's GraphQL query answered by hand-written SQL, without GraphQL.

``GET or POST /advocates?first=N`` returns the same JSON as the API's ``advocates`` query in
bench/advocates_query.py (same relay ids, same field names and order): a page of advocates
ordered by name then id, each with its account and its 3 latest milestones. Two statements per
request on one pooled connection, the same plans the API uses (page joined with accounts; one
LATERAL index scan per advocate for the milestones).

What it does not do that the API does: authenticate (no token lookup), parse or validate a
GraphQL document. Serve with
``python -m uvicorn bench.baseline_app:app --port N --no-access-log`` and set
``BENCH_BASELINE_DSN`` (a libpq URL) and ``BENCH_BASELINE_ORG`` (organization slug).
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DSN = os.environ.get("BENCH_BASELINE_DSN", "postgresql://postgres@127.0.0.1:5432/advocacy_bench")
ORG_SLUG = os.environ.get("BENCH_BASELINE_ORG", "bench")
POOL_SIZE = int(os.environ.get("BENCH_BASELINE_POOL_SIZE", "10"))
MAX_PAGE_SIZE = 100
MILESTONES_PER_ADVOCATE = 3

PAGE_SQL = """
SELECT a.id, a.name, a.email, a.status, a.points, a.last_engaged_at,
       a.account_id, ac.name AS account_name
FROM advocate AS a
LEFT JOIN account AS ac ON ac.id = a.account_id AND ac.organization_id = a.organization_id
WHERE a.organization_id = $1
ORDER BY a.name, a.id
LIMIT $2
"""

# The best hand-written plan we know for "latest N per parent": one index scan per advocate
# that stops after N rows (the API uses the same LATERAL shape on PostgreSQL).
MILESTONES_SQL = """
SELECT m.id, m.advocate_id, m.kind, m.status, m.points, m.occurred_at
FROM unnest($2::int[]) AS wanted(id)
CROSS JOIN LATERAL (
    SELECT id, advocate_id, kind, status, points, occurred_at
    FROM milestone
    WHERE milestone.advocate_id = wanted.id AND milestone.organization_id = $1
    ORDER BY occurred_at DESC, id DESC
    LIMIT $3
) AS m
"""


def _global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


class State:
    pool: asyncpg.Pool
    organization_id: int


state = State()


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(DSN, min_size=POOL_SIZE, max_size=POOL_SIZE)
    try:
        organization_id = await pool.fetchval(
            "SELECT id FROM organization WHERE slug = $1", ORG_SLUG
        )
        if organization_id is None:
            raise RuntimeError(f"no organization with slug {ORG_SLUG!r} in {DSN}")
        state.pool, state.organization_id = pool, organization_id
        yield
    finally:
        await pool.close()


def _milestone(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": _global_id("Milestone", row["id"]),
        "kind": row["kind"],
        "status": row["status"],
        "points": row["points"],
        "occurredAt": row["occurred_at"],
    }


def _advocate(row: asyncpg.Record, milestones: list[dict[str, Any]]) -> dict[str, Any]:
    account_id = row["account_id"]
    return {
        "id": _global_id("Advocate", row["id"]),
        "name": row["name"],
        "email": row["email"],
        "status": row["status"],
        "points": row["points"],
        "lastEngagedAt": row["last_engaged_at"],
        "account": None
        if account_id is None
        else {"id": _global_id("Account", account_id), "name": row["account_name"]},
        "milestones": {"nodes": milestones},
    }


async def advocates(request: Request) -> Response:
    try:
        first = int(request.query_params.get("first", "10"))
    except ValueError:
        return Response(b'{"error":"first must be an integer"}', 400, media_type="application/json")
    first = max(0, min(first, MAX_PAGE_SIZE))
    org = state.organization_id
    async with state.pool.acquire() as connection:
        rows = await connection.fetch(PAGE_SQL, org, first)
        ids = [row["id"] for row in rows]
        milestone_rows = await connection.fetch(MILESTONES_SQL, org, ids, MILESTONES_PER_ADVOCATE)
    by_advocate: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for row in milestone_rows:
        by_advocate[row["advocate_id"]].append(_milestone(row))
    nodes = [_advocate(row, by_advocate[row["id"]]) for row in rows]
    body = orjson.dumps({"data": {"advocates": {"nodes": nodes}}})
    return Response(body, media_type="application/json")


async def healthz(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[
        Route("/advocates", advocates, methods=["GET", "POST"]),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
