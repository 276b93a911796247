"""Fulfilling a redeemed gift, exactly once, even with retries, duplicates, killed workers and
provider time-outs.

Three short transactions around the provider call (never a transaction held open across it):

1. claim: REDEEMED → FULFILLING (or take over a FULFILLING send whose lease ran out), counting
   the attempt; zero rows means it's done, closed, or another worker holds it → nothing to do.
2. the provider call, keyed ``send-<id>``: a repeated call is the same order at the provider.
3. settle: FULFILLING → FULFILLED with the reference, spending the reservation — a conditional
   UPDATE, so the spend happens once whoever gets there first. A transient error hands the
   send back (→ REDEEMED) for the retry; a refusal fails it (→ FAILED, budget and stock back).

A time-out is not a refusal: the provider may have placed the order and never said so. An
attempt that timed out (or a worker lost mid-call, whose claim is taken over) marks the send's
``reconciliation_reason``; when the attempts run out on such a send (or a later attempt is
refused) it is never failed and released — it waits in NEEDS_RECONCILIATION, its budget still
reserved, until an order lookup (``reconciliation.py``) or a marketer settles it. Only a send
whose every attempt was a clear "no" (429, 503, no connection) or a refusal is FAILED.

A worker killed between 1 and 3 leaves a FULFILLING row whose lease runs out; the sweeper
enqueues it again (``sweep_stuck``) and step 1 takes it over.
"""

from __future__ import annotations

import datetime as dt
import logging

import dramatiq
from sqlalchemy import ColumnElement, func, literal, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import Advocate
from advocacy.config import get_settings
from advocacy.gifting import budget, lifecycle
from advocacy.gifting.models import GiftItem, GiftSend, GiftSendStatus, ShippingDetails
from advocacy.gifting.providers import (
    Order,
    PermanentFulfilmentError,
    TransientFulfilmentError,
    UnknownOutcomeError,
    provider_for,
)
from advocacy.kit.db import utcnow
from advocacy.kit.jobs import job_unit_of_work

log = logging.getLogger("advocacy.fulfilment")

WORKER = "worker"
REDEEMED = GiftSendStatus.REDEEMED
FULFILLING = GiftSendStatus.FULFILLING
NEEDS_RECONCILIATION = GiftSendStatus.NEEDS_RECONCILIATION


class RetryLater(dramatiq.Retry):
    """The provider failed transiently; the send is back in REDEEMED for the next attempt."""


def idempotency_key(send_id: int) -> str:
    return f"send-{send_id}"


def _first_unknown(reason: str) -> object:
    """Keep the first reason an attempt's outcome became unknown (later ones add nothing)."""
    return func.coalesce(col(GiftSend.reconciliation_reason), literal(reason[:2000]))


