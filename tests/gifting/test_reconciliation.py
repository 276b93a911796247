"""Provider time-outs in this process, against the real local HTTP provider: a send whose
outcome is unknown is never FAILED-and-released on its own; it waits in NEEDS_RECONCILIATION
(budget and stock still held) until the order lookup settles it, exactly once. The worker
processes' version is tests/reliability/test_reconciliation.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, update

from advocacy.gifting import fulfilment, reconciliation
from advocacy.gifting.models import GiftEvent, GiftProvider, GiftSend
from advocacy.gifting.models import GiftSendStatus as S
from advocacy.gifting.reconciliation import Outcome
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.webhooks.models import WebhookEvent
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import SentGift, assert_ledger_balances, budget_of, stock_of
from tests.fixtures.processes import eventually
from tests.fixtures.provider_server import ProviderState, running_provider
from tests.gifting.test_fulfilment import SECRET, redeemed, view
from tests.webhooks.conftest import create_endpoint

pytestmark = pytest.mark.usefixtures("job_engine")

GIFT = "query($token: String!) { gift(token: $token) { status } }"


@pytest.fixture
def provider(configure: Callable[..., None]) -> Iterator[ProviderState]:
    """The provider, with a client that gives up after half a second and two attempts."""
    with running_provider(SECRET) as (url, state):
        state.stall_seconds = 2.0
        configure(
            fulfilment_url=url,
            fulfilment_secret=SECRET,
            fulfilment_timeout_seconds=0.5,
            fulfil_max_attempts=2,
        )
        yield state


async def scripted(
    marketer: Api, anonymous: Api, org: Org, state: ProviderState, *script: str
) -> tuple[SentGift, int]:
    """A redeemed HTTP gift whose order requests follow ``script`` at the provider."""
    sku = f"SKU-{'-'.join(script)}"
    state.sku_scripts[sku] = list(script)
    return await redeemed(
        marketer, anonymous, org, provider=GiftProvider.HTTP, sku=sku, inventory=3
    )


async def run_out_of_attempts(send_id: int) -> None:
    """Attempt 1 (handed back for a retry) and attempt 2 (the last)."""
    with pytest.raises(fulfilment.RetryLater):
        await fulfilment.fulfil(send_id)
    await fulfilment.fulfil(send_id)


async def lookup(send_id: int) -> Outcome:
    """The order lookup, as the periodic job runs it once the last attempt is a lease old."""
    return await reconciliation.reconcile(send_id, now=utcnow() + dt.timedelta(hours=1))


async def kinds(send_id: int) -> list[str]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(GiftEvent.kind).where(GiftEvent.send_id == send_id).order_by(GiftEvent.id)  # type: ignore[arg-type]
        )
        return list(rows)


async def assert_waiting(marketer: Api, sent: SentGift, reason: str) -> dict[str, Any]:
    """NEEDS_RECONCILIATION with ``reason``, its budget and stock still held."""
    waiting = await view(marketer, sent)
    assert waiting["status"] == "NEEDS_RECONCILIATION", waiting
    assert waiting["closedAt"] is None and waiting["failureReason"] is None
    budget = await budget_of(marketer, sent.ids["programId"])
    assert (budget["reserved"], budget["spent"]) == (2500, 0)
    assert await stock_of(marketer, sent.ids["itemId"]) == 2
    reconciliation_reason = await marketer(
        "query($id: ID!) { giftSend(id: $id) { reconciliationReason } }", {"id": sent.send_id}
    )
    assert reason in reconciliation_reason["giftSend"]["reconciliationReason"]
    return waiting


async def test_a_time_out_on_the_last_attempt_waits_for_reconciliation_not_failed(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    """The provider places the order and never answers: today's FAILED-and-released would
    let the gift ship with its budget back (and invite a second send)."""
    sent, send_id = await scripted(marketer, anonymous, org, provider, "hang_after")
    await run_out_of_attempts(send_id)
    await fulfilment.fulfil(send_id)  # a late duplicate message changes nothing
    await assert_waiting(marketer, sent, "ReadTimeout")
    assert provider.placed == {f"send-{send_id}": 1}
    assert (await kinds(send_id))[-3:] == ["RETRY", "FULFILLING", "NEEDS_RECONCILIATION"]
    # The advocate sees the gift on its way, not a failure and not our bookkeeping.
    assert (await anonymous(GIFT, {"token": sent.token}))["gift"]["status"] == "FULFILLING"
    await assert_ledger_balances(org.id)


async def test_a_time_out_then_clear_errors_still_waits(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    """Attempt 1 timed out after the provider placed the order, attempt 2 got a 503: the
    503 says nothing about attempt 1's order."""
    sent, send_id = await scripted(marketer, anonymous, org, provider, "hang_after", "unavailable")
    await run_out_of_attempts(send_id)
    await assert_waiting(marketer, sent, "attempt 1")
    await assert_ledger_balances(org.id)


