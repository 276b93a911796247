"""Lapse detection: ACTIVE advocates with no engagement for their organization's
``lapse_after_days`` become LAPSED, in set-based batches (never a Python loop over advocates).

Safe to run twice or on two schedulers at once: each batch picks its rows with ``FOR UPDATE
SKIP LOCKED`` on PostgreSQL and the UPDATE re-checks ``status = 'ACTIVE'``, so an advocate
lapses once; every change is recorded, and an ADVOCATE_LAPSED rule event is written with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.db import utcnow
from advocacy.engagement.models import (
    DEFAULT_LAPSE_AFTER_DAYS,
    AdvocateStatusChange,
    EngagementPolicy,
)
from advocacy.jobs import enqueue_after_commit
from advocacy.rules.models import RuleEvent, RuleTrigger

BATCH = 1000
ADVOCATE = Advocate.__table__  # type: ignore[attr-defined]
POLICY = EngagementPolicy.__table__  # type: ignore[attr-defined]
CHANGE = AdvocateStatusChange.__table__  # type: ignore[attr-defined]
RULE_EVENT = RuleEvent.__table__  # type: ignore[attr-defined]


async def _cutoffs(
    session: AsyncSession, now: dt.datetime
) -> tuple[dict[int, dt.datetime], dt.datetime]:
    """Per-organization cutoffs for organizations with a policy, and the default cutoff."""
    policies = (
        await session.execute(select(POLICY.c.organization_id, POLICY.c.lapse_after_days))
    ).all()
    default = now - dt.timedelta(days=DEFAULT_LAPSE_AFTER_DAYS)
    return {org: now - dt.timedelta(days=days) for org, days in policies}, default


async def _lapse_batch(session: AsyncSession, where: Any, now: dt.datetime) -> int:
    last_seen = func.coalesce(ADVOCATE.c.last_engaged_at, ADVOCATE.c.created_at)
    due = (
        select(ADVOCATE.c.id)
        .where(ADVOCATE.c.status == AdvocateStatus.ACTIVE, where(last_seen))
        .order_by(ADVOCATE.c.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    lapsed = (
        await session.execute(
            update(ADVOCATE)
            .where(
                ADVOCATE.c.id.in_(due.scalar_subquery()), ADVOCATE.c.status == AdvocateStatus.ACTIVE
            )
            .values(status=AdvocateStatus.LAPSED, updated_at=now)
            .returning(ADVOCATE.c.id, ADVOCATE.c.organization_id, ADVOCATE.c.last_engaged_at)
        )
    ).all()
    if not lapsed:
        return 0
    await session.execute(
        insert(CHANGE),
        [
            {
                "organization_id": row.organization_id,
                "advocate_id": row.id,
                "from_status": AdvocateStatus.ACTIVE,
                "to_status": AdvocateStatus.LAPSED,
                "reason": "NO_ENGAGEMENT",
                "actor": "system",
                "created_at": now,
            }
            for row in lapsed
        ],
    )
    events = await session.execute(
        insert(RULE_EVENT).returning(RULE_EVENT.c.id),
        [
            {
                "organization_id": row.organization_id,
                "trigger": RuleTrigger.ADVOCATE_LAPSED,
                "advocate_id": row.id,
                "event_key": f"lapse:{row.id}:"
                + (row.last_engaged_at.isoformat() if row.last_engaged_at else "never"),
                "created_at": now,
            }
            for row in lapsed
        ],
    )
    from advocacy.rules.jobs import evaluate

    for (event_id,) in events.all():
        enqueue_after_commit(session, evaluate, event_id=event_id)
    return len(lapsed)


async def detect_lapses(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Lapse every advocate that is due, one batch after another; how many lapsed."""
    now = now or utcnow()
    cutoffs, default = await _cutoffs(session, now)
    total = 0
    groups: list[Any] = [
        (lambda seen, org=org, cutoff=cutoff: (ADVOCATE.c.organization_id == org) & (seen < cutoff))
        for org, cutoff in cutoffs.items()
    ]
    groups.append(
        lambda seen: ADVOCATE.c.organization_id.not_in(list(cutoffs) or [0]) & (seen < default)
    )
    for where in groups:
        while True:
            moved = await _lapse_batch(session, where, now)
            total += moved
            if moved < BATCH:
                break
    return total
