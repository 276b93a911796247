"""Asks and nudges: how many went out in the window and how many were answered since. One
statement each.

An ask is *sent* when its first email leaves (``first_sent_at``) and *answered* when an
approved milestone of the asked kind responded to it (status RESPONDED); asks are split by
A/B variant. A nudge is sent when its email left or its gift rules were rung (``sent_at``) and
answered when the advocate came back while it was their latest (outcome RE_ENGAGED); nudges
are split by channel (EMAIL, GIFT), their only variant. An organization's or a program's
nudges come with the membership figures (``membership.py``); ``nudge_figures`` serves single
advocates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.analytics.period import Period
from advocacy.analytics.results import OutreachFigures, Series, VariantFigures
from advocacy.analytics.scope import Scope
from advocacy.analytics.sql import ordinal
from advocacy.analytics.tables import ASK, NUDGE
from advocacy.analytics.tally import Counts, Tally
from advocacy.engagement.models import AskStatus, NudgeKind, NudgeOutcome
from advocacy.kit.dialect import dialect_name

ASK_VARIANTS = ("A", "B")
NUDGE_CHANNELS = tuple(str(kind) for kind in NudgeKind)


async def _outreach(
    session: AsyncSession,
    scope: Scope,
    period: Period,
    rows: Any,
    variants: tuple[str, ...],
) -> dict[int, Series[OutreachFigures]]:
    statement = select(
        rows.c.k, rows.c.b, rows.c.variant, func.count(), func.sum(rows.c.answered)
    ).group_by(rows.c.k, rows.c.b, rows.c.variant)
    tally = Tally(scope, period)
    for key, bucket, variant, sent, answered in await session.execute(statement):
        tally.add(key, bucket, (variant, "sent"), int(sent))
        tally.add(key, bucket, (variant, "answered"), int(answered or 0))

    def build(_key: int, _index: int, counts: Counts) -> OutreachFigures:
        sent = {variant: counts[(variant, "sent")] for variant in variants}
        answered = {variant: counts[(variant, "answered")] for variant in variants}
        return outreach_figures(variants, sent, answered)

    return tally.series(build)


def outreach_figures(
    variants: tuple[str, ...], sent: Mapping[str, int], answered: Mapping[str, int]
) -> OutreachFigures:
    """Every variant in order, zeros included."""
    return OutreachFigures(
        by_variant=tuple(
            VariantFigures(variant, sent.get(variant, 0), answered.get(variant, 0))
            for variant in variants
        )
    )


async def ask_figures(
    session: AsyncSession, scope: Scope, period: Period
) -> dict[int, Series[OutreachFigures]]:
    a = ASK
    rows = (
        select(
            scope.key(a.c.advocate_id).label("k"),
            ordinal(dialect_name(session), a.c.first_sent_at, period.interval).label("b"),
            a.c.variant,
            case((a.c.status == AskStatus.RESPONDED, 1), else_=0).label("answered"),
        )
        .where(
            *scope.of_program_rows(a, a.c.advocate_id),
            a.c.first_sent_at >= period.start,
            a.c.first_sent_at < period.end,
        )
        .subquery("asks")
    )
    return await _outreach(session, scope, period, rows, ASK_VARIANTS)


async def nudge_figures(
    session: AsyncSession, scope: Scope, period: Period
) -> dict[int, Series[OutreachFigures]]:
    n = NUDGE
    nudged = scope.of_advocate_rows(n, n.c.advocate_id, n.c.sent_at)
    rows = (
        select(
            scope.key(n.c.advocate_id).label("k"),
            ordinal(dialect_name(session), n.c.sent_at, period.interval).label("b"),
            n.c.channel.label("variant"),
            case((n.c.outcome == NudgeOutcome.RE_ENGAGED, 1), else_=0).label("answered"),
        )
        .select_from(nudged.source)
        .where(*nudged.conditions, n.c.sent_at >= period.start, n.c.sent_at < period.end)
        .subquery("nudges")
    )
    return await _outreach(session, scope, period, rows, NUDGE_CHANNELS)
