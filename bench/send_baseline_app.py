"""The sendGift baseline: the same essential writes as the API's ``sendGift``, hand-written.

``POST /send`` takes the very body the benchmark sends to the API (a GraphQL request: only
``variables.input``'s advocateId, itemId and programId are read, relay ids decoded) and answers
the same JSON shape. One transaction on a pooled asyncpg connection, four statements in the
order the API's service runs them:

1. INSERT the ``gift_send`` … SELECT from program, item and advocate, so the checks the API makes
   with three reads (program ACTIVE and in the org, item active in the program's currency,
   advocate not opted out) are conditions of the insert;
2. the conditional UPDATE of the program's ``budget_reserved`` (BUDGET_EXCEEDED if no row);
3. INSERT the RESERVE ``budget_entry``; 4. INSERT the OFFERED ``gift_event``.

``POST /send/update-last`` runs the same statements with the budget UPDATE last, right before
COMMIT. Every send of a program queues on that program's row lock, held from the UPDATE to the
end of COMMIT; with the UPDATE last, the lock is held for one round trip and the commit instead
of three round trips and the commit.

The link token is derived and hashed as the API does (HMAC-SHA256, then SHA-256). What it does
not do that the API does: authenticate (no token lookup), parse or validate a GraphQL document,
take stock (the benchmark's item has unlimited stock, so the API skips it too), enqueue the
offer email, or tell "not found" apart from "budget exceeded". Serve with
``python -m uvicorn bench.send_baseline_app:app --port N`` and set ``BENCH_BASELINE_DSN`` and
``BENCH_BASELINE_ORG`` (organization slug).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
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
POOL_SIZE = int(os.environ.get("BENCH_BASELINE_POOL_SIZE", "15"))
"""The API's default pool: 10 connections plus 5 overflow."""
SECRET_KEY = secrets.token_bytes(32)
PUBLIC_URL = "http://127.0.0.1:8000"
EXPIRY_DAYS = 30

INSERT_SEND = """
INSERT INTO gift_send (organization_id, program_id, advocate_id, item_id, original_item_id,
    reason, status, link_token_hash, link_salt, expires_at, currency, original_value,
    reserved_amount, fulfil_attempts, created_at, updated_at)
SELECT $1, p.id, a.id, i.id, i.id, 'MANUAL', 'OFFERED', $5, $6,
    now() + make_interval(days => $7), i.currency, i.price, i.price, 0, now(), now()
FROM program AS p, gift_item AS i, advocate AS a
WHERE p.id = $2 AND p.organization_id = $1 AND p.status = 'ACTIVE'
  AND i.id = $4 AND i.organization_id = $1 AND i.active AND i.currency = p.currency
  AND a.id = $3 AND a.organization_id = $1 AND a.status <> 'OPTED_OUT'
RETURNING id, reserved_amount, currency
"""

RESERVE = """
UPDATE program SET budget_reserved = budget_reserved + $2
WHERE id = $1 AND budget_total - budget_reserved - budget_spent >= $2
RETURNING id
"""

INSERT_ENTRY = """
INSERT INTO budget_entry (organization_id, program_id, send_id, kind, amount, created_at)
VALUES ($1, $2, $3, 'RESERVE', $4, now())
"""

INSERT_EVENT = """
INSERT INTO gift_event (organization_id, send_id, kind, actor, detail, created_at)
VALUES ($1, $2, 'OFFERED', 'baseline', $3::jsonb, now())
"""


class State:
    pool: asyncpg.Pool
    organization_id: int


state = State()


class Rejected(Exception):
    """Roll the transaction back and answer with this error code."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code, self.field = code, field


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


def _pk(global_id: Any, type_name: str) -> int:
    try:
        decoded = base64.b64decode(str(global_id), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    found, _, raw_pk = decoded.partition(":")
    if found != type_name or not raw_pk.isdigit():
        raise Rejected("INVALID", f"{type_name[0].lower()}{type_name[1:]}Id")
    return int(raw_pk)


def _link_token() -> tuple[str, str, str]:
    """(salt, token, hash of the token), as ``advocacy.gifting.links`` derives them."""
    salt = secrets.token_hex(16)
    digest = hmac.new(SECRET_KEY, f"gift-link:{salt}".encode(), hashlib.sha256).digest()
    token = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return salt, token, hashlib.sha256(token.encode()).hexdigest()


async def _send(
    advocate_id: int, item_id: int, program_id: int, *, update_last: bool
) -> dict[str, Any]:
    org = state.organization_id
    salt, token, token_hash = _link_token()
    async with state.pool.acquire() as connection, connection.transaction():
        send = await connection.fetchrow(
            INSERT_SEND, org, program_id, advocate_id, item_id, token_hash, salt, EXPIRY_DAYS
        )
        if send is None:
            raise Rejected("NOT_FOUND", "advocateId")
        amount = send["reserved_amount"]
        if not update_last and await connection.fetchval(RESERVE, program_id, amount) is None:
            raise Rejected("BUDGET_EXCEEDED", "programId")
        await connection.execute(INSERT_ENTRY, org, program_id, send["id"], amount)
        detail = orjson.dumps({"item_id": item_id, "amount": amount}).decode()
        await connection.execute(INSERT_EVENT, org, send["id"], detail)
        if update_last and await connection.fetchval(RESERVE, program_id, amount) is None:
            raise Rejected("BUDGET_EXCEEDED", "programId")
    return {
        "giftSend": {
            "id": base64.b64encode(f"GiftSend:{send['id']}".encode()).decode(),
            "status": "OFFERED",
            "amount": {"amount": amount, "currency": send["currency"]},
        },
        "giftLink": f"{PUBLIC_URL}/gift/{token}",
        "errors": [],
    }


async def send_gift(request: Request) -> Response:
    update_last = request.url.path.endswith("/update-last")
    try:
        given = orjson.loads(await request.body())["variables"]["input"]
        payload = await _send(
            _pk(given["advocateId"], "Advocate"),
            _pk(given["itemId"], "GiftItem"),
            _pk(given["programId"], "Program"),
            update_last=update_last,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return Response(b'{"error":"bad request"}', 400, media_type="application/json")
    except Rejected as rejected:
        error = {"field": rejected.field, "code": rejected.code, "message": rejected.code}
        payload = {"giftSend": None, "giftLink": None, "errors": [error]}
    body = orjson.dumps({"data": {"sendGift": payload}})
    return Response(body, media_type="application/json")


async def healthz(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[
        Route("/send", send_gift, methods=["POST"]),
        Route("/send/update-last", send_gift, methods=["POST"]),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
