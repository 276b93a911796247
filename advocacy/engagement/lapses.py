"""Lapse detection: ACTIVE advocates with no engagement for their policy's ``lapse_after_days``
become LAPSED, in set-based batches (never a Python loop over advocates).

Safe to run twice or on two schedulers at once: each batch picks its rows with ``FOR UPDATE
SKIP LOCKED`` on PostgreSQL and the UPDATE re-checks ``status = 'ACTIVE'``, so an advocate
lapses once; every change is recorded in ``advocate_status_change``, the row the nudge job
answers (and webhooks will read). What a lapse leads to — an email, a gift, nothing — is the
nudge job's decision (:mod:`advocacy.engagement.nudges`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.engagement.models import AdvocateStatusChange
from advocacy.engagement.policy import policy_groups
from advocacy.kit.db import utcnow
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit_for_rows

BATCH = 1000
ADVOCATE = Advocate.__table__  # type: ignore[attr-defined]
CHANGE = AdvocateStatusChange.__table__  # type: ignore[attr-defined]


def last_seen() -> ColumnElement[dt.datetime]:
    """When the advocate was last engaged (joining counts as engagement)."""
    return func.coalesce(ADVOCATE.c.last_engaged_at, ADVOCATE.c.created_at)


async def _lapse_batch(
    session: AsyncSession,
    where: ColumnElement[bool],
    cutoff: dt.datetime,
    now: dt.datetime,
    after_id: int,
) -> tuple[int, int]:
    """Lapse the next batch of due advocates with ids above ``after_id``: (how many, the last
    id looked at). Walking the ids forward (keyset) keeps each batch as cheap as the first;
    restarting from the lowest id made every batch re-read the rows before it."""
    due = (
        select(ADVOCATE.c.id)
        .where(
            ADVOCATE.c.status == AdvocateStatus.ACTIVE,
            ADVOCATE.c.id > after_id,
            where,
            last_seen() < cutoff,
        )
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
            .returning(ADVOCATE.c.id, ADVOCATE.c.organization_id)
        )
    ).all()
    if not lapsed:
        return 0, after_id
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
    by_organization: dict[int, list[int]] = {}
    for row in lapsed:
        by_organization.setdefault(row.organization_id, []).append(row.id)
    await emit_for_rows(
        session, EventType.ADVOCATE_LAPSED, ADVOCATE, by_organization, payloads.advocate
    )
    return len(lapsed), max(row.id for row in lapsed)


async def detect_lapses(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Lapse every advocate that is due, one batch after another; how many lapsed."""
    now = now or utcnow()
    total = 0
    for group in await policy_groups(session):
        cutoff = now - dt.timedelta(days=group.policy.lapse_after_days)
        after_id = 0
        while True:
            moved, after_id = await _lapse_batch(session, group.where, cutoff, now, after_id)
            total += moved
            if moved < BATCH:
                break
    return total