async def _claim(session: AsyncSession, send_id: int) -> GiftSend | None:
    now = utcnow()
    claimed = await lifecycle.transition(
        session,
        send_id,
        REDEEMED,
        FULFILLING,
        claimed_at=now,
        fulfil_attempts=col(GiftSend.fulfil_attempts) + 1,
    )
    if claimed is not None:
        return claimed
    # A FULFILLING send whose lease ran out: its worker died, perhaps inside the provider call,
    # so that attempt's outcome is unknown.
    stale = now - dt.timedelta(seconds=get_settings().fulfil_lease_seconds)
    return await lifecycle.transition(
        session,
        send_id,
        FULFILLING,
        FULFILLING,
        col(GiftSend.claimed_at) < stale,
        claimed_at=now,
        fulfil_attempts=col(GiftSend.fulfil_attempts) + 1,
        reconciliation_reason=_first_unknown(
            "a worker was lost during an attempt: the order may be placed"
        ),
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


async def settle(
    session: AsyncSession,
    send_id: int,
    from_: GiftSendStatus | tuple[GiftSendStatus, ...],
    reference: str,
    actor: str,
    **detail: object,
) -> GiftSend | None:
    """→ FULFILLED with the provider's reference, spending the reservation; ``None`` if the
    send wasn't in ``from_`` (someone settled it first: nothing happens twice)."""
    send = await lifecycle.transition(
        session,
        send_id,
        from_,
        GiftSendStatus.FULFILLED,
        provider_reference=reference[:200],
        fulfilled_at=utcnow(),
    )
    if send is None:
        return None
    await lifecycle.record_event(session, send, "FULFILLED", actor, reference=reference, **detail)
    if send.shipping_country is not None:
        await _schedule_purge(session, send_id)
    await budget.spend(
        session, send.organization_id, send.program_id, send_id, send.reserved_amount
    )
    return send


async def fail(
    session: AsyncSession,
    send_id: int,
    from_: GiftSendStatus | tuple[GiftSendStatus, ...],
    reason: str,
    actor: str,
    *conditions: ColumnElement[bool],
    **detail: object,
) -> GiftSend | None:
    """→ FAILED with ``reason``, releasing budget and stock; ``None`` if it wasn't in ``from_``
    or ``conditions`` don't hold. Only for a send known not to be ordered (a refusal, a clear
    "no" on every attempt, or an order the provider says it doesn't have)."""
    failed = await lifecycle.close(
        session,
        send_id,
        from_,
        GiftSendStatus.FAILED,
        actor,
        *conditions,
        failure_reason=reason,
        **detail,
    )
    if failed is not None and failed.shipping_country is not None:
        await _schedule_purge(session, send_id)
    return failed


async def _settle(send_id: int, reference: str, attempt: int) -> None:
    """A reference is definitive whoever asked: it settles the send even if a later attempt
    (after a takeover) handed it back or left it waiting for reconciliation."""
    async with job_unit_of_work() as session:
        settled = await settle(
            session,
            send_id,
            (REDEEMED, FULFILLING, NEEDS_RECONCILIATION),
            reference,
            WORKER,
            attempt=attempt,
        )
        if settled is None:
            log.info("send %s was settled by another worker", send_id)


async def _fail(send_id: int, reason: str, attempt: int, *conditions: ColumnElement[bool]) -> None:
    async with job_unit_of_work() as session:
        failed = await fail(
            session, send_id, (REDEEMED, FULFILLING), reason, WORKER, *conditions, attempt=attempt
        )
        if failed is not None:
            log.warning("send %s failed after %d attempt(s): %s", send_id, attempt, reason)


async def _await_reconciliation(send_id: int, reason: str, attempt: int) -> None:
    """The attempts ran out without a definitive answer: keep the reservation and wait for an
    order lookup or a marketer (``reconcileGiftSend``)."""
    async with job_unit_of_work() as session:
        send = await lifecycle.transition(
            session,
            send_id,
            FULFILLING,
            NEEDS_RECONCILIATION,
            col(GiftSend.fulfil_attempts) == attempt,
            reconciliation_reason=reason[:2000],
        )
        if send is None:
            return
        await lifecycle.record_event(
            session, send, str(NEEDS_RECONCILIATION), WORKER, attempt=attempt, reason=reason[:500]
        )
        log.warning("send %s needs reconciliation: %s", send_id, reason)


async def _hand_back(send_id: int, reason: str, attempt: int, unknown: bool) -> None:
    async with job_unit_of_work() as session:
        values: dict[str, object] = {}
        if unknown:
            values["reconciliation_reason"] = _first_unknown(f"attempt {attempt}: {reason}")
        send = await lifecycle.transition(
            session,
            send_id,
            FULFILLING,
            REDEEMED,
            col(GiftSend.fulfil_attempts) == attempt,
            **values,
        )
        if send is not None:
            detail: dict[str, object] = {"attempt": attempt, "reason": reason}
            if unknown:
                detail["outcome"] = "unknown"
            await lifecycle.record_event(session, send, "RETRY", WORKER, **detail)


async def fulfil(send_id: int) -> None:
    """Fulfil send ``send_id`` if it is waiting for it; safe to call any number of times.
    Raises ``RetryLater`` after a transient failure that has attempts left."""
    async with job_unit_of_work() as session:
        send = await _claim(session, send_id)
        if send is None:
            return
        attempt = send.fulfil_attempts
        unknown_before = send.reconciliation_reason
        item, order = await _order(session, send)
        await lifecycle.record_event(session, send, "FULFILLING", WORKER, attempt=attempt)
    try:
        provider = provider_for(item.provider)
        reference = await provider.fulfil(order, idempotency_key(send_id))
    except PermanentFulfilmentError as error:
        if unknown_before is not None:
            # A refusal now says nothing certain about an earlier attempt that went unanswered
            # (a provider's idempotency window may have passed; the settings may have changed):
            # the order lookup decides.
            await _await_reconciliation(
                send_id,
                f"attempt {attempt} was refused ({error}) after {unknown_before}",
                attempt,
            )
            return
        await _fail(send_id, f"the provider refused the order: {error}", attempt)
    except TransientFulfilmentError as error:
        unknown = isinstance(error, UnknownOutcomeError)
        if attempt >= get_settings().fulfil_max_attempts:
            if unknown or unknown_before is not None:
                why = f"attempt {attempt}: {error}" if unknown else unknown_before
                await _await_reconciliation(
                    send_id,
                    f"no definitive answer after {attempt} attempts; {why}",
                    attempt,
                )
            else:
                # Not if another worker took the send over meanwhile (its attempt may be out).
                await _fail(
                    send_id,
                    f"gave up after {attempt} attempts: {error}",
                    attempt,
                    col(GiftSend.fulfil_attempts) == attempt,
                    col(GiftSend.reconciliation_reason).is_(None),
                )
            return
        await _hand_back(send_id, str(error), attempt, unknown)
        raise RetryLater(f"send {send_id}: {error}") from error
    else:
        await _settle(send_id, reference, attempt)


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
