"""Fulfilment under faults, with every part real: ``advocacy serve``, ``advocacy worker``
(Dramatiq on Redis) and ``advocacy scheduler`` run as processes against PostgreSQL, and the
gift goes to the local HTTP provider (tests/fixtures/provider_server.py). A marketer sends
through the API, the worker emails the offer, the advocate redeems through the API, and the
API enqueues the fulfilment after commit.

Whatever fails (the provider, a worker, the broker), each gift ends FULFILLED with exactly one
order at the provider, its budget spent once, and the ledger balanced (DESIGN.md §2, §7).
No timing assertions: every wait is a poll with a generous deadline.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
import redis
from sqlmodel import col, select

from advocacy.gifting.models import GiftEvent, GiftItemKind, GiftProvider, GiftSend
from advocacy.gifting.models import GiftSendStatus as S
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.kit.db import unit_of_work
from advocacy.tenancy.models import Role
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import assert_ledger_balances, budget_of, send_one, setup
from tests.fixtures.processes import (
    PrivateRedis,
    Process,
    Processes,
    eventually,
    redis_server_available,
    report,
    service_env,
)
from tests.fixtures.provider_server import ProviderState
from tests.reliability.conftest import PROVIDER_SECRET

REDEEM = """
mutation Redeem($input: RedeemGiftInput!) {
  redeemGift(input: $input) { gift { status } errors { field code message } }
}
"""
GIFT_SEND = """
query($id: ID!) {
  giftSend(id: $id) {
    status providerReference fulfilAttempts amount { amount currency } events { kind actor }
  }
}
"""
ADDRESS = {"name": "Maya Chen", "line1": "1 Main St", "city": "Toronto", "country": "CA"}
HTTP_ITEM: dict[str, Any] = {"provider": GiftProvider.HTTP, "sku": "CARD-25"}
DELAYED = "fulfilment.DQ"
"""Dramatiq's queue for fulfilment messages waiting for their retry time."""
CONNECTION_ERROR = "] [CRITICAL] Consumer encountered a connection error"


def worker_env(database: str, redis_url: str, provider_url: str, **settings: str) -> dict[str, str]:
    return service_env(
        database,
        redis_url,
        fulfilment_url=provider_url,
        fulfilment_secret=PROVIDER_SECRET,
        **settings,
    )


def apis(http: httpx.AsyncClient, org: Org) -> tuple[Api, Api]:
    """The marketer (API token) and the advocate (no token: the gift link is the credential)."""
    return Api(http, org.tokens[Role.MARKETER]), Api(http, None)


async def row(send_id: int) -> GiftSend:
    async with unit_of_work() as session:
        return await session.get_one(GiftSend, send_id)


async def events_of(send_id: int) -> list[GiftEvent]:
    async with unit_of_work() as session:
        return list(
            await session.scalars(
                select(GiftEvent).where(GiftEvent.send_id == send_id).order_by(col(GiftEvent.id))
            )
        )


async def kinds_of(send_id: int) -> list[str]:
    return [event.kind for event in await events_of(send_id)]


def orders_of(state: ProviderState, org: Org) -> list[str]:
    """The idempotency keys of the orders the provider holds for ``org``. The sweeper works on
    the whole database, so the provider may also see stuck sends other test modules left."""
    return sorted(
        key for key, order in state.orders.items() if order["order"]["organization_id"] == org.id
    )


def fulfil_messages(client: redis.Redis) -> int:
    """Fulfilment messages Redis holds: queued, delayed, or fetched by a worker and not acked."""
    return sum(int(client.hlen(f"dramatiq:{queue}.msgs")) for queue in ("fulfilment", DELAYED))


