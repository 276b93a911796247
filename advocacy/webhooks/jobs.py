"""Webhook actors: one message per delivery attempt, and a periodic sweep that re-rings
deliveries a lost message, a killed worker or a disabled-then-enabled endpoint left waiting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from advocacy.kit import jobs
from advocacy.kit.db import utcnow
from advocacy.webhooks import delivery
from advocacy.webhooks.models import (
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

SWEEP_GRACE = dt.timedelta(minutes=5)


@jobs.actor(
    "webhooks.deliver",
    queue="webhooks",
    max_retries=3,
    time_limit_ms=5 * 60_000,
    transactional=False,
)
async def deliver(delivery_id: int) -> None:
    """The next attempt is a new message with a delay (the database holds the schedule)."""
    delay = await delivery.deliver(delivery_id)
    if delay is not None:
        deliver.send_with_options(
            kwargs={"delivery_id": delivery_id}, delay=int(delay.total_seconds() * 1000)
        )


async def due_deliveries(session: AsyncSession, limit: int = 1000) -> list[int]:
    """PENDING deliveries of active endpoints whose attempt is overdue by a while, and whose
    lease (if any) ran out: their message was lost or their worker died."""
    now = utcnow()
    rows = await session.scalars(
        select(col(WebhookDelivery.id))
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .where(
            col(WebhookDelivery.status) == DeliveryStatus.PENDING,
            col(WebhookDelivery.next_attempt_at) < now - SWEEP_GRACE,
            col(WebhookDelivery.lease_until).is_(None) | (col(WebhookDelivery.lease_until) < now),
            col(WebhookEndpoint.status) == EndpointStatus.ACTIVE,
        )
        .order_by(col(WebhookDelivery.next_attempt_at))
        .limit(limit)
    )
    return [delivery_id for delivery_id in rows if delivery_id is not None]


@jobs.actor("webhooks.sweep", queue="periodic", max_retries=3)
async def sweep(session: AsyncSession) -> None:
    for delivery_id in await due_deliveries(session):
        jobs.enqueue_after_commit(session, deliver, delivery_id=delivery_id)


PERIODIC = (sweep,)
