"""Gifts: those offered in the window and what became of them so far, with the time from the
offer to the redemption (median and 90th percentile). One statement.

A gift is *offered* when it is sent, or — for a gift rule's gift that waited for a marketer —
when it was approved; one rejected while pending was never offered. The send's history
(``gift_event``, append-only) tells which gifts waited (their first event is
PENDING_APPROVAL), when they were approved, and which were swapped or donated; the send itself
tells its status now and when it was redeemed. Following one cohort keeps the funnel
consistent: every figure counts some of the offered gifts, and the redemption rate is
(redeemed + donated) / offered. *Swapped* counts the gifts swapped for another item and not
donated (donating moves a gift to the charity's item, which the history also records as a
swap). The time to redemption counts donations too (a donation is the
advocate's way of accepting).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal_column, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.analytics.period import Period
from advocacy.analytics.results import GiftFigures, Series
from advocacy.analytics.scope import Scope
from advocacy.analytics.sql import PERCENTILES, ordinal, percentiles, seconds_between
from advocacy.analytics.tables import GIFT_EVENT, GIFT_SEND
from advocacy.analytics.tally import PERIOD_ROW, Counts, Tally
from advocacy.gifting.models import GiftSendStatus
from advocacy.kit.dialect import dialect_name

HISTORY_KINDS = ("PENDING_APPROVAL", "APPROVED", "SWAPPED", "DONATED")
"""The few event kinds the figures need (an index on ``(organization_id, kind)`` finds them)."""
ENDINGS = {
    GiftSendStatus.DECLINED: "declined",
    GiftSendStatus.EXPIRED: "expired",
    GiftSendStatus.CANCELLED: "cancelled",
    GiftSendStatus.FULFILLED: "fulfilled",
    GiftSendStatus.FAILED: "failed",
}


def _flag(condition: Any) -> Any:
    return func.max(case((condition, 1), else_=0))


def _cohort(dialect: str, scope: Scope, period: Period) -> Any:
    """The gifts offered in the period: ``k``, ``b``, ``status``, ``swapped``, ``donated``,
    ``redeemed`` (0/1) and ``seconds`` from offer to redemption (NULL if not redeemed)."""
    e, s = GIFT_EVENT, GIFT_SEND
    history = (
        select(
            e.c.send_id,
            _flag(e.c.kind == "PENDING_APPROVAL").label("waited"),
            func.min(case((e.c.kind == "APPROVED", e.c.created_at))).label("approved_at"),
            _flag(e.c.kind == "SWAPPED").label("swapped"),
            _flag(e.c.kind == "DONATED").label("donated"),
        )
        .where(e.c.organization_id == scope.organization_id, e.c.kind.in_(HISTORY_KINDS))
        .group_by(e.c.send_id)
        .subquery("history")
    )
    offered_at = case((history.c.waited == 1, history.c.approved_at), else_=s.c.created_at)
    sends = (
        select(
            scope.key(s.c.advocate_id).label("k"),
            s.c.status,
            s.c.redeemed_at,
            offered_at.label("offered_at"),
            func.coalesce(history.c.swapped, 0).label("swapped"),
            func.coalesce(history.c.donated, 0).label("donated"),
        )
        .select_from(s.outerjoin(history, history.c.send_id == s.c.id))
        .where(*scope.of_program_rows(s, s.c.advocate_id), s.c.created_at < period.end)
        .subquery("sends")
    )
    redeemed = sends.c.redeemed_at.is_not(None)
    return select(
        sends.c.k,
        ordinal(dialect, sends.c.offered_at, period.interval).label("b"),
        sends.c.status,
        case((sends.c.donated == 1, 0), else_=sends.c.swapped).label("swapped"),
        sends.c.donated,
        case((redeemed & (sends.c.donated == 0), 1), else_=0).label("redeemed"),
        case((redeemed, seconds_between(dialect, sends.c.redeemed_at, sends.c.offered_at))).label(
            "seconds"
        ),
    ).where(sends.c.offered_at >= period.start, sends.c.offered_at < period.end)


def _statement(dialect: str, scope: Scope, period: Period) -> Any:
    """Rows of ``(part, key, bucket, status, count, swapped, donated, redeemed, p50, p90)``:
    part ``C`` the cohort's counts per bucket and status, part ``P`` the percentiles of the
    time to redemption per bucket and for the period (``PERIOD_ROW``). One statement, so the
    cohort is read once."""
    cohort = _cohort(dialect, scope, period).cte("cohort")
    counts = select(
        literal_column("'C'"),
        cohort.c.k,
        cohort.c.b,
        cohort.c.status,
        func.count(),
        func.sum(cohort.c.swapped),
        func.sum(cohort.c.donated),
        func.sum(cohort.c.redeemed),
        null(),
        null(),
    ).group_by(cohort.c.k, cohort.c.b, cohort.c.status)
    both = union_all(
        select(cohort.c.k, cohort.c.b, cohort.c.seconds),
        select(cohort.c.k, literal_column(str(PERIOD_ROW)).label("b"), cohort.c.seconds),
    ).subquery("both")
    times = percentiles(dialect, both, ("k", "b"), "seconds", PERCENTILES).subquery("times")
    zero: Any = literal_column("0")
    return union_all(
        counts,
        select(
            literal_column("'P'"),
            times.c.k,
            times.c.b,
            null(),
            zero,
            zero,
            zero,
            zero,
            times.c.p0,
            times.c.p1,
        ),
    )


async def gift_figures(
    session: AsyncSession, scope: Scope, period: Period
) -> dict[int, Series[GiftFigures]]:
    tally = Tally(scope, period)
    statement = _statement(dialect_name(session), scope, period)
    for (
        part,
        key,
        bucket,
        status,
        count,
        swapped,
        donated,
        redeemed,
        p50,
        p90,
    ) in await session.execute(statement):
        if part == "P":
            tally.put_value(key, bucket, "median", float(p50))
            tally.put_value(key, bucket, "p90", float(p90))
            continue
        tally.add(key, bucket, "offered", int(count))
        tally.add(key, bucket, "swapped", int(swapped or 0))
        tally.add(key, bucket, "donated", int(donated or 0))
        tally.add(key, bucket, "redeemed", int(redeemed or 0))
        if status in ENDINGS:
            tally.add(key, bucket, ENDINGS[GiftSendStatus(status)], int(count))

    def build(key: int, index: int, counts: Counts) -> GiftFigures:
        return GiftFigures(
            offered=counts["offered"],
            swapped=counts["swapped"],
            redeemed=counts["redeemed"],
            donated=counts["donated"],
            median_seconds_to_redemption=tally.value(key, index, "median"),
            p90_seconds_to_redemption=tally.value(key, index, "p90"),
            **{name: counts[name] for name in ENDINGS.values()},
        )

    return tally.series(build)
