"""Raising events: what services call when something a CRM wants to hear about happened.

``emit`` runs inside the service's own transaction: when the organization has active
endpoints subscribed to the event type, it writes the event and one delivery row per endpoint
with the change that caused it, and rings ``webhooks.deliver`` after commit. A rollback takes
the event with it; a lost message is found again by the sweep. Organizations without endpoints
pay one indexed lookup per transaction, nothing more.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from advocacy.config import get_settings
from advocacy.kit.db import utcnow
from advocacy.kit.jobs import enqueue_after_commit
from advocacy.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

ENDPOINT = WebhookEndpoint.__table__  # type: ignore[attr-defined]
EVENT = WebhookEvent.__table__  # type: ignore[attr-defined]
DELIVERY = WebhookDelivery.__table__  # type: ignore[attr-defined]
_CACHE = "advocacy.webhook_endpoints"


class EventType(enum.StrEnum):
    ADVOCATE_CREATED = "advocate.created"
    ADVOCATE_UPDATED = "advocate.updated"
    ADVOCATE_LAPSED = "advocate.lapsed"
    ADVOCATE_REACTIVATED = "advocate.reactivated"
    ADVOCATE_OPTED_OUT = "advocate.opted_out"
    MILESTONE_RECORDED = "milestone.recorded"
    MILESTONE_APPROVED = "milestone.approved"
    MILESTONE_REJECTED = "milestone.rejected"
    REFERRAL_SIGNED_UP = "referral.signed_up"
    REFERRAL_CONVERTED = "referral.converted"
    REFERRAL_REJECTED = "referral.rejected"
    REFERRAL_REVERSED = "referral.reversed"
    """A conversion undone (a refund) before its rewards went out."""
    GIFT_PENDING_APPROVAL = "gift.pending_approval"
    """A rule's gift waits for a marketer's approval (budget reserved, nothing sent yet)."""
    GIFT_OFFERED = "gift.offered"
    GIFT_REDEEMED = "gift.redeemed"
    GIFT_SWAPPED = "gift.swapped"
    GIFT_DONATED = "gift.donated"
    GIFT_DECLINED = "gift.declined"
    GIFT_EXPIRED = "gift.expired"
    GIFT_FULFILLED = "gift.fulfilled"
    GIFT_FAILED = "gift.failed"
    GIFT_CANCELLED = "gift.cancelled"
    """Withdrawn by a marketer (``cancelGift``), or a gift awaiting approval rejected
    (``rejectGiftSend``): budget and stock released."""
    GIFT_NEEDS_RECONCILIATION = "gift.needs_reconciliation"
    """The provider's answer never came: the order may be placed; the budget stays reserved
    until an order lookup or a marketer settles it (then ``gift.fulfilled`` or ``gift.failed``)."""
    BUDGET_LOW = "budget.low"


async def _subscribers(session: AsyncSession, organization_id: int) -> list[tuple[int, list[str]]]:
    """The organization's endpoints and their types, read once per transaction (the cache is
    dropped when the transaction ends). Disabled endpoints get their deliveries too: they
    wait, PENDING, and go out when the endpoint is enabled again — nothing is lost while a
    receiver is down."""
    cache: dict[int, list[tuple[int, list[str]]]] = session.sync_session.info.setdefault(_CACHE, {})
    if organization_id not in cache:
        rows = await session.execute(
            select(ENDPOINT.c.id, ENDPOINT.c.event_types).where(
                ENDPOINT.c.organization_id == organization_id
            )
        )
        cache[organization_id] = [(row.id, list(row.event_types)) for row in rows]
    return cache[organization_id]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_subscribers(session: Session) -> None:
    if session.get_nested_transaction() is None:  # not a savepoint (sendGifts has hundreds)
        session.info.pop(_CACHE, None)


async def emit(
    session: AsyncSession, organization_id: int, event_type: EventType, data: dict[str, Any]
) -> None:
    await emit_many(session, organization_id, event_type, [data])


async def emit_many(
    session: AsyncSession,
    organization_id: int,
    event_type: EventType,
    objects: Iterable[dict[str, Any]],
) -> None:
    """One event per object (set-based inserts for bulk changes such as lapses and expiry)."""
    endpoints = [
        endpoint_id
        for endpoint_id, types in await _subscribers(session, organization_id)
        if str(event_type) in types
    ]
    if not endpoints:
        return
    now = utcnow()
    events = [
        {
            "organization_id": organization_id,
            "uid": f"evt_{uuid.uuid4().hex}",
            "type": str(event_type),
            "payload": data,
            "created_at": now,
        }
        for data in objects
    ]
    if not events:
        return
    event_ids = (await session.execute(insert(EVENT).returning(EVENT.c.id), events)).scalars().all()
    retry_until = now + retry_window()
    deliveries = (
        (
            await session.execute(
                insert(DELIVERY).returning(DELIVERY.c.id),
                [
                    {
                        "organization_id": organization_id,
                        "endpoint_id": endpoint_id,
                        "event_id": event_id,
                        "status": "PENDING",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "retry_until": retry_until,
                        "created_at": now,
                    }
                    for event_id in event_ids
                    for endpoint_id in endpoints
                ],
            )
        )
        .scalars()
        .all()
    )
    from advocacy.webhooks.jobs import deliver

    for delivery_id in deliveries:
        enqueue_after_commit(session, deliver, delivery_id=delivery_id)


async def subscribed(session: AsyncSession, organization_id: int, event_type: EventType) -> bool:
    return any(
        str(event_type) in types for _, types in await _subscribers(session, organization_id)
    )


async def emit_for_rows(
    session: AsyncSession,
    event_type: EventType,
    table: Any,
    ids_by_organization: dict[int, list[int]],
    serialize: Callable[[Any], dict[str, Any]],
) -> None:
    """Bulk changes (lapses, expiry): read the changed rows back — only for organizations
    that listen — and raise one event each."""
    for organization_id, ids in sorted(ids_by_organization.items()):
        if not ids or not await subscribed(session, organization_id, event_type):
            continue
        rows = (await session.execute(select(table).where(table.c.id.in_(ids)))).all()
        await emit_many(session, organization_id, event_type, [serialize(row) for row in rows])


def retry_window() -> dt.timedelta:
    """How long transient failures are retried: from the event (or a redelivery) on."""
    return dt.timedelta(hours=get_settings().webhook_retry_hours)
