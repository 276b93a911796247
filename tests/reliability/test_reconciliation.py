"""Exactly once when the provider times out, with every part real: ``advocacy serve``,
``advocacy worker`` (Dramatiq on Redis) and ``advocacy scheduler`` against PostgreSQL, and the
local HTTP provider, scripted per SKU: some orders are placed and then never answered (on
every attempt, on the last, or on the first followed by 500s), some stall before they are
placed, some are refused, some find the provider down, some go through.

A time-out is "unknown", not "refused" (DESIGN.md §4). So, once the worker has used up its
attempts, no send the provider placed is FAILED (its budget released, inviting a second
gift): those wait in NEEDS_RECONCILIATION, and the scheduler's order lookups then settle every
one of them — FULFILLED with the provider's reference when placed; when not, ordered again
with the same key while attempts are left (the test raises them to 3), then FAILED with budget
and stock back. Throughout: the ledger balances (the README's ledger check returns no
rows) and no order is doubled (each send is one idempotency key, placed at most once).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select, text
from sqlmodel import col

from advocacy.gifting.models import GiftEvent, GiftProvider, GiftSend
from advocacy.gifting.models import GiftSendStatus as S
from advocacy.kit.db import unit_of_work
from tests.conftest import Org
from tests.fixtures.gifting import assert_ledger_balances, make_item, setup
from tests.fixtures.processes import Process, Processes, eventually, report
from tests.fixtures.provider_server import ProviderState
from tests.reliability.test_fulfilment import apis, offer_and_redeem, orders_of, worker_env

README = Path(__file__).parents[2] / "README.md"
SCRIPTS = {
    "PLACED-NO-ANSWER": ["hang_after"],
    "PLACED-ON-THE-LAST": ["fail", "hang_after"],
    "PLACED-THEN-500": ["hang_after", "fail"],
    "STALLED-NOT-PLACED": ["hang_before"],
    "REFUSED": ["refuse"],
    "DOWN": ["unavailable"],
    "FINE": ["ok"],
}
"""What the provider does on each request for one send (the last action repeats)."""
PLACED = {"PLACED-NO-ANSWER", "PLACED-ON-THE-LAST", "PLACED-THEN-500", "FINE"}
UNKNOWN = {"PLACED-NO-ANSWER", "PLACED-ON-THE-LAST", "PLACED-THEN-500", "STALLED-NOT-PLACED"}
PER_SCRIPT = 3
PRICE = 1000


def readme_ledger_check() -> str:
    """The ledger check query exactly as the README's operations section gives it."""
    found = re.search(r"\*\*Ledger check\*\*.*?`(SELECT .*?;)`", README.read_text(), re.DOTALL)
    assert found, "the README's operations section lost its ledger check"
    return " ".join(found.group(1).split())


async def statuses(send_ids: dict[int, str]) -> dict[int, S]:
    async with unit_of_work() as session:
        rows = await session.execute(
            select(col(GiftSend.id), col(GiftSend.status)).where(
                col(GiftSend.id).in_(list(send_ids))
            )
        )
        return {send_id: S(status) for send_id, status in rows}


async def failed_while_ordered(
    send_ids: dict[int, str], state: ProviderState, org: Org
) -> list[int]:
    ordered = set(orders_of(state, org))
    now = await statuses(send_ids)
    return [i for i, status in now.items() if status == S.FAILED and f"send-{i}" in ordered]


async def check_ledger(org: Org) -> None:
    await assert_ledger_balances(org.id)
    async with unit_of_work() as session:
        unbalanced = (await session.execute(text(readme_ledger_check()))).all()
    assert unbalanced == [], unbalanced


def doubled(state: ProviderState, org: Org) -> int:
    """Orders placed more than once: per key (the provider's idempotency) and per send (a
    send ordered under a second key, as 'send it again' would)."""
    keys = orders_of(state, org)
    per_send = Counter(state.orders[key]["order"]["send_id"] for key in keys)
    return sum(state.placed[key] - 1 for key in keys) + sum(n - 1 for n in per_send.values())


