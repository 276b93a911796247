"""Reads for referrals: the filtered list and the funnel per advocate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.referrals.models import Referral, ReferralClick, ReferralStatus, Verdict

REFERRAL = Referral.__table__  # type: ignore[attr-defined]
CLICK = ReferralClick.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ReferralFilter:
    statuses: tuple[ReferralStatus, ...] | None = None
    referrer_id: int | None = None
    program_id: int | None = None
    verdict: Verdict | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None


def referrals_query(organization_id: int, flt: ReferralFilter) -> Select[Any]:
    query = select(REFERRAL).where(REFERRAL.c.organization_id == organization_id)
    if flt.statuses:
        query = query.where(REFERRAL.c.status.in_([str(s) for s in flt.statuses]))
    if flt.referrer_id is not None:
        query = query.where(REFERRAL.c.referrer_id == flt.referrer_id)
    if flt.program_id is not None:
        query = query.where(REFERRAL.c.program_id == flt.program_id)
    if flt.verdict is not None:
        query = query.where(REFERRAL.c.verdict == str(flt.verdict))
    if flt.created_after is not None:
        query = query.where(REFERRAL.c.created_at >= flt.created_after)
    if flt.created_before is not None:
        query = query.where(REFERRAL.c.created_at < flt.created_before)
    return query.order_by(REFERRAL.c.created_at.desc(), REFERRAL.c.id.desc())


@dataclass(frozen=True)
class Funnel:
    clicks: int
    signups: int
    conversions: int
    revenue: dict[str, int]
    """Converted value by currency, in minor units."""


async def funnels_for(
    session: AsyncSession, organization_id: int, advocate_ids: list[int]
) -> dict[int, Funnel]:
    """Each advocate's counted clicks, signups that weren't rejected, conversions and their
    revenue — three grouped statements for any number of advocates (a list asks for many)."""
    clicks: dict[int, int] = dict(
        (
            await session.execute(
                select(CLICK.c.advocate_id, func.count())
                .where(
                    CLICK.c.organization_id == organization_id,
                    CLICK.c.advocate_id.in_(advocate_ids),
                )
                .group_by(CLICK.c.advocate_id)
            )
        ).all()
    )
    theirs = (REFERRAL.c.organization_id == organization_id) & (
        REFERRAL.c.referrer_id.in_(advocate_ids)
    )
    signups: dict[int, int] = dict(
        (
            await session.execute(
                select(REFERRAL.c.referrer_id, func.count())
                .where(theirs, REFERRAL.c.status != ReferralStatus.REJECTED)
                .group_by(REFERRAL.c.referrer_id)
            )
        ).all()
    )
    conversions: dict[int, int] = {}
    revenue: dict[int, dict[str, int]] = {}
    rows = await session.execute(
        select(
            REFERRAL.c.referrer_id,
            REFERRAL.c.currency,
            func.count(),
            func.sum(REFERRAL.c.conversion_value),
        )
        .where(theirs, REFERRAL.c.status == ReferralStatus.CONVERTED)
        .group_by(REFERRAL.c.referrer_id, REFERRAL.c.currency)
    )
    for advocate_id, currency, count, total in rows:
        conversions[advocate_id] = conversions.get(advocate_id, 0) + int(count)
        revenue.setdefault(advocate_id, {})[str(currency)] = int(total or 0)
    return {
        advocate_id: Funnel(
            clicks=int(clicks.get(advocate_id, 0)),
            signups=int(signups.get(advocate_id, 0)),
            conversions=conversions.get(advocate_id, 0),
            revenue=revenue.get(advocate_id, {}),
        )
        for advocate_id in advocate_ids
    }
