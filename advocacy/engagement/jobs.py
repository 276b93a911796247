"""Engagement actors: lapse detection, nudges and asks are periodic (enqueued by the
scheduler); each nudge email is its own message, rung after the claiming commit."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.kit import jobs

log = logging.getLogger("advocacy.engagement")


@jobs.actor("engagement.detect_lapses", queue="periodic", max_retries=3, time_limit_ms=15 * 60_000)
async def detect_lapses(session: AsyncSession) -> None:
    from advocacy.engagement import lapses

    lapsed = await lapses.detect_lapses(session)
    if lapsed:
        log.info("%d advocate(s) lapsed", lapsed)
        jobs.enqueue_after_commit(session, send_nudges)


@jobs.actor("engagement.send_nudges", queue="periodic", max_retries=3)
async def send_nudges(session: AsyncSession) -> None:
    """Claim the nudges that are due; re-ring emails a lost message left unsent."""
    from advocacy.engagement import nudges

    claimed = await nudges.send_due_nudges(session)
    if claimed:
        log.info("%d nudge(s) due", claimed)
    for nudge_id in await nudges.ring_unsent_email_nudges(session):
        jobs.enqueue_after_commit(session, send_nudge_email, nudge_id=nudge_id)


@jobs.actor("engagement.send_nudge_email", queue="email")
async def send_nudge_email(session: AsyncSession, nudge_id: int) -> None:
    from advocacy.engagement import nudges

    await nudges.send_nudge_email(session, nudge_id)


@jobs.actor("engagement.send_asks", queue="periodic", max_retries=3)
async def send_asks(session: AsyncSession) -> None:
    """Schedule the asks policies call for, then send (or retry, or close) the due ones."""
    from advocacy.engagement import asks

    opened = await asks.open_policy_asks(session)
    claimed = await asks.claim_due_asks(session)
    if opened or claimed:
        log.info("%d ask(s) scheduled, %d email(s) due", opened, claimed)
    await asks.ring_unsent_asks(session)


@jobs.actor("engagement.send_ask_email", queue="email")
async def send_ask_email(session: AsyncSession, ask_id: int, attempt: int) -> None:
    from advocacy.engagement import asks

    await asks.send_ask_email(session, ask_id, attempt)


PERIODIC = (detect_lapses, send_nudges, send_asks)
