"""The best catalog item for an advocate: active, affordable (price cap, program currency), in
stock, able to go where they ship to, sharing the most tags with their interests. Ties go to
the item sent least in the last 30 days, then the lowest id — the same inputs always pick the
same item."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import Advocate
from advocacy.gifting.models import GiftItem, GiftItemKind, GiftSend
from advocacy.kit.db import utcnow

RECENT = dt.timedelta(days=30)


async def _known_country(session: AsyncSession, advocate_id: int) -> str | None:
    """Where their last physical gift went, if any."""
    return await session.scalar(
        select(GiftSend.shipping_country)
        .where(GiftSend.advocate_id == advocate_id, col(GiftSend.shipping_country).is_not(None))
        .order_by(col(GiftSend.id).desc())
        .limit(1)
    )


def _ships_to(item: GiftItem, country: str | None) -> bool:
    if not item.regions or item.kind != GiftItemKind.PHYSICAL:
        return True
    return country is not None and country in item.regions


async def best_match(
    session: AsyncSession,
    advocate: Advocate,
    currency: str,
    price_cap: int,
    now: dt.datetime | None = None,
) -> GiftItem | None:
    candidates = (
        await session.scalars(
            select(GiftItem).where(
                GiftItem.organization_id == advocate.organization_id,
                col(GiftItem.active).is_(True),
                GiftItem.currency == currency,
                col(GiftItem.price) <= price_cap,
                col(GiftItem.kind) != GiftItemKind.DONATION,
                or_(col(GiftItem.inventory).is_(None), col(GiftItem.inventory) > 0),
            )
        )
    ).all()
    interests = set(advocate.interests)
    country = await _known_country(session, advocate.id or 0)
    scored = [
        (len(interests & set(item.tags)), item)
        for item in candidates
        if _ships_to(item, country) and interests & set(item.tags)
    ]
    if not scored:
        return None
    since = (now or utcnow()) - RECENT
    recent = dict(
        (
            await session.execute(
                select(GiftSend.item_id, func.count())
                .where(
                    col(GiftSend.item_id).in_([item.id for _, item in scored]),
                    col(GiftSend.created_at) >= since,
                )
                .group_by(col(GiftSend.item_id))
            )
        ).all()
    )
    scored.sort(key=lambda pair: (-pair[0], recent.get(pair[1].id or 0, 0), pair[1].id or 0))
    return scored[0][1]