async def offer_and_redeem(
    marketer: Api,
    advocate: Api,
    ids: dict[str, str],
    processes: Sequence[Process],
    address: dict[str, str] | None = None,
) -> int:
    """Send a gift through the API, wait for the worker to email the offer, and redeem it
    through the API with the token from the link; the send's id."""
    sent = await send_one(marketer, ids)
    send_id = decode_id(sent.send_id, "GiftSend", "id")

    async def emailed() -> bool:
        return (await row(send_id)).offer_emailed_at is not None

    await eventually(emailed, f"the worker to email the offer of send {send_id}", processes)
    variables = {"input": {"token": sent.token, "shippingAddress": address}}
    result = (await advocate(REDEEM, variables))["redeemGift"]
    assert result["errors"] == [], result["errors"]
    assert result["gift"]["status"] == "REDEEMED"
    return send_id


async def until_fulfilled(send_ids: Sequence[int], processes: Sequence[Process]) -> None:
    """Wait until every send is FULFILLED; fail at once if one FAILED."""

    async def all_fulfilled() -> bool:
        rows = [await row(send_id) for send_id in send_ids]
        failed = [r for r in rows if r.status == S.FAILED]
        if failed:
            raise AssertionError(report(f"send(s) FAILED: {failed}", processes))
        return all(r.status == S.FULFILLED for r in rows)

    await eventually(all_fulfilled, f"sends {list(send_ids)} to be FULFILLED", processes)


async def test_send_redeem_and_a_worker_fulfil_end_to_end(
    org: Org,
    database: str,
    redis_url: str,
    api_server: tuple[Process, str],
    http: httpx.AsyncClient,
    processes: Processes,
    provider: tuple[str, ProviderState],
) -> None:
    """sendGift → the worker emails the offer → redeemGift (the API enqueues to Redis after
    commit) → the worker orders from the provider → FULFILLED, spent once, full history."""
    provider_url, state = provider
    ids = await setup(
        org,
        budget=10_000,
        name="Branded mug",
        kind=GiftItemKind.PHYSICAL,
        price=1500,
        provider=GiftProvider.HTTP,
        sku="MUG-01",
        regions=["CA", "US"],
    )
    worker = await processes.worker(worker_env(database, redis_url, provider_url))
    watched = [worker, api_server[0]]
    marketer, advocate = apis(http, org)

    send_id = await offer_and_redeem(marketer, advocate, ids, watched, address=ADDRESS)
    await until_fulfilled([send_id], watched)

    key = f"send-{send_id}"
    view = (await marketer(GIFT_SEND, {"id": encode_id("GiftSend", send_id)}))["giftSend"]
    assert view["status"] == "FULFILLED"
    assert view["providerReference"] == f"ord-{key}"
    assert view["fulfilAttempts"] == 1
    assert view["amount"] == {"amount": 1500, "currency": "USD"}
    events = view["events"]
    assert [e["kind"] for e in events] == [
        "OFFERED",
        "EMAILED",
        "REDEEMED",
        "FULFILLING",
        "FULFILLED",
    ]
    assert events[0]["actor"].startswith("token:")  # the marketer's
    assert [e["actor"] for e in events[1:]] == ["worker", "advocate", "worker", "worker"]
    assert await budget_of(marketer, ids["programId"]) == {
        "total": 10_000,
        "reserved": 0,
        "spent": 1500,
        "remaining": 8500,
    }
    assert orders_of(state, org) == [key]
    order = state.orders[key]["order"]
    assert (order["sku"], order["amount"], order["currency"]) == ("MUG-01", 1500, "USD")
    assert order["shipping"]["country"] == "CA" and order["shipping"]["line1"] == "1 Main St"
    assert state.attempts == 1
    await assert_ledger_balances(org.id)


