"""Reads for webhooks: an organization's deliveries, newest first, with their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from advocacy.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent

ENDPOINT = WebhookEndpoint.__table__  # type: ignore[attr-defined]
EVENT = WebhookEvent.__table__  # type: ignore[attr-defined]
DELIVERY = WebhookDelivery.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DeliveryFilter:
    endpoint_id: int | None = None
    statuses: tuple[DeliveryStatus, ...] | None = None
    event_type: str | None = None


def deliveries_query(organization_id: int, flt: DeliveryFilter) -> Select[Any]:
    """Deliveries joined with their event's id, type, time and payload (one statement a page)."""
    query = (
        select(
            DELIVERY,
            EVENT.c.uid.label("event_uid"),
            EVENT.c.type.label("event_type"),
            EVENT.c.created_at.label("event_created_at"),
            EVENT.c.payload.label("event_payload"),
        )
        .join(EVENT, EVENT.c.id == DELIVERY.c.event_id)
        .where(DELIVERY.c.organization_id == organization_id)
    )
    if flt.endpoint_id is not None:
        query = query.where(DELIVERY.c.endpoint_id == flt.endpoint_id)
    if flt.statuses:
        query = query.where(DELIVERY.c.status.in_([str(s) for s in flt.statuses]))
    if flt.event_type is not None:
        query = query.where(EVENT.c.type == flt.event_type)
    return query.order_by(DELIVERY.c.id.desc())


def deliveries_by_ids_query(organization_id: int, delivery_ids: list[int]) -> Select[Any]:
    return deliveries_query(organization_id, DeliveryFilter()).where(
        DELIVERY.c.id.in_(delivery_ids)
    )
