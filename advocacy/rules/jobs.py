"""Gift rule actors. Services record a ``RuleEvent`` in their own transaction and ring
``evaluate`` after commit; a sweep re-rings events a lost message left behind, and the engine's
run table makes a second run of the same event a no-op."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.kit import jobs
from advocacy.kit.db import utcnow
from advocacy.rules.models import RuleEvent, RuleTrigger

SWEEP_AFTER = dt.timedelta(minutes=5)


@jobs.actor("rules.evaluate", queue="default")
async def evaluate(session: AsyncSession, event_id: int) -> None:
    from advocacy.rules import engine

    claimed = await session.execute(
        update(RuleEvent)
        .where(col(RuleEvent.id) == event_id, col(RuleEvent.processed_at).is_(None))
        .values(processed_at=utcnow())
        .returning(col(RuleEvent.id))
    )
    if claimed.first() is None:
        return  # done already (a duplicate message, or the sweep got there first)
    event = await session.get_one(RuleEvent, event_id, populate_existing=True)
    await engine.evaluate(
        session,
        event.organization_id,
        RuleTrigger(event.trigger),
        event.advocate_id,
        event.event_key,
        event.milestone_kind,
    )


@jobs.actor("rules.sweep_events", queue="periodic", max_retries=3)
async def sweep_events(session: AsyncSession) -> None:
    """Ring again for events whose message was lost (broker down at commit, retries spent)."""
    stale = utcnow() - SWEEP_AFTER
    waiting = await session.scalars(
        select(col(RuleEvent.id))
        .where(col(RuleEvent.processed_at).is_(None), col(RuleEvent.created_at) < stale)
        .order_by(col(RuleEvent.id))
        .limit(1000)
    )
    for event_id in waiting:
        jobs.enqueue_after_commit(session, evaluate, event_id=event_id)


@jobs.actor("rules.anniversaries", queue="periodic", max_retries=3)
async def anniversaries(session: AsyncSession) -> None:
    from advocacy.rules import engine

    await engine.fire_anniversaries(session)


async def record_event(
    session: AsyncSession,
    organization_id: int,
    trigger: RuleTrigger,
    advocate_id: int,
    event_key: str,
    milestone_kind: str | None = None,
) -> None:
    """What services call when something a rule may react to has happened: the event is saved
    with their work and evaluated by a worker once it commits."""
    event = RuleEvent(
        organization_id=organization_id,
        trigger=trigger,
        advocate_id=advocate_id,
        event_key=event_key,
        milestone_kind=milestone_kind,
    )
    session.add(event)
    await session.flush()
    jobs.enqueue_after_commit(session, evaluate, event_id=event.id)


PERIODIC = (anniversaries, sweep_events)