async def test_provider_503_twice_then_200_makes_one_order(
    org: Org,
    database: str,
    redis_url: str,
    http: httpx.AsyncClient,
    processes: Processes,
    provider: tuple[str, ProviderState],
) -> None:
    """Two 503s: the send goes back to REDEEMED and Dramatiq retries it with backoff; the third
    call succeeds. One order, three attempts, each failure in the history."""
    provider_url, state = provider
    ids = await setup(org, **HTTP_ITEM)
    worker = await processes.worker(worker_env(database, redis_url, provider_url))
    marketer, advocate = apis(http, org)
    state.fail_next = 2

    send_id = await offer_and_redeem(marketer, advocate, ids, [worker])
    await until_fulfilled([send_id], [worker])

    key = f"send-{send_id}"
    assert orders_of(state, org) == [key]
    assert state.attempts == 3
    fulfilled = await row(send_id)
    assert fulfilled.provider_reference == f"ord-{key}"
    assert fulfilled.fulfil_attempts == 3
    assert await kinds_of(send_id) == [
        "OFFERED",
        "EMAILED",
        "REDEEMED",
        "FULFILLING",
        "RETRY",
        "FULFILLING",
        "RETRY",
        "FULFILLING",
        "FULFILLED",
    ]
    retries = [e.detail for e in await events_of(send_id) if e.kind == "RETRY"]
    assert [r["reason"] for r in retries] == ["provider answered 503"] * 2
    assert (await budget_of(marketer, ids["programId"]))["spent"] == 2500
    await assert_ledger_balances(org.id)


async def test_provider_timeout_after_accepting_is_retried_with_the_same_key(
    org: Org,
    database: str,
    redis_url: str,
    http: httpx.AsyncClient,
    processes: Processes,
    provider: tuple[str, ProviderState],
) -> None:
    """The provider takes the order but answers after the worker gave up: the retry sends the
    same idempotency key, so it gets the same order back instead of making a second."""
    provider_url, state = provider
    ids = await setup(org, **HTTP_ITEM)
    env = worker_env(database, redis_url, provider_url, fulfilment_timeout_seconds="1")
    worker = await processes.worker(env)
    marketer, advocate = apis(http, org)
    state.hang_after_accepting_seconds = 3.0  # longer than the worker waits

    send_id = await offer_and_redeem(marketer, advocate, ids, [worker])
    await until_fulfilled([send_id], [worker])

    key = f"send-{send_id}"
    assert state.hang_after_accepting_seconds == 0.0  # an order was accepted, then stalled
    assert orders_of(state, org) == [key]  # and the retry, with the same key, made no second
    fulfilled = await row(send_id)
    assert fulfilled.provider_reference == f"ord-{key}"
    assert fulfilled.fulfil_attempts == state.attempts >= 2
    kinds = await kinds_of(send_id)
    assert kinds[:4] == ["OFFERED", "EMAILED", "REDEEMED", "FULFILLING"]
    assert kinds[-2:] == ["FULFILLING", "FULFILLED"] and kinds.count("FULFILLED") == 1
    retries = [e.detail for e in await events_of(send_id) if e.kind == "RETRY"]
    assert retries and all("ReadTimeout" in str(r["reason"]) for r in retries), retries
    assert (await budget_of(marketer, ids["programId"]))["spent"] == 2500
    await assert_ledger_balances(org.id)


async def test_a_worker_killed_mid_fulfilment_is_recovered_by_the_sweeper(
    org: Org,
    database: str,
    redis_url: str,
    http: httpx.AsyncClient,
    processes: Processes,
    provider: tuple[str, ProviderState],
) -> None:
    """SIGKILL the worker while it waits on the provider: the send stays FULFILLING and its
    message stays unacknowledged with the dead worker. A new worker plus the scheduler's sweep
    take it over once its lease runs out, and the provider sees the same order again."""
    provider_url, state = provider
    ids = await setup(org, **HTTP_ITEM)
    # The provider accepts the order and then stalls, so the worker is inside the call.
    state.hang_after_accepting_seconds = 6.0
    first = await processes.worker(
        worker_env(database, redis_url, provider_url, fulfilment_timeout_seconds="30")
    )
    marketer, advocate = apis(http, org)
    send_id = await offer_and_redeem(marketer, advocate, ids, [first])
    key = f"send-{send_id}"

    async def inside_the_provider_call() -> bool:
        return key in state.orders and (await row(send_id)).status == S.FULFILLING

    await eventually(inside_the_provider_call, "the worker to be mid-fulfilment", [first])
    first.kill()  # SIGKILL to the whole process group: no cleanup, no ack, no hand-back
    assert (await row(send_id)).status == S.FULFILLING

    # A new worker, and the scheduler ringing the sweep every second; the send's lease is 2 s.
    env = worker_env(database, redis_url, provider_url, fulfil_lease_seconds="2")
    second = await processes.worker(env)
    scheduler = processes.scheduler(env, interval_seconds=1.0)
    await until_fulfilled([send_id], [second, scheduler])

    assert orders_of(state, org) == [key]  # the call after the restart was the same order
    assert state.attempts >= 2
    fulfilled = await row(send_id)
    assert fulfilled.provider_reference == f"ord-{key}"
    assert fulfilled.fulfil_attempts >= 2
    kinds = await kinds_of(send_id)
    assert kinds[:4] == ["OFFERED", "EMAILED", "REDEEMED", "FULFILLING"]
    assert kinds[-1] == "FULFILLED" and kinds.count("FULFILLED") == 1
    assert kinds.count("FULFILLING") >= 2 and "RETRY" not in kinds
    assert re.search(r"re-enqueueing \d+ stuck gift send", second.output())  # the sweeper
    assert (await budget_of(marketer, ids["programId"]))["spent"] == 2500
    await assert_ledger_balances(org.id)


