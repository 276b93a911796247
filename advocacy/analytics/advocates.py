"""Advocates: how many there are in each status, how many are new, how many took part, and
how many came back after a nudge, for an organization or a program.

Statuses (at each window's end), new advocates (joined in the window) and re-engagement come
with the membership figures (``membership.py``). This module adds **participating**: advocates
with an approved milestone that occurred in the window (one statement); the participation
rate divides them by ``total`` at the window's end.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import AdvocateStatus, MilestoneStatus
from advocacy.analytics.membership import MemberFigures
from advocacy.analytics.period import Period
from advocacy.analytics.results import AdvocateFigures, Series
from advocacy.analytics.scope import Scope
from advocacy.analytics.sql import ordinal
from advocacy.analytics.tables import MILESTONE
from advocacy.kit.dialect import dialect_name


def _participation(dialect: str, scope: Scope, period: Period) -> Any:
    """Per bucket: advocates with an approved milestone in it, and advocates whose first
    approved milestone of the period is in it (their sum is the period's participants).

    One pass over each advocate's approved milestones in time order (an index on
    ``(organization_id, program_id, advocate_id, occurred_at)`` gives that order): a bucket
    never comes back once left, so a milestone whose bucket differs from the previous one's is
    the advocate's first in its bucket — counting those counts distinct advocates per bucket
    without hashing the pairs."""
    m = MILESTONE
    approved = (
        select(
            m.c.advocate_id,
            m.c.occurred_at,
            ordinal(dialect, m.c.occurred_at, period.interval).label("b"),
        )
        .where(
            *scope.of_program_rows(m, m.c.advocate_id),
            m.c.status == MilestoneStatus.APPROVED,
            m.c.occurred_at >= period.start,
            m.c.occurred_at < period.end,
        )
        .subquery("approved")
    )
    by, order = approved.c.advocate_id, approved.c.occurred_at
    ordered = select(
        approved.c.b,
        func.lag(approved.c.b).over(partition_by=by, order_by=order).label("previous"),
        func.row_number().over(partition_by=by, order_by=order).label("n"),
    ).subquery("ordered")
    first_in_bucket = or_(ordered.c.previous.is_(None), ordered.c.previous != ordered.c.b)
    return select(
        ordered.c.b,
        func.sum(case((first_in_bucket, 1), else_=0)),
        func.sum(case((ordered.c.n == 1, 1), else_=0)),
    ).group_by(ordered.c.b)


async def advocate_figures(
    session: AsyncSession, scope: Scope, period: Period, members: MemberFigures
) -> Series[AdvocateFigures]:
    assert not scope.per_advocate
    size = len(period.buckets)
    participating = [0] * (size + 1)
    for bucket, in_bucket, first in await session.execute(
        _participation(dialect_name(session), scope, period)
    ):
        participating[period.index_of(bucket)] = int(in_bucket)
        participating[size] += int(first)

    def figures(index: int) -> AdvocateFigures:
        at_end = members.statuses[index]
        return AdvocateFigures(
            total=sum(at_end.values()),
            invited=at_end[AdvocateStatus.INVITED],
            active=at_end[AdvocateStatus.ACTIVE],
            lapsed=at_end[AdvocateStatus.LAPSED],
            opted_out=at_end[AdvocateStatus.OPTED_OUT],
            new=members.joined[index],
            participating=participating[index],
            nudged_lapses=members.nudged_lapses[index],
            re_engaged=members.re_engaged[index],
        )

    return Series(period=figures(size), buckets=tuple(figures(i) for i in range(size)))
