"""Settling sends whose provider outcome is unknown (NEEDS_RECONCILIATION), exactly once.

A time-out tells nothing: the provider may have placed the order. Such a send keeps its
reservation until one of two things settles it:

- **an order lookup** by the send's idempotency key (``reconcile``, rung per send by the
  periodic ``gifting.reconcile_unknown_sends`` once the last attempt is a lease old, so a
  request still on its way has arrived): placed → FULFILLED with the provider's reference and
  the reservation spent; unknown to the provider → safe to order again with the same key, or
  FAILED with budget and stock back when the attempts are used up; a lookup that itself fails
  or times out leaves the send waiting for the next round.
- **a marketer** (``reconcile_gift_send``, the ``reconcileGiftSend`` mutation) who checked
  with the provider by hand.

Either way the move is one conditional UPDATE from NEEDS_RECONCILIATION, so whoever comes
second changes nothing: one SPEND or one RELEASE per send, never both.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.config import get_settings
from advocacy.gifting import fulfilment, lifecycle
from advocacy.gifting.models import GiftItem, GiftSend, GiftSendStatus
from advocacy.gifting.providers import FulfilmentError, provider_for
from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.jobs import job_unit_of_work
from advocacy.kit.validation import Checker
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal, actor_of

log = logging.getLogger("advocacy.gifting.reconciliation")

NEEDS_RECONCILIATION = GiftSendStatus.NEEDS_RECONCILIATION
LOOKUP_BATCH = 200


class Outcome(enum.StrEnum):
    """What an order lookup found, or what a marketer decided."""

    FULFILLED = "FULFILLED"
    FAILED = "FAILED"
    RETRY = "RETRY"
    """The provider has no such order and attempts are left: ordered again, same key."""
    UNKNOWN = "UNKNOWN"
    """The lookup didn't answer: the send waits for the next round."""
    TOO_EARLY = "TOO_EARLY"
    """The last attempt is less than a lease old (a request of it may still be on its way to
    the provider, so a 404 would prove nothing): not looked up yet."""
    SETTLED = "SETTLED"
    """Nothing to do: someone settled it first (or it never needed it)."""


async def due_for_lookup(
    session: AsyncSession, now: dt.datetime | None = None, limit: int = LOOKUP_BATCH
) -> list[int]:
    """Sends waiting for reconciliation whose last attempt is older than the lease: any order
    request of that attempt has reached the provider by now or never will."""
    stale = _lease_start(now or utcnow())
    rows = await session.scalars(
        select(col(GiftSend.id))
        .where(
            col(GiftSend.status) == NEEDS_RECONCILIATION,
            col(GiftSend.claimed_at).is_(None) | (col(GiftSend.claimed_at) < stale),
        )
        .order_by(col(GiftSend.id))
        .limit(limit)
    )
    return [send_id for send_id in rows if send_id is not None]


def _lease_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=get_settings().fulfil_lease_seconds)


async def reconcile(send_id: int, now: dt.datetime | None = None) -> Outcome:
    """Ask the provider what became of send ``send_id``'s order and settle it accordingly; safe
    to call any number of times, concurrently too. No transaction is held across the call, and
    a "not placed" answer only counts if no attempt started since the lookup was decided on
    (each attempt counts itself in ``fulfil_attempts``)."""
    async with job_unit_of_work() as session:
        send = await session.get(GiftSend, send_id)
        if send is None or send.status != NEEDS_RECONCILIATION:
            return Outcome.SETTLED
        if send.claimed_at is not None and send.claimed_at >= _lease_start(now or utcnow()):
            return Outcome.TOO_EARLY
        item = await session.get_one(GiftItem, send.item_id)
        attempts = send.fulfil_attempts
    key = fulfilment.idempotency_key(send_id)
    try:
        reference = await provider_for(item.provider).lookup(key)
    except FulfilmentError as error:
        log.warning("send %s: order lookup failed, it keeps waiting: %s", send_id, error)
        return Outcome.UNKNOWN
    async with job_unit_of_work() as session:
        if reference is not None:
            settled = await fulfilment.settle(
                session, send_id, NEEDS_RECONCILIATION, reference, fulfilment.WORKER, by="lookup"
            )
            return Outcome.FULFILLED if settled else Outcome.SETTLED
        if attempts < get_settings().fulfil_max_attempts:
            again = await lifecycle.transition(
                session,
                send_id,
                NEEDS_RECONCILIATION,
                GiftSendStatus.REDEEMED,
                col(GiftSend.fulfil_attempts) == attempts,
            )
            if again is None:
                return Outcome.SETTLED
            await lifecycle.record_event(
                session,
                again,
                "RETRY",
                fulfilment.WORKER,
                attempt=attempts,
                reason=f"the provider has no order {key}: ordering again with the same key",
            )
            return Outcome.RETRY  # the caller rings gifting.fulfil (this has committed then)
        failed = await fulfilment.fail(
            session,
            send_id,
            NEEDS_RECONCILIATION,
            f"the provider has no order {key} (order lookup) after {attempts} attempts",
            fulfilment.WORKER,
            col(GiftSend.fulfil_attempts) == attempts,
            by="lookup",
        )
        return Outcome.FAILED if failed else Outcome.SETTLED


@dataclass
class Reconciliation:
    """A marketer's decision on one send: ``outcome`` FULFILLED (with the provider's reference)
    or FAILED, and ``note`` saying why (it goes into the history)."""

    send_id: int
    outcome: Outcome
    provider_reference: str | None = None
    note: str | None = None


async def reconcile_gift_send(
    session: AsyncSession, principal: Principal, decision: Reconciliation
) -> GiftSend:
    """A marketer settles a send waiting for reconciliation, once: FULFILLED spends the
    reservation, FAILED releases it and the stock. A second call, or one that loses a race with
    the lookup, gets INVALID_STATE and changes nothing."""
    principal.require(Role.MARKETER)
    check = Checker()
    note = check.text("note", decision.note, max_length=500)
    reference = check.text(
        "providerReference",
        decision.provider_reference,
        max_length=200,
        required=decision.outcome == Outcome.FULFILLED,
    )
    if decision.outcome == Outcome.FAILED and reference is not None:
        check.fail(
            "providerReference",
            ErrorCode.INVALID,
            "a failed gift has no provider reference; leave providerReference out",
        )
    if decision.outcome not in (Outcome.FULFILLED, Outcome.FAILED):
        check.fail("outcome", ErrorCode.INVALID, "outcome must be FULFILLED or FAILED")
    check.done()
    assert note is not None
    send = await session.scalar(
        select(GiftSend).where(
            col(GiftSend.id) == decision.send_id,
            col(GiftSend.organization_id) == principal.organization_id,
        )
    )
    if send is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such gift", "giftSendId")
    actor = actor_of(principal)
    if decision.outcome == Outcome.FULFILLED:
        assert reference is not None
        settled = await fulfilment.settle(
            session, decision.send_id, NEEDS_RECONCILIATION, reference, actor, note=note, by="hand"
        )
    else:
        settled = await fulfilment.fail(
            session,
            decision.send_id,
            NEEDS_RECONCILIATION,
            f"reconciled by hand: {note}",
            actor,
            note=note,
            by="hand",
        )
    if settled is None:
        now = await session.scalar(
            select(col(GiftSend.status)).where(col(GiftSend.id) == decision.send_id)
        )
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"only a NEEDS_RECONCILIATION gift can be reconciled; it is {now}",
            "giftSendId",
        )
    return settled
