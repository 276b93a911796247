"""Redeemed gift sends written straight into the bench database, for the fulfilment benchmark.

Set-based (INSERT … SELECT), so thousands take well under a second: a program, a sandbox gift
card, the sends (REDEEMED, one advocate each, round-robin), a RESERVE ledger entry per send,
their OFFERED and REDEEMED events, and the program's ``budget_reserved`` to match the ledger.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

from bench.config import BENCH_DATABASE, BenchConfig, BenchError
from bench.gifting_data import ITEM_PRICE, insert_item, insert_program, read_ledger


@dataclass(frozen=True)
class Seeded:
    program_id: int
    send_ids: list[int]
    seconds: float


SEED_SENDS = """
WITH advocates AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM advocate WHERE organization_id = $1
)
INSERT INTO gift_send (organization_id, program_id, advocate_id, item_id, original_item_id,
    reason, status, link_token_hash, expires_at, currency, original_value, reserved_amount,
    fulfil_attempts, created_at, updated_at, redeemed_at)
SELECT $1, $2, a.id, $3, $3, 'MANUAL', 'REDEEMED',
    encode(sha256(convert_to('fulfilment-bench-' || g, 'UTF8')), 'hex'),
    now() + interval '30 days', 'USD', $4, $4, 0, now() - interval '1 hour', now(), now()
FROM generate_series(1, $5) AS g
JOIN advocates AS a ON a.n = (g - 1) % (SELECT count(*) FROM advocates) + 1
"""
SEED_RESERVES = """
INSERT INTO budget_entry (organization_id, program_id, send_id, kind, amount, created_at)
SELECT organization_id, program_id, id, 'RESERVE', reserved_amount, created_at
FROM gift_send WHERE program_id = $1
"""
SEED_EVENTS = """
INSERT INTO gift_event (organization_id, send_id, kind, actor, detail, created_at)
SELECT s.organization_id, s.id, e.kind, e.actor, e.detail::jsonb, s.created_at
FROM gift_send AS s,
    (VALUES ('OFFERED', 'system', '{}'), ('REDEEMED', 'advocate', '{}')) AS e(kind, actor, detail)
WHERE s.program_id = $1
"""
SEED_BUDGET = """
UPDATE program SET budget_reserved = (
    SELECT coalesce(sum(amount), 0) FROM budget_entry WHERE program_id = $1 AND kind = 'RESERVE'
) WHERE id = $1
"""


async def seed_redeemed_sends(config: BenchConfig, organization_id: int, count: int) -> Seeded:
    """``count`` REDEEMED sends on a new program whose budget is twice what they hold."""
    started = time.perf_counter()
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        async with connection.transaction():
            item_id = await insert_item(connection, organization_id, "fulfilment bench card")
            budget = 2 * count * ITEM_PRICE
            program_id = await insert_program(connection, organization_id, "fulfilment", budget)
            await connection.execute(
                SEED_SENDS, organization_id, program_id, item_id, ITEM_PRICE, count
            )
            for statement in (SEED_RESERVES, SEED_EVENTS, SEED_BUDGET):
                await connection.execute(statement, program_id)
        await connection.execute("ANALYZE gift_send, budget_entry, gift_event, program")
        rows = await connection.fetch(
            "SELECT id FROM gift_send WHERE program_id = $1 ORDER BY id", program_id
        )
        ledger = await read_ledger(connection, program_id)
    finally:
        await connection.close()
    if len(rows) != count or ledger.problems():
        raise BenchError(f"seeding {count} redeemed sends went wrong: {ledger.problems()}")
    return Seeded(program_id, [row["id"] for row in rows], time.perf_counter() - started)
