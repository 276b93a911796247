"""Top advocates of the period: by points of their approved milestones that occurred in it, and
by the revenue of their referrals that converted in it. One statement each.

Revenue in different currencies can't be ranked together, so each currency has its own
ranking (the top ``limit`` of each). Ties go to the lower advocate id, so ranks are stable.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import MilestoneStatus
from advocacy.analytics.period import Period
from advocacy.analytics.results import PointsLeader, RevenueLeader
from advocacy.analytics.scope import Scope
from advocacy.analytics.tables import MILESTONE, REFERRAL
from advocacy.referrals.models import ReferralStatus


async def top_by_points(
    session: AsyncSession, scope: Scope, period: Period, limit: int
) -> list[PointsLeader]:
    m = MILESTONE
    points = func.sum(m.c.points)
    statement = (
        select(m.c.advocate_id, points, func.count())
        .where(
            *scope.of_program_rows(m, m.c.advocate_id),
            m.c.status == MilestoneStatus.APPROVED,
            m.c.occurred_at >= period.start,
            m.c.occurred_at < period.end,
        )
        .group_by(m.c.advocate_id)
        .order_by(points.desc(), m.c.advocate_id)
        .limit(limit)
    )
    rows = await session.execute(statement)
    return [
        PointsLeader(rank, advocate_id, int(total or 0), int(count))
        for rank, (advocate_id, total, count) in enumerate(rows, start=1)
    ]


async def top_by_referred_revenue(
    session: AsyncSession, scope: Scope, period: Period, limit: int
) -> list[RevenueLeader]:
    r = REFERRAL
    amount = func.sum(r.c.conversion_value)
    ranked = (
        select(
            r.c.referrer_id,
            r.c.currency,
            amount.label("amount"),
            func.count().label("conversions"),
            func.row_number()
            .over(partition_by=r.c.currency, order_by=(amount.desc(), r.c.referrer_id))
            .label("rank"),
        )
        .where(
            *scope.of_program_rows(r, r.c.referrer_id),
            r.c.status == ReferralStatus.CONVERTED,
            r.c.converted_at >= period.start,
            r.c.converted_at < period.end,
        )
        .group_by(r.c.referrer_id, r.c.currency)
        .subquery("ranked")
    )
    statement = (
        select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.currency, ranked.c.rank)
    )
    return [
        RevenueLeader(
            int(row.rank), row.referrer_id, row.currency, int(row.amount or 0), row.conversions
        )
        for row in await session.execute(statement)
    ]
