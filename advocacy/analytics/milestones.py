"""Milestones by kind and status, and the points awarded: one grouped statement.

A milestone counts in the window it *occurred* in (``occurred_at``, which may be back-dated),
under its status now; its points are those awarded when it was approved, whenever that was.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import MilestoneStatus
from advocacy.analytics.period import Period
from advocacy.analytics.results import KindFigures, MilestoneFigures, Series
from advocacy.analytics.scope import Scope
from advocacy.analytics.sql import ordinal
from advocacy.analytics.tables import MILESTONE
from advocacy.analytics.tally import Counts, Tally
from advocacy.kit.dialect import dialect_name
from advocacy.programs.models import MilestoneKind


async def milestone_figures(
    session: AsyncSession, scope: Scope, period: Period
) -> dict[int, Series[MilestoneFigures]]:
    m = MILESTONE
    rows = (
        select(
            scope.key(m.c.advocate_id).label("k"),
            ordinal(dialect_name(session), m.c.occurred_at, period.interval).label("b"),
            m.c.kind,
            m.c.status,
            m.c.points,
        )
        .where(
            *scope.of_program_rows(m, m.c.advocate_id),
            m.c.occurred_at >= period.start,
            m.c.occurred_at < period.end,
        )
        .subquery("rows")
    )
    statement = select(
        rows.c.k, rows.c.b, rows.c.kind, rows.c.status, func.count(), func.sum(rows.c.points)
    ).group_by(rows.c.k, rows.c.b, rows.c.kind, rows.c.status)
    tally = Tally(scope, period)
    for key, bucket, kind, status, count, points in await session.execute(statement):
        tally.add(key, bucket, (kind, status), int(count))
        if status == MilestoneStatus.APPROVED:
            tally.add(key, bucket, (kind, "points"), int(points or 0))

    def build(_key: int, _index: int, counts: Counts) -> MilestoneFigures:
        return MilestoneFigures(
            by_kind=tuple(
                KindFigures(
                    kind=kind,
                    submitted=counts[(kind, MilestoneStatus.SUBMITTED)],
                    approved=counts[(kind, MilestoneStatus.APPROVED)],
                    rejected=counts[(kind, MilestoneStatus.REJECTED)],
                    points=counts[(kind, "points")],
                )
                for kind in MilestoneKind
            )
        )

    return tally.series(build)
