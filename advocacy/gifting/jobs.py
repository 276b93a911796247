"""Gifting actors. Messages carry ids only; every actor re-reads its rows and is idempotent
(DESIGN.md §2: the broker is a doorbell)."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.config import get_settings
from advocacy.gifting import emails, fulfilment, periodic, reconciliation
from advocacy.kit import jobs

log = logging.getLogger("advocacy.gifting.jobs")


def _fulfil_time_limit_ms() -> int:
    return int((get_settings().fulfilment_timeout_seconds + 60) * 1000)


@jobs.actor(
    "gifting.fulfil",
    queue="fulfilment",
    max_retries=60,
    min_backoff_ms=1_000,
    max_backoff_ms=5 * 60_000,
    time_limit_ms=_fulfil_time_limit_ms(),
    transactional=False,
)
async def fulfil(send_id: int) -> None:
    """Fulfil a redeemed send. The database counts attempts and decides when to give up
    (``ADVOCACY_FULFIL_MAX_ATTEMPTS``); Dramatiq's retry limit is only a backstop."""
    await fulfilment.fulfil(send_id)


@jobs.actor(
    "gifting.reconcile_send",
    queue="fulfilment",
    max_retries=3,
    time_limit_ms=_fulfil_time_limit_ms(),
    transactional=False,
)
async def reconcile_send(send_id: int) -> None:
    """Settle a send whose provider outcome is unknown by an order lookup; a lookup that
    fails leaves it waiting for the next ``reconcile_unknown_sends``."""
    outcome = await reconciliation.reconcile(send_id)
    if outcome == reconciliation.Outcome.RETRY:
        fulfil.send(send_id=send_id)  # back in REDEEMED, committed; the sweeper backs this up
    elif outcome != reconciliation.Outcome.SETTLED:
        log.info("send %s reconciled by order lookup: %s", send_id, outcome)


@jobs.actor("gifting.reconcile_unknown_sends", queue="periodic", max_retries=3)
async def reconcile_unknown_sends(session: AsyncSession) -> None:
    """Ring ``reconcile_send`` for every send waiting for reconciliation whose last attempt
    is a lease old."""
    due = await reconciliation.due_for_lookup(session)
    if due:
        log.warning("looking up %d gift send(s) whose provider outcome is unknown", len(due))
    for send_id in due:
        jobs.enqueue_after_commit(session, reconcile_send, send_id=send_id)


@jobs.actor("gifting.send_offer_email", queue="email")
async def send_offer_email(session: AsyncSession, send_id: int) -> None:
    await emails.send_offer_email(session, send_id)


@jobs.actor("gifting.send_reminder", queue="email")
async def send_reminder(session: AsyncSession, send_id: int) -> None:
    await emails.send_reminder_email(session, send_id)


@jobs.actor("gifting.expire_offers", queue="periodic", max_retries=3)
async def expire_offers(session: AsyncSession) -> None:
    """One batch per message; a full batch enqueues the next after commit."""
    moved = await periodic.expire_offers(session)
    if moved:
        log.info("expired %d gift offer(s)", moved)
    if moved >= periodic.EXPIRY_BATCH:
        jobs.enqueue_after_commit(session, expire_offers)


@jobs.actor("gifting.remind_offers", queue="periodic", max_retries=3)
async def remind_offers(session: AsyncSession) -> None:
    for send_id in await periodic.offers_to_remind(session):
        jobs.enqueue_after_commit(session, send_reminder, send_id=send_id)


@jobs.actor("gifting.sweep_stuck", queue="periodic", max_retries=3)
async def sweep_stuck(session: AsyncSession, lease_seconds: int | None = None) -> None:
    """Ring the doorbell again for sends a lost message or a killed worker left waiting
    longer than ``lease_seconds`` (default ``ADVOCACY_FULFIL_LEASE_SECONDS``; 0 when an
    in-memory broker starts, see ``scheduler.enqueue_start_up_sweep``)."""
    stuck = await fulfilment.stuck_send_ids(session, lease_seconds=lease_seconds)
    if stuck:
        log.warning("re-enqueueing %d stuck gift send(s)", len(stuck))
    for send_id in stuck:
        jobs.enqueue_after_commit(session, fulfil, send_id=send_id)
    unsent = await periodic.offers_not_emailed(session, lease_seconds=lease_seconds)
    if unsent:
        log.warning("re-enqueueing %d offer email(s) never sent", len(unsent))
    for send_id in unsent:
        jobs.enqueue_after_commit(session, send_offer_email, send_id=send_id)


@jobs.actor("gifting.purge_shipping", queue="periodic", max_retries=3)
async def purge_shipping(session: AsyncSession) -> None:
    purged = await periodic.purge_shipping(session)
    if purged:
        log.info("purged %d shipping address(es) past retention", purged)


PERIODIC = (expire_offers, remind_offers, sweep_stuck, reconcile_unknown_sends, purge_shipping)
"""What ``advocacy scheduler`` enqueues every ``ADVOCACY_SCHEDULER_INTERVAL_SECONDS``."""
