"""Periodic gift housekeeping, run by jobs the scheduler enqueues. Each is set-based and safe
to run twice at once (two schedulers, a retried message): rows move by conditional UPDATE, and
PostgreSQL's ``SKIP LOCKED`` keeps concurrent runs off each other's rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from advocacy.config import get_settings
from advocacy.gifting.models import (
    BudgetEntry,
    BudgetEntryKind,
    GiftEvent,
    GiftItem,
    GiftSend,
    GiftSendStatus,
    ShippingDetails,
)
from advocacy.kit.db import utcnow
from advocacy.kit.live import publish_after_commit
from advocacy.programs.models import Program
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit_for_rows

EXPIRY_BATCH = 500
SEND = GiftSend.__table__  # type: ignore[attr-defined]


async def expire_offers(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """OFFERED sends past their expiry → EXPIRED, one batch: budget and stock come back, an
    event per send. Returns how many moved (call again while it's a full batch)."""
    now = now or utcnow()
    due = (
        select(SEND.c.id)
        .where(SEND.c.status == GiftSendStatus.OFFERED, SEND.c.expires_at <= now)
        .order_by(SEND.c.id)
        .limit(EXPIRY_BATCH)
        .with_for_update(skip_locked=True)
    )
    moved = (
        await session.execute(
            update(SEND)
            .where(SEND.c.id.in_(due.scalar_subquery()), SEND.c.status == GiftSendStatus.OFFERED)
            .values(status=GiftSendStatus.EXPIRED, closed_at=now, updated_at=now)
            .returning(
                SEND.c.id,
                SEND.c.organization_id,
                SEND.c.program_id,
                SEND.c.item_id,
                SEND.c.reserved_amount,
            )
        )
    ).all()
    if not moved:
        return 0
    released: defaultdict[int, int] = defaultdict(int)
    units = Counter(row.item_id for row in moved)
    ledger: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row in moved:
        events.append(
            {
                "organization_id": row.organization_id,
                "send_id": row.id,
                "kind": str(GiftSendStatus.EXPIRED),
                "actor": "system",
                "detail": {"released": row.reserved_amount},
                "created_at": now,
            }
        )
        if row.reserved_amount > 0:
            released[row.program_id] += row.reserved_amount
            ledger.append(
                {
                    "organization_id": row.organization_id,
                    "program_id": row.program_id,
                    "send_id": row.id,
                    "kind": BudgetEntryKind.RELEASE,
                    "amount": row.reserved_amount,
                    "created_at": now,
                }
            )
    for program_id, amount in sorted(released.items()):
        await session.execute(
            update(Program)
            .where(col(Program.id) == program_id)
            .values(budget_reserved=col(Program.budget_reserved) - amount)
        )
    for item_id, count in sorted(units.items()):
        await session.execute(
            update(GiftItem)
            .where(col(GiftItem.id) == item_id, col(GiftItem.inventory).is_not(None))
            .values(inventory=col(GiftItem.inventory) + count)
        )
    if ledger:
        await session.execute(insert(BudgetEntry), ledger)
    await session.execute(insert(GiftEvent), events)
    expired: defaultdict[int, list[int]] = defaultdict(list)
    for row in moved:
        expired[row.organization_id].append(row.id)
        publish_after_commit(
            session, row.organization_id, kind="gift_send", programId=row.program_id, sendId=row.id
        )
    await emit_for_rows(session, EventType.GIFT_EXPIRED, SEND, expired, payloads.gift_send)
    return len(moved)


async def offers_to_remind(session: AsyncSession, now: dt.datetime | None = None) -> list[int]:
    """OFFERED sends expiring within the reminder window that haven't been reminded, and were
    sent more than a day ago (a short offer doesn't get its reminder right after the offer)."""
    days = get_settings().gift_reminder_days
    if days <= 0:
        return []
    now = now or utcnow()
    rows = await session.scalars(
        select(SEND.c.id)
        .where(
            SEND.c.status == GiftSendStatus.OFFERED,
            SEND.c.reminded_at.is_(None),
            SEND.c.expires_at > now,
            SEND.c.expires_at <= now + dt.timedelta(days=days),
            SEND.c.created_at <= now - dt.timedelta(days=1),
        )
        .order_by(SEND.c.id)
        .limit(1000)
    )
    return list(rows)


async def offers_not_emailed(
    session: AsyncSession, now: dt.datetime | None = None, lease_seconds: int | None = None
) -> list[int]:
    """Open offers whose email should long have gone out (a message lost with the broker):
    older than ``lease_seconds`` (default ``ADVOCACY_FULFIL_LEASE_SECONDS``)."""
    now = now or utcnow()
    if lease_seconds is None:
        lease_seconds = get_settings().fulfil_lease_seconds
    stale = now - dt.timedelta(seconds=lease_seconds)
    rows = await session.scalars(
        select(SEND.c.id)
        .where(
            SEND.c.status == GiftSendStatus.OFFERED,
            SEND.c.offer_emailed_at.is_(None),
            SEND.c.link_salt.is_not(None),
            SEND.c.created_at < stale,
            SEND.c.expires_at > now,
        )
        .order_by(SEND.c.id)
        .limit(1000)
    )
    return list(rows)


async def purge_shipping(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Delete shipping addresses whose retention has passed."""
    now = now or utcnow()
    result = await session.execute(
        delete(ShippingDetails).where(col(ShippingDetails.purge_after) <= now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
