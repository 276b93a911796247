"""Fulfilling a redeemed gift, exactly once, even with retries, duplicates and killed workers.

Three short transactions around the provider call (never a transaction held open across it):

1. claim: REDEEMED → FULFILLING (or take over a FULFILLING send whose lease ran out), counting
   the attempt; zero rows means it's done, closed, or another worker holds it → nothing to do.
2. the provider call, keyed ``send-<id>``: a repeated call is the same order at the provider.
3. settle: FULFILLING/REDEEMED → FULFILLED with the reference, spending the reservation — a
   conditional UPDATE, so the spend happens once whoever gets there first. A transient error
   hands the send back (→ REDEEMED) for the retry; after the last attempt, or on a permanent
   error, → FAILED with the reason, releasing budget and stock.

A worker killed between 1 and 3 leaves a FULFILLING row whose lease runs out; the sweeper
enqueues it again (``sweep_stuck``) and step 1 takes it over.
"""

from __future__ import annotations

import datetime as dt
import logging

import dramatiq
from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import Advocate
from advocacy.config import get_settings
from advocacy.db import utcnow
from advocacy.gifting import budget, lifecycle
from advocacy.gifting.models import GiftItem, GiftSend, GiftSendStatus, ShippingDetails
from advocacy.gifting.providers import (
    Order,
    PermanentFulfilmentError,
    TransientFulfilmentError,
    provider_for,
)
from advocacy.jobs import job_unit_of_work

log = logging.getLogger("advocacy.fulfilment")

WORKER = "worker"
REDEEMED = GiftSendStatus.REDEEMED
FULFILLING = GiftSendStatus.FULFILLING


class RetryLater(dramatiq.Retry):
    """The provider failed transiently; the send is back in REDEEMED for the next attempt."""


def idempotency_key(send_id: int) -> str:
    return f"send-{send_id}"


async def _claim(session: AsyncSession, send_id: int) -> GiftSend | None:
    now = utcnow()
    stale = now - dt.timedelta(seconds=get_settings().fulfil_lease_seconds)
    return await lifecycle.transition(
        session,
        send_id,
        (REDEEMED, FULFILLING),
        FULFILLING,
        or_(col(GiftSend.status) == REDEEMED, col(GiftSend.claimed_at) < stale),
        claimed_at=now,
        fulfil_attempts=col(GiftSend.fulfil_attempts) + 1,
    )


async def _order(session: AsyncSession, send: GiftSend) -> tuple[GiftItem, Order]:
    item = await session.get_one(GiftItem, send.item_id)
    advocate = await session.get_one(Advocate, send.advocate_id)
    # Only a redemption with an address records a shipping country; skip the lookup otherwise.
    shipping = None
    if send.shipping_country is not None:
        shipping = await session.get(ShippingDetails, send.id)
    address = None
    if shipping is not None:
        address = {
            "name": shipping.name,
            "line1": shipping.line1,
            "line2": shipping.line2 or "",
            "city": shipping.city,
            "region": shipping.region or "",
            "postal_code": shipping.postal_code or "",
            "country": shipping.country,
            "phone": shipping.phone or "",
        }
    assert send.id is not None
    order = Order(
        send_id=send.id,
        organization_id=send.organization_id,
        sku=item.sku,
        item_name=item.name,
        kind=str(item.kind),
        amount=send.reserved_amount,
        currency=send.currency,
        recipient_email=advocate.email,
        recipient_name=advocate.name,
        shipping=address,
    )
    return item, order


async def _schedule_purge(session: AsyncSession, send_id: int) -> None:
    purge_after = utcnow() + dt.timedelta(days=get_settings().shipping_retention_days)
    await session.execute(
        update(ShippingDetails)
        .where(col(ShippingDetails.send_id) == send_id)
        .values(purge_after=purge_after)
    )


async def _settle(send_id: int, reference: str, attempt: int, has_address: bool) -> None:
    async with job_unit_of_work() as session:
        now = utcnow()
        send = await lifecycle.transition(
            session,
            send_id,
            (REDEEMED, FULFILLING),
            GiftSendStatus.FULFILLED,
            provider_reference=reference,
            fulfilled_at=now,
        )
        if send is None:
            log.info("send %s was settled by another worker", send_id)
            return
        await lifecycle.record_event(
            session, send, "FULFILLED", WORKER, reference=reference, attempt=attempt
        )
        if has_address:
            await _schedule_purge(session, send_id)
        await budget.spend(
            session, send.organization_id, send.program_id, send_id, send.reserved_amount
        )


async def _fail(send_id: int, reason: str, attempt: int, has_address: bool) -> None:
    async with job_unit_of_work() as session:
        failed = await lifecycle.close(
            session,
            send_id,
            (REDEEMED, FULFILLING),
            GiftSendStatus.FAILED,
            WORKER,
            failure_reason=reason,
            attempt=attempt,
        )
        if failed is not None and has_address:
            await _schedule_purge(session, send_id)
            log.warning("send %s failed after %d attempt(s): %s", send_id, attempt, reason)


async def _hand_back(send_id: int, reason: str, attempt: int) -> None:
    async with job_unit_of_work() as session:
        send = await lifecycle.transition(
            session, send_id, FULFILLING, REDEEMED, col(GiftSend.fulfil_attempts) == attempt
        )
        if send is not None:
            await lifecycle.record_event(
                session, send, "RETRY", WORKER, attempt=attempt, reason=reason
            )


async def fulfil(send_id: int) -> None:
    """Fulfil send ``send_id`` if it is waiting for it; safe to call any number of times.
    Raises ``RetryLater`` after a transient failure that has attempts left."""
    async with job_unit_of_work() as session:
        send = await _claim(session, send_id)
        if send is None:
            return
        attempt = send.fulfil_attempts
        item, order = await _order(session, send)
        has_address = order.shipping is not None
        await lifecycle.record_event(session, send, "FULFILLING", WORKER, attempt=attempt)
    try:
        provider = provider_for(item.provider)
        reference = await provider.fulfil(order, idempotency_key(send_id))
    except PermanentFulfilmentError as error:
        await _fail(send_id, f"the provider refused the order: {error}", attempt, has_address)
    except TransientFulfilmentError as error:
        if attempt >= get_settings().fulfil_max_attempts:
            await _fail(send_id, f"gave up after {attempt} attempts: {error}", attempt, has_address)
            return
        await _hand_back(send_id, str(error), attempt)
        raise RetryLater(f"send {send_id}: {error}") from error
    else:
        await _settle(send_id, reference, attempt, has_address)


async def stuck_send_ids(
    session: AsyncSession, limit: int = 1000, lease_seconds: int | None = None
) -> list[int]:
    """Sends waiting on a worker longer than the lease (``ADVOCACY_FULFIL_LEASE_SECONDS``
    unless given): lost messages, killed workers. Ringing again is always safe: the claim
    re-checks the real lease, so a send another worker holds stays with it."""
    if lease_seconds is None:
        lease_seconds = get_settings().fulfil_lease_seconds
    stale = utcnow() - dt.timedelta(seconds=lease_seconds)
    waiting_since = col(GiftSend.claimed_at)
    rows = await session.scalars(
        select(col(GiftSend.id))
        .where(
            or_(
                (col(GiftSend.status) == REDEEMED)
                & or_(
                    waiting_since < stale,
                    waiting_since.is_(None) & (col(GiftSend.redeemed_at) < stale),
                ),
                (col(GiftSend.status) == FULFILLING) & (waiting_since < stale),
            )
        )
        .order_by(col(GiftSend.id))
        .limit(limit)
    )
    return [send_id for send_id in rows if send_id is not None]
