"""The referral funnel: clicks, signups, conversions, rejections by reason, revenue, and how
many advocates referred. Two statements.

Each step counts when it happened: clicks by click time, signups (and their rejections) by
``signed_up_at``, conversions and their revenue by ``converted_at`` (a reversed conversion
no longer counts). The click→signup rate divides the window's signups by its clicks; the
signup→conversion rate follows the window's signups: how many of them have converted since.
A referral link belongs to an advocate, not to a program: a program counts the clicks on its
advocates' links once they have joined it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, literal_column, null, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.analytics.period import Period
from advocacy.analytics.results import ReferralFigures, Series
from advocacy.analytics.scope import Scope
from advocacy.analytics.sql import json_strings, ordinal
from advocacy.analytics.tables import CLICK, REFERRAL
from advocacy.analytics.tally import PERIOD_ROW, Counts, Tally
from advocacy.kit.dialect import dialect_name
from advocacy.referrals.models import ReferralStatus

CLICKS, SIGNUPS, CONVERSIONS, REASONS = "K", "S", "C", "R"
ZERO: Any = literal_column("0")


def _in(column: Any, period: Period) -> list[Any]:
    return [column >= period.start, column < period.end]


def _clicks(dialect: str, scope: Scope, period: Period) -> Any:
    """An advocate's clicks (an organization's or a program's come with the membership
    figures)."""
    clicking = scope.of_advocate_rows(CLICK, CLICK.c.advocate_id, CLICK.c.created_at)
    clicks = (
        select(
            scope.key(CLICK.c.advocate_id).label("k"),
            ordinal(dialect, CLICK.c.created_at, period.interval).label("b"),
        )
        .select_from(clicking.source)
        .where(*clicking.conditions, *_in(CLICK.c.created_at, period))
        .subquery("clicks")
    )
    return select(
        clicks.c.k, clicks.c.b, literal_column(f"'{CLICKS}'"), null(), func.count(), ZERO
    ).group_by(clicks.c.k, clicks.c.b)


def _funnel(dialect: str, scope: Scope, period: Period, with_clicks: bool) -> Any:
    """Rows of ``(key, bucket, part, label, count, amount)``: signups by status; conversions
    by currency with their value; rejections by reason; clicks if ``with_clicks``."""
    r, interval = REFERRAL, period.interval
    referrals = scope.of_program_rows(r, r.c.referrer_id)
    signups = (
        select(
            scope.key(r.c.referrer_id).label("k"),
            ordinal(dialect, r.c.signed_up_at, interval).label("b"),
            r.c.status,
        )
        .where(*referrals, *_in(r.c.signed_up_at, period))
        .subquery("signups")
    )
    conversions = (
        select(
            scope.key(r.c.referrer_id).label("k"),
            ordinal(dialect, r.c.converted_at, interval).label("b"),
            r.c.currency,
            r.c.conversion_value,
        )
        .where(*referrals, r.c.status == ReferralStatus.CONVERTED, *_in(r.c.converted_at, period))
        .subquery("conversions")
    )
    element = json_strings(dialect, r.c.reasons)
    reasons = (
        select(
            scope.key(r.c.referrer_id).label("k"),
            ordinal(dialect, r.c.signed_up_at, interval).label("b"),
            element.c.value.label("reason"),
        )
        .select_from(r.outerjoin(element, true()))
        .where(*referrals, r.c.status == ReferralStatus.REJECTED, *_in(r.c.signed_up_at, period))
        .subquery("reasons")
    )
    zero = ZERO
    parts = [_clicks(dialect, scope, period)] if with_clicks else []
    return union_all(
        *parts,
        select(
            signups.c.k,
            signups.c.b,
            literal_column(f"'{SIGNUPS}'"),
            signups.c.status,
            func.count(),
            zero,
        ).group_by(signups.c.k, signups.c.b, signups.c.status),
        select(
            conversions.c.k,
            conversions.c.b,
            literal_column(f"'{CONVERSIONS}'"),
            conversions.c.currency,
            func.count(),
            func.sum(conversions.c.conversion_value),
        ).group_by(conversions.c.k, conversions.c.b, conversions.c.currency),
        select(
            reasons.c.k,
            reasons.c.b,
            literal_column(f"'{REASONS}'"),
            reasons.c.reason,
            func.count(),
            zero,
        ).group_by(reasons.c.k, reasons.c.b, reasons.c.reason),
    )


def _referrers(dialect: str, scope: Scope, period: Period) -> Any:
    """Distinct referrers of the signups not rejected, per bucket and for the period."""
    r = REFERRAL
    rows = (
        select(
            scope.key(r.c.referrer_id).label("k"),
            ordinal(dialect, r.c.signed_up_at, period.interval).label("b"),
            r.c.referrer_id,
        )
        .where(
            *scope.of_program_rows(r, r.c.referrer_id),
            r.c.status != ReferralStatus.REJECTED,
            *_in(r.c.signed_up_at, period),
        )
        .cte("referring")
    )
    distinct = func.count(rows.c.referrer_id.distinct())
    return union_all(
        select(rows.c.k, rows.c.b, distinct).group_by(rows.c.k, rows.c.b),
        select(rows.c.k, literal_column(str(PERIOD_ROW)), distinct).group_by(rows.c.k),
    )


async def referral_figures(
    session: AsyncSession,
    scope: Scope,
    period: Period,
    clicks: Sequence[int] | None = None,
) -> dict[int, Series[ReferralFigures]]:
    """``clicks``: per window (the period last), when the membership figures counted them."""
    dialect = dialect_name(session)
    tally = Tally(scope, period)
    if clicks is not None:
        for index, count in enumerate(clicks):
            tally.put_window(0, index, (CLICKS, None), count)
    for key, bucket, part, label, count, amount in await session.execute(
        _funnel(dialect, scope, period, with_clicks=clicks is None)
    ):
        tally.add(key, bucket, (part, label), int(count))
        if part == CONVERSIONS:
            tally.add(key, bucket, ("revenue", label), int(amount or 0))
    for key, bucket, count in await session.execute(_referrers(dialect, scope, period)):
        tally.put(key, bucket, "referrers", int(count))

    def build(_key: int, _index: int, counts: Counts) -> ReferralFigures:
        by_status = {
            label: count for (part, label), count in _pairs(counts) if part == SIGNUPS and count
        }
        rejected = by_status.get(ReferralStatus.REJECTED, 0)
        return ReferralFigures(
            clicks=counts[(CLICKS, None)],
            signups=sum(by_status.values()) - rejected,
            signups_converted=by_status.get(ReferralStatus.CONVERTED, 0),
            rejected=rejected,
            rejected_by_reason={
                label: count for (part, label), count in _pairs(counts) if part == REASONS
            },
            referrers=counts["referrers"],
            conversions=sum(
                count for (part, _label), count in _pairs(counts) if part == CONVERSIONS
            ),
            revenue={label: count for (part, label), count in _pairs(counts) if part == "revenue"},
        )

    return tally.series(build)


def _pairs(counts: Counts) -> list[tuple[tuple[Any, Any], int]]:
    """The ``(part, label)`` entries of a window's counts."""
    return [(name, count) for name, count in counts.items() if isinstance(name, tuple)]