async def test_a_refusal_after_an_unanswered_attempt_is_left_to_the_lookup(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    """Attempt 1 placed the order and went unanswered; attempt 2 is refused (say, the
    provider's idempotency window passed). Failing would release a gift that ships."""
    sent, send_id = await scripted(marketer, anonymous, org, provider, "hang_after", "refuse")
    await run_out_of_attempts(send_id)
    await assert_waiting(marketer, sent, "was refused")
    assert await lookup(send_id) == Outcome.FULFILLED
    await assert_ledger_balances(org.id)


async def test_a_worker_lost_mid_call_counts_as_unknown(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    """A FULFILLING send whose lease ran out is taken over; if the takeover's attempt is the
    last and gets a 503, the lost attempt may still have placed the order."""
    sent, send_id = await scripted(marketer, anonymous, org, provider, "unavailable")
    stale = utcnow() - dt.timedelta(hours=1)
    async with unit_of_work() as session:  # as if a worker claimed attempt 1 and died
        await session.execute(
            update(GiftSend)
            .where(GiftSend.id == send_id)  # type: ignore[arg-type]
            .values(status=S.FULFILLING, claimed_at=stale, fulfil_attempts=1)
        )
    await fulfilment.fulfil(send_id)  # attempt 2 of 2: a 503
    await assert_waiting(marketer, sent, "worker was lost")
    await assert_ledger_balances(org.id)


async def test_server_errors_after_the_provider_placed_the_order_wait_for_the_lookup(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    """The provider writes the order, then answers 500 on every attempt: a 500 can come after
    the order was placed, so the send must not be failed and released (the gift ships)."""
    sent, send_id = await scripted(marketer, anonymous, org, provider, "place_then_fail")
    await run_out_of_attempts(send_id)
    await assert_waiting(marketer, sent, "500")
    assert await lookup(send_id) == Outcome.FULFILLED
    assert provider.placed == {f"send-{send_id}": 1}
    await assert_ledger_balances(org.id)


async def test_unavailable_on_every_attempt_fails_and_releases_at_once(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    """503 (and 429) say "nothing done, ask later": when attempts run out, failing is safe."""
    sent, send_id = await scripted(marketer, anonymous, org, provider, "unavailable")
    await run_out_of_attempts(send_id)
    failed = await view(marketer, sent)
    assert failed["status"] == "FAILED" and "503" in failed["failureReason"]
    assert provider.orders == {}
    await assert_ledger_balances(org.id)


async def test_the_lookup_settles_a_placed_order_once(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState, database: str
) -> None:
    sent, send_id = await scripted(marketer, anonymous, org, provider, "hang_after")
    await run_out_of_attempts(send_id)
    runs = 6 if database.startswith("postgresql") else 1
    outcomes = await asyncio.gather(*(lookup(send_id) for _ in range(runs)))
    assert sorted(outcomes) == sorted([Outcome.FULFILLED] + [Outcome.SETTLED] * (runs - 1))
    done = await view(marketer, sent)
    assert done["status"] == "FULFILLED" and done["providerReference"] == f"ord-send-{send_id}"
    assert (await kinds(send_id)).count("FULFILLED") == 1
    budget = await budget_of(marketer, sent.ids["programId"])
    assert (budget["reserved"], budget["spent"]) == (0, 2500)
    assert await lookup(send_id) == Outcome.SETTLED
    await assert_ledger_balances(org.id)


async def test_an_order_the_provider_never_placed_fails_and_releases(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    """Both attempts stalled before the provider placed anything: the lookup's 404 makes
    failing safe."""
    sent, send_id = await scripted(marketer, anonymous, org, provider, "hang_before")
    await run_out_of_attempts(send_id)
    await assert_waiting(marketer, sent, "may be placed")
    assert await lookup(send_id) == Outcome.FAILED
    failed = await view(marketer, sent)
    assert failed["status"] == "FAILED" and "has no order" in failed["failureReason"]
    budget = await budget_of(marketer, sent.ids["programId"])
    assert (budget["reserved"], budget["spent"]) == (0, 0)
    assert await stock_of(marketer, sent.ids["itemId"]) == 3
    assert provider.orders == {}
    await assert_ledger_balances(org.id)


async def test_unknown_to_the_provider_with_attempts_left_orders_again_with_the_same_key(
    marketer: Api,
    anonymous: Api,
    org: Org,
    provider: ProviderState,
    configure: Callable[..., None],
) -> None:
    sent, send_id = await scripted(
        marketer, anonymous, org, provider, "hang_before", "hang_before", "ok"
    )
    await run_out_of_attempts(send_id)
    configure(fulfil_max_attempts=3)  # an operator allows one more
    assert await lookup(send_id) == Outcome.RETRY
    assert (await view(marketer, sent))["status"] == "REDEEMED"
    await fulfilment.fulfil(send_id)
    done = await view(marketer, sent)
    assert done["status"] == "FULFILLED" and done["fulfilAttempts"] == 3
    assert provider.placed == {f"send-{send_id}": 1}
    await assert_ledger_balances(org.id)


async def test_a_not_placed_answer_counts_only_if_no_attempt_started_meanwhile(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    """While the lookup waits for its answer, another attempt runs (a duplicate lookup ordered
    it again) and ends waiting again: this lookup's 404 predates that attempt's request, so it
    must neither fail the send nor order again."""
    sent, send_id = await scripted(marketer, anonymous, org, provider, "hang_before")
    await run_out_of_attempts(send_id)
    provider.lookup_gate = threading.Event()
    asking = asyncio.create_task(lookup(send_id))

    async def asked() -> bool:
        return provider.lookups[f"send-{send_id}"] > 0

    await eventually(asked, "the lookup to reach the provider")
    async with unit_of_work() as session:
        await session.execute(
            update(GiftSend)
            .where(GiftSend.id == send_id)  # type: ignore[arg-type]
            .values(fulfil_attempts=GiftSend.fulfil_attempts + 1, claimed_at=utcnow())
        )
    provider.lookup_gate.set()
    assert await asking == Outcome.SETTLED
    await assert_waiting(marketer, sent, "may be placed")
    await assert_ledger_balances(org.id)


async def test_a_lookup_that_fails_or_times_out_leaves_the_send_waiting(
    marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    sent, send_id = await scripted(marketer, anonymous, org, provider, "hang_after")
    await run_out_of_attempts(send_id)
    provider.lookup_fail_next, provider.lookup_hang_next = 1, 1
    assert await lookup(send_id) == Outcome.UNKNOWN  # 503
    assert await lookup(send_id) == Outcome.UNKNOWN  # time-out
    await assert_waiting(marketer, sent, "ReadTimeout")
    assert await lookup(send_id) == Outcome.FULFILLED
    await assert_ledger_balances(org.id)


async def test_a_send_is_looked_up_once_its_last_attempt_is_a_lease_old(
    marketer: Api,
    anonymous: Api,
    org: Org,
    provider: ProviderState,
    configure: Callable[..., None],
) -> None:
    """A request of the last attempt may still be on its way to the provider: the lookup
    waits a lease (``ADVOCACY_FULFIL_LEASE_SECONDS``) so a 404 means "never placed"."""
    _, send_id = await scripted(marketer, anonymous, org, provider, "hang_after")
    await run_out_of_attempts(send_id)
    configure(fulfil_lease_seconds=600)
    async with unit_of_work() as session:
        assert send_id not in await reconciliation.due_for_lookup(session)
        later = utcnow() + dt.timedelta(seconds=601)
        assert send_id in await reconciliation.due_for_lookup(session, now=later)
    # A lookup rung early anyway (a duplicate message, a retry the lookup itself ordered)
    # waits too.
    assert await reconciliation.reconcile(send_id) == Outcome.TOO_EARLY
    assert provider.lookups[f"send-{send_id}"] == 0
    assert await reconciliation.reconcile(send_id, now=later) == Outcome.FULFILLED


async def test_waiting_for_reconciliation_raises_a_webhook_event(
    admin: Api, marketer: Api, anonymous: Api, org: Org, provider: ProviderState
) -> None:
    await create_endpoint(
        admin, "https://crm.example/hooks", "GIFT_NEEDS_RECONCILIATION", "GIFT_FULFILLED"
    )
    sent, send_id = await scripted(marketer, anonymous, org, provider, "hang_after")
    await run_out_of_attempts(send_id)
    await lookup(send_id)
    async with unit_of_work() as session:
        events = (
            await session.scalars(
                select(WebhookEvent)
                .where(WebhookEvent.organization_id == org.id)
                .order_by(WebhookEvent.id)  # type: ignore[arg-type]
            )
        ).all()
    assert [e.type for e in events] == ["gift.needs_reconciliation", "gift.fulfilled"]
    waiting = events[0].payload
    assert waiting["status"] == "NEEDS_RECONCILIATION" and waiting["id"] == sent.send_id
    assert "ReadTimeout" in waiting["reconciliationReason"]
