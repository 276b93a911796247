"""Fulfilment in this process (the worker-process faults are in tests/reliability): exactly one
spend, retries hand the send back, the last attempt fails it and releases its budget, a
stale claim is taken over, and the embedded worker fulfils a redeemed gift by itself."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from advocacy.gifting import fulfilment
from advocacy.gifting.models import GiftProvider, GiftSend, GiftSendStatus, ShippingDetails
from advocacy.graphql.ids import decode_id
from advocacy.kit import jobs
from advocacy.kit.db import unit_of_work, utcnow
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import SentGift, assert_ledger_balances, budget_of, send_one, setup
from tests.fixtures.provider_server import running_provider

pytestmark = pytest.mark.usefixtures("job_engine")

REDEEM = """
mutation($input: RedeemGiftInput!) {
  redeemGift(input: $input) { gift { status } errors { field code } }
}
"""
VIEW = """
query($id: ID!) {
  giftSend(id: $id) {
    status providerReference failureReason fulfilAttempts fulfilledAt closedAt
    amount { amount } events { kind actor }
  }
}
"""
SECRET = "provider-test-secret"


async def redeemed(api: Api, anonymous: Api, org: Org, **item: Any) -> tuple[SentGift, int]:
    sent = await send_one(api, await setup(org, **item))
    address = {"name": "Ada", "line1": "1 Main St", "city": "Berlin", "country": "DE"}
    result = await anonymous(REDEEM, {"input": {"token": sent.token, "shippingAddress": address}})
    assert result["redeemGift"]["errors"] == []
    return sent, decode_id(sent.send_id, "GiftSend", "id")


async def view(api: Api, sent: SentGift) -> dict[str, Any]:
    result: dict[str, Any] = (await api(VIEW, {"id": sent.send_id}))["giftSend"]
    return result


async def test_fulfilment_spends_once_and_schedules_the_address_purge(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    sent, send_id = await redeemed(marketer, anonymous, org, kind="PHYSICAL", regions=["DE"])
    await fulfilment.fulfil(send_id)
    await fulfilment.fulfil(send_id)  # a duplicate message finds it done
    done = await view(marketer, sent)
    assert done["status"] == "FULFILLED" and done["providerReference"].startswith("sandbox-")
    assert done["fulfilAttempts"] == 1 and done["fulfilledAt"] is not None
    assert [e["kind"] for e in done["events"]] == ["OFFERED", "REDEEMED", "FULFILLING", "FULFILLED"]
    budget = await budget_of(marketer, sent.ids["programId"])
    assert (budget["reserved"], budget["spent"]) == (0, 2500)
    async with unit_of_work() as session:
        shipping = await session.get(ShippingDetails, send_id)
    assert shipping is not None and shipping.purge_after is not None
    assert shipping.purge_after > utcnow()
    await assert_ledger_balances(org.id)


async def test_transient_errors_hand_the_send_back_then_it_succeeds_with_one_order(
    marketer: Api, anonymous: Api, org: Org, configure: Callable[..., None]
) -> None:
    with running_provider(SECRET) as (url, provider):
        configure(fulfilment_url=url, fulfilment_secret=SECRET)
        sent, send_id = await redeemed(marketer, anonymous, org, provider=GiftProvider.HTTP)
        provider.fail_next = 2
        for _ in range(2):
            with pytest.raises(fulfilment.RetryLater):
                await fulfilment.fulfil(send_id)
            assert (await view(marketer, sent))["status"] == "REDEEMED"
        await fulfilment.fulfil(send_id)
    done = await view(marketer, sent)
    assert done["status"] == "FULFILLED" and done["fulfilAttempts"] == 3
    assert list(provider.orders) == [f"send-{send_id}"]
    kinds = [e["kind"] for e in done["events"]]
    assert kinds == ["OFFERED", "REDEEMED"] + ["FULFILLING", "RETRY"] * 2 + [
        "FULFILLING",
        "FULFILLED",
    ]
    await assert_ledger_balances(org.id)


async def test_the_last_attempt_fails_the_send_and_releases_budget_and_stock(
    marketer: Api, anonymous: Api, org: Org, configure: Callable[..., None]
) -> None:
    with running_provider(SECRET) as (url, provider):
        configure(fulfilment_url=url, fulfilment_secret=SECRET, fulfil_max_attempts=2)
        sent, send_id = await redeemed(
            marketer, anonymous, org, provider=GiftProvider.HTTP, inventory=4
        )
        provider.fail_next = 5
        with pytest.raises(fulfilment.RetryLater):
            await fulfilment.fulfil(send_id)
        await fulfilment.fulfil(send_id)  # attempt 2 of 2: gives up without raising
        await fulfilment.fulfil(send_id)  # a late duplicate changes nothing
    failed = await view(marketer, sent)
    assert failed["status"] == "FAILED" and "gave up after 2 attempts" in failed["failureReason"]
    assert failed["closedAt"] is not None and provider.orders == {}
    budget = await budget_of(marketer, sent.ids["programId"])
    assert (budget["reserved"], budget["spent"]) == (0, 0)
    stock = await marketer(
        "query($id: ID!) { giftItem(id: $id) { inventory } }", {"id": sent.ids["itemId"]}
    )
    assert stock["giftItem"]["inventory"] == 4
    await assert_ledger_balances(org.id)


async def test_a_refused_order_fails_at_once(
    marketer: Api, anonymous: Api, org: Org, configure: Callable[..., None]
) -> None:
    with running_provider(SECRET) as (url, provider):
        configure(fulfilment_url=url, fulfilment_secret=SECRET)
        sent, send_id = await redeemed(
            marketer, anonymous, org, provider=GiftProvider.HTTP, sku="DISCONTINUED"
        )
        provider.refuse_skus.add("DISCONTINUED")
        await fulfilment.fulfil(send_id)
    failed = await view(marketer, sent)
    assert failed["status"] == "FAILED" and "refused" in failed["failureReason"]
    await assert_ledger_balances(org.id)


async def test_a_stale_claim_is_swept_and_taken_over(
    marketer: Api, anonymous: Api, org: Org, configure: Callable[..., None]
) -> None:
    configure(fulfil_lease_seconds=60)
    sent, send_id = await redeemed(marketer, anonymous, org)
    async with unit_of_work() as session:  # as if a worker claimed it and died
        await session.execute(
            update(GiftSend)
            .where(GiftSend.id == send_id)  # type: ignore[arg-type]
            .values(status=GiftSendStatus.FULFILLING, claimed_at=utcnow(), fulfil_attempts=1)
        )
    async with unit_of_work() as session:
        assert send_id not in await fulfilment.stuck_send_ids(session)
    await fulfilment.fulfil(send_id)  # the lease holds: nothing happens
    assert (await view(marketer, sent))["status"] == "FULFILLING"

    configure(fulfil_lease_seconds=1)
    await asyncio.sleep(1.1)
    async with unit_of_work() as session:
        assert send_id in await fulfilment.stuck_send_ids(session)
    await fulfilment.fulfil(send_id)
    done = await view(marketer, sent)
    assert done["status"] == "FULFILLED" and done["fulfilAttempts"] == 2
    await assert_ledger_balances(org.id)


async def test_concurrent_fulfilment_of_one_send_spends_once(
    marketer: Api, anonymous: Api, org: Org, database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    sent, send_id = await redeemed(marketer, anonymous, org)
    await asyncio.gather(*(fulfilment.fulfil(send_id) for _ in range(8)))
    done = await view(marketer, sent)
    assert done["status"] == "FULFILLED" and done["fulfilAttempts"] == 1
    await assert_ledger_balances(org.id)


async def test_the_embedded_worker_fulfils_a_redeemed_gift(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    """What `make run` does: the redeem enqueues after commit, the in-process worker fulfils."""
    worker = jobs.start_embedded_worker(threads=1)
    assert worker is not None
    try:
        sent, send_id = await redeemed(marketer, anonymous, org)
        for _ in range(200):
            if (await view(marketer, sent))["status"] == "FULFILLED":
                break
            await asyncio.sleep(0.05)
    finally:
        worker.stop()
    async with unit_of_work() as session:
        status = await session.scalar(select(GiftSend.status).where(GiftSend.id == send_id))  # type: ignore[arg-type]
    assert status == GiftSendStatus.FULFILLED
    await assert_ledger_balances(org.id)
