"""Reads for the gift catalog."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, or_, select

from advocacy.gifting.models import GiftEvent, GiftItem, GiftItemKind, GiftSend, GiftSendStatus
from advocacy.kit.dialect import json_array_contains, json_array_is_empty

GIFT_ITEM = GiftItem.__table__  # type: ignore[attr-defined]
GIFT_SEND = GiftSend.__table__  # type: ignore[attr-defined]
GIFT_EVENT = GiftEvent.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class GiftSendFilter:
    statuses: tuple[GiftSendStatus, ...] | None = None
    program_id: int | None = None
    advocate_id: int | None = None
    sent_after: dt.datetime | None = None
    sent_before: dt.datetime | None = None


def gift_sends_query(organization_id: int, flt: GiftSendFilter) -> Select[Any]:
    query = select(GIFT_SEND).where(GIFT_SEND.c.organization_id == organization_id)
    if flt.statuses:
        query = query.where(GIFT_SEND.c.status.in_([str(s) for s in flt.statuses]))
    if flt.program_id is not None:
        query = query.where(GIFT_SEND.c.program_id == flt.program_id)
    if flt.advocate_id is not None:
        query = query.where(GIFT_SEND.c.advocate_id == flt.advocate_id)
    if flt.sent_after is not None:
        query = query.where(GIFT_SEND.c.created_at >= flt.sent_after)
    if flt.sent_before is not None:
        query = query.where(GIFT_SEND.c.created_at < flt.sent_before)
    return query.order_by(GIFT_SEND.c.created_at.desc(), GIFT_SEND.c.id.desc())


def events_for_sends_query(organization_id: int, send_ids: list[int]) -> Select[Any]:
    return (
        select(GIFT_EVENT)
        .where(GIFT_EVENT.c.organization_id == organization_id, GIFT_EVENT.c.send_id.in_(send_ids))
        .order_by(GIFT_EVENT.c.send_id, GIFT_EVENT.c.id)
    )


@dataclass(frozen=True)
class GiftItemFilter:
    kinds: tuple[GiftItemKind, ...] | None = None
    tag: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    currency: str | None = None
    active: bool | None = None
    region: str | None = None
    """Items that can go to this country: listed in their regions, or unrestricted."""


@lru_cache(maxsize=512)
def gift_items_query(dialect: str, organization_id: int, flt: GiftItemFilter) -> Select[Any]:
    """Catalog items by name. Memoized like the other list statements (see reads.py)."""
    query = select(GIFT_ITEM).where(GIFT_ITEM.c.organization_id == organization_id)
    if flt.kinds:
        query = query.where(GIFT_ITEM.c.kind.in_([str(kind) for kind in flt.kinds]))
    if flt.tag:
        query = query.where(json_array_contains(dialect, GIFT_ITEM.c.tags, flt.tag))
    if flt.price_min is not None:
        query = query.where(GIFT_ITEM.c.price >= flt.price_min)
    if flt.price_max is not None:
        query = query.where(GIFT_ITEM.c.price <= flt.price_max)
    if flt.currency:
        query = query.where(GIFT_ITEM.c.currency == flt.currency)
    if flt.active is not None:
        query = query.where(GIFT_ITEM.c.active.is_(flt.active))
    if flt.region:
        query = query.where(
            or_(
                json_array_is_empty(dialect, GIFT_ITEM.c.regions),
                json_array_contains(dialect, GIFT_ITEM.c.regions, flt.region),
            )
        )
    return query.order_by(GIFT_ITEM.c.name, GIFT_ITEM.c.id)