async def test_provider_time_outs_never_fail_an_ordered_gift_and_all_get_settled(
    org: Org,
    database: str,
    redis_url: str,
    http: httpx.AsyncClient,
    processes: Processes,
    provider: tuple[str, ProviderState],
) -> None:
    provider_url, state = provider
    state.stall_seconds = 2.0
    state.sku_scripts.update(SCRIPTS)
    ids = await setup(
        org, budget=PRICE * PER_SCRIPT * len(SCRIPTS), price=PRICE, provider=GiftProvider.HTTP
    )
    items = {
        sku: await make_item(
            org, price=PRICE, provider=GiftProvider.HTTP, sku=sku, inventory=PER_SCRIPT
        )
        for sku in SCRIPTS
    }
    env = worker_env(
        database,
        redis_url,
        provider_url,
        fulfilment_timeout_seconds="0.5",
        fulfil_max_attempts="2",
        fulfil_lease_seconds="2",
    )
    worker = await processes.worker(env, threads=4)
    marketer, advocate = apis(http, org)

    # 1. The worker alone: every send ends FULFILLED, FAILED or waiting for reconciliation.
    sends: dict[int, str] = {}
    for sku, item_id in items.items():
        for _ in range(PER_SCRIPT):
            send_id = await offer_and_redeem(
                marketer, advocate, {**ids, "itemId": item_id}, [worker]
            )
            sends[send_id] = sku

    async def all_answered() -> bool:
        now = await statuses(sends)
        return all(s in (S.FULFILLED, S.FAILED, S.NEEDS_RECONCILIATION) for s in now.values())

    await eventually(all_answered, "every send to be tried", [worker], deadline_seconds=240)
    before = await statuses(sends)
    waiting = sorted(i for i, s in before.items() if s == S.NEEDS_RECONCILIATION)
    assert await failed_while_ordered(sends, state, org) == [], report(
        "FAILED while ordered", [worker]
    )
    assert sorted(sends[i] for i in waiting) == sorted(
        sku for sku in SCRIPTS for _ in range(PER_SCRIPT) if sku in UNKNOWN
    )
    expected_now = {"REFUSED": S.FAILED, "DOWN": S.FAILED, "FINE": S.FULFILLED}
    for send_id, sku in sends.items():
        if sku in expected_now:
            assert before[send_id] == expected_now[sku], (sku, before[send_id])
    await check_ledger(org)

    # 2. The scheduler's order lookups settle every waiting send, exactly once. The operator
    # also allows a third attempt, so a send the provider never placed is ordered again (same
    # key) before it fails: that attempt stalls too, and its own lookup fails it.
    worker.kill()
    env["ADVOCACY_FULFIL_MAX_ATTEMPTS"] = "3"
    worker = await processes.worker(env, threads=4)
    scheduler = processes.scheduler(env, interval_seconds=1.0)
    watched: list[Process] = [worker, scheduler]

    async def all_settled() -> bool:
        now = await statuses(sends)
        return all(s in (S.FULFILLED, S.FAILED) for s in now.values())

    await eventually(all_settled, "every unknown send to be reconciled", watched, 120)
    after = await statuses(sends)
    async with unit_of_work() as session:
        references = dict(
            (
                await session.execute(
                    select(col(GiftSend.id), col(GiftSend.provider_reference)).where(
                        col(GiftSend.id).in_(list(sends))
                    )
                )
            ).all()
        )
        fulfilled_events = Counter(
            (
                await session.scalars(
                    select(col(GiftEvent.send_id)).where(
                        col(GiftEvent.send_id).in_(list(sends)), GiftEvent.kind == "FULFILLED"
                    )
                )
            ).all()
        )
    for send_id, sku in sends.items():
        if sku in PLACED:
            assert after[send_id] == S.FULFILLED, (sku, after[send_id])
            assert references[send_id] == f"ord-send-{send_id}"
            assert fulfilled_events[send_id] == 1
        else:
            assert after[send_id] == S.FAILED, (sku, after[send_id])
        if sku == "STALLED-NOT-PLACED":  # looked up, ordered again, looked up, failed
            assert state.requests_by_key[f"send-{send_id}"] == 3
            assert state.lookups[f"send-{send_id}"] >= 2
    assert await failed_while_ordered(sends, state, org) == []
    assert doubled(state, org) == 0
    assert sorted(orders_of(state, org)) == sorted(
        f"send-{i}" for i, sku in sends.items() if sku in PLACED
    )
    await check_ledger(org)

    lookups = sum(state.lookups[f"send-{i}"] for i in waiting)
    settled_placed = sum(1 for i in waiting if after[i] == S.FULFILLED)
    print(
        f"\nreconciliation fault test: sends={len(sends)} "
        f"timed_out_requests={state.stalled} needs_reconciliation={len(waiting)} "
        f"reconciled_fulfilled={settled_placed} "
        f"reconciled_failed={len(waiting) - settled_placed} lookups={lookups} "
        f"failed_while_ordered=0 doubled={doubled(state, org)} "
        f"(main would have FAILED {settled_placed} ordered send(s))"
    )