@pytest.mark.skipif(not redis_server_available(), reason="needs redis-server in PATH")
async def test_nothing_is_lost_when_redis_restarts_with_sends_pending(
    org: Org,
    database: str,
    processes: Processes,
    provider: tuple[str, ProviderState],
) -> None:
    """A non-persistent Redis crashes while every send waits for a fulfilment retry and comes
    back empty. The worker reconnects by itself, the sweeper re-enqueues what the database
    says is waiting, and every send is fulfilled once."""
    provider_url, state = provider
    broker = PrivateRedis(processes)  # not persistent: a restart loses every message
    await broker.start()
    count = 4
    ids = await setup(org, budget=count * 2500, **HTTP_ITEM)
    env = worker_env(
        database,
        broker.url,
        provider_url,
        fulfil_lease_seconds="2",
        fulfil_max_attempts="20",
    )
    env["dramatiq_restart_delay"] = "500"  # Dramatiq's consumer reconnect delay (ms)
    (api, url), worker = await asyncio.gather(
        processes.api(service_env(database, broker.url)), processes.worker(env)
    )
    watched = [api, worker]
    state.fail_next = 1_000_000  # the provider is down until Redis comes back

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        marketer, advocate = apis(http, org)
        send_ids = [await offer_and_redeem(marketer, advocate, ids, watched) for _ in range(count)]

        async def all_waiting_for_a_retry() -> bool:
            rows = [await row(send_id) for send_id in send_ids]
            return all(r.status == S.REDEEMED and r.fulfil_attempts >= 1 for r in rows)

        await eventually(all_waiting_for_a_retry, "every send to be tried and handed back", watched)
        with broker.client() as client:
            assert fulfil_messages(client) >= count  # each send's retry waits in Redis

        broker.crash()

        async def worker_saw_the_outage() -> bool:
            # The consumer holding the delayed retries drops them when its connection fails.
            return f"ConsumerThread({DELAYED}){CONNECTION_ERROR}" in worker.output()

        await eventually(worker_saw_the_outage, "the worker to notice Redis is gone", [worker])
        assert S.FULFILLED not in [(await row(send_id)).status for send_id in send_ids]
        state.fail_next = 0
        await broker.start()  # same port, empty
        with broker.client() as client:
            assert fulfil_messages(client) == 0  # every message was lost with the restart
        scheduler = processes.scheduler(service_env(database, broker.url))
        watched = [worker, scheduler]
        await until_fulfilled(send_ids, watched)

        keys = sorted(f"send-{send_id}" for send_id in send_ids)
        assert orders_of(state, org) == keys  # every gift once, none twice
        for send_id in send_ids:
            fulfilled = await row(send_id)
            assert fulfilled.provider_reference == f"ord-send-{send_id}"
            assert (await kinds_of(send_id)).count("FULFILLED") == 1
        assert await budget_of(marketer, ids["programId"]) == {
            "total": count * 2500,
            "reserved": 0,
            "spent": count * 2500,
            "remaining": 0,
        }
    await assert_ledger_balances(org.id)
