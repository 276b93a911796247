"""The figures that depend on when advocates joined, for an organization or a program, in one
statement: knowing a program's members means reading every one of its milestones, gifts, asks
and referrals, so their CTE is computed once and shared by four parts:

- ``T`` the status timeline: per bucket, how many joined in each status and the net status
  moves after joining (``BEFORE`` for everything before the period). Statuses are rebuilt from
  ``advocate_status_change``, where every status move is recorded: an advocate counts from when
  they joined in the status they had then (the last change before, else the status they were
  created in — the first change's "from" —, else the one they have had all along), and each
  later change moves them from one status to another. Running totals give each bucket's end.
- ``E`` re-engagement: lapses whose first nudge went out in the bucket, and how many of them
  the advocate came back from (RE_ENGAGED: an approved milestone brought them back to ACTIVE).
- ``K`` referral clicks and ``N`` nudges by channel (sent, RE_ENGAGED), of members only.

(For one advocate none of this needs members: clicks and nudges have statements of their own.)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, case, func, literal_column, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.analytics.outreach import NUDGE_CHANNELS, outreach_figures
from advocacy.analytics.period import Period
from advocacy.analytics.results import OutreachFigures, Series
from advocacy.analytics.scope import Scope
from advocacy.analytics.sql import ordinal
from advocacy.analytics.tables import ADVOCATE, CLICK, NUDGE, STATUS_CHANGE
from advocacy.engagement.models import NudgeOutcome
from advocacy.kit.dialect import dialect_name

BEFORE = -1
"""The bucket number of status history from before the period (the starting counts)."""
TIMELINE, RE_ENGAGEMENT, CLICKS, NUDGES = "T", "E", "K", "N"


@dataclass(frozen=True)
class MemberFigures:
    """Per window (each bucket, then the period last): statuses at its end and the rest."""

    statuses: tuple[Counter[str], ...]
    joined: tuple[int, ...]
    nudged_lapses: tuple[int, ...]
    re_engaged: tuple[int, ...]
    clicks: tuple[int, ...]
    nudges: Series[OutreachFigures]


def _in(column: Any, period: Period) -> list[Any]:
    return [column >= period.start, column < period.end]


def _part(name: str) -> Any:
    return literal_column(f"'{name}'").label("part")


def _latest(source: Any, column: Any, newest_first: bool, *conditions: Any) -> Any:
    """Per advocate, ``column`` of their latest (or first) status change in ``source`` (the
    changes, perhaps joined) matching ``conditions``: ``(advocate_id, value)``."""
    change = STATUS_CHANGE
    order = (
        (change.c.created_at.desc(), change.c.id.desc())
        if newest_first
        else (change.c.created_at, change.c.id)
    )
    ranked = (
        select(
            change.c.advocate_id,
            column.label("value"),
            func.row_number().over(partition_by=change.c.advocate_id, order_by=order).label("n"),
        )
        .select_from(source)
        .where(*conditions)
        .subquery()
    )
    return select(ranked.c.advocate_id, ranked.c.value).where(ranked.c.n == 1).subquery()


def _timeline(dialect: str, scope: Scope, period: Period, members: CTE) -> Any:
    change = STATUS_CHANGE
    ours = change.c.organization_id == scope.organization_id

    def bucket(column: Any) -> Any:
        return case(
            (column < period.start, literal_column(str(BEFORE))),
            else_=ordinal(dialect, column, period.interval),
        )

    before_joining = _latest(
        change.join(members, members.c.advocate_id == change.c.advocate_id),
        change.c.to_status,
        True,
        ours,
        change.c.created_at < members.c.joined_at,
    )
    when_created = _latest(change, change.c.from_status, False, ours)
    joined = select(
        bucket(members.c.joined_at).label("b"),
        func.coalesce(before_joining.c.value, when_created.c.value, ADVOCATE.c.status).label(
            "status"
        ),
        literal_column("1").label("delta"),
        literal_column("1").label("joined"),
    ).select_from(
        members.join(ADVOCATE, ADVOCATE.c.id == members.c.advocate_id)
        .outerjoin(before_joining, before_joining.c.advocate_id == members.c.advocate_id)
        .outerjoin(when_created, when_created.c.advocate_id == members.c.advocate_id)
    )
    moves = [
        select(
            bucket(change.c.created_at).label("b"),
            status_column.label("status"),
            literal_column(delta).label("delta"),
            literal_column("0").label("joined"),
        )
        .select_from(change.join(members, change.c.advocate_id == members.c.advocate_id))
        .where(ours, change.c.created_at >= members.c.joined_at, change.c.created_at < period.end)
        for status_column, delta in ((change.c.from_status, "-1"), (change.c.to_status, "1"))
    ]
    events = union_all(joined, *moves).subquery("events")
    return select(
        _part(TIMELINE),
        events.c.b,
        events.c.status,
        func.sum(events.c.delta),
        func.sum(events.c.joined),
    ).group_by(events.c.b, events.c.status)


def _re_engagement(dialect: str, scope: Scope, period: Period, members: CTE) -> Any:
    n = NUDGE
    lapses = (
        select(
            n.c.organization_id,
            n.c.advocate_id,
            func.min(n.c.sent_at).label("first_sent"),
            func.max(case((n.c.outcome == NudgeOutcome.RE_ENGAGED, 1), else_=0)).label("back"),
        )
        .where(n.c.organization_id == scope.organization_id, n.c.sent_at.is_not(None))
        .group_by(n.c.organization_id, n.c.lapse_id, n.c.advocate_id)
        .subquery("lapses")
    )
    nudged = scope.of_advocate_rows(lapses, lapses.c.advocate_id, lapses.c.first_sent, members)
    rows = (
        select(ordinal(dialect, lapses.c.first_sent, period.interval).label("b"), lapses.c.back)
        .select_from(nudged.source)
        .where(*nudged.conditions, *_in(lapses.c.first_sent, period))
        .subquery("nudged")
    )
    return select(
        _part(RE_ENGAGEMENT), rows.c.b, null(), func.count(), func.sum(rows.c.back)
    ).group_by(rows.c.b)


def _clicks(dialect: str, scope: Scope, period: Period, members: CTE) -> Any:
    c = CLICK
    clicking = scope.of_advocate_rows(c, c.c.advocate_id, c.c.created_at, members)
    rows = (
        select(ordinal(dialect, c.c.created_at, period.interval).label("b"))
        .select_from(clicking.source)
        .where(*clicking.conditions, *_in(c.c.created_at, period))
        .subquery("clicks")
    )
    return select(_part(CLICKS), rows.c.b, null(), func.count(), literal_column("0")).group_by(
        rows.c.b
    )


def _nudges(dialect: str, scope: Scope, period: Period, members: CTE) -> Any:
    n = NUDGE
    nudged = scope.of_advocate_rows(n, n.c.advocate_id, n.c.sent_at, members)
    rows = (
        select(
            ordinal(dialect, n.c.sent_at, period.interval).label("b"),
            n.c.channel,
            case((n.c.outcome == NudgeOutcome.RE_ENGAGED, 1), else_=0).label("answered"),
        )
        .select_from(nudged.source)
        .where(*nudged.conditions, *_in(n.c.sent_at, period))
        .subquery("nudges")
    )
    return select(
        _part(NUDGES), rows.c.b, rows.c.channel, func.count(), func.sum(rows.c.answered)
    ).group_by(rows.c.b, rows.c.channel)


def member_statement(dialect: str, scope: Scope, period: Period) -> Any:
    """Rows of ``(part, bucket, label, n1, n2)`` for the four parts."""
    members = scope.members(period.end)
    return union_all(
        *(
            part(dialect, scope, period, members)
            for part in (_timeline, _re_engagement, _clicks, _nudges)
        )
    )


async def member_figures(session: AsyncSession, scope: Scope, period: Period) -> MemberFigures:
    assert not scope.per_advocate
    size = len(period.buckets)
    statuses: Counter[str] = Counter()
    moves: list[Counter[str]] = [Counter() for _ in range(size)]
    joined, nudged, back, clicks = ([0] * (size + 1) for _ in range(4))
    sent: list[Counter[str]] = [Counter() for _ in range(size + 1)]
    answered: list[Counter[str]] = [Counter() for _ in range(size + 1)]
    statement = member_statement(dialect_name(session), scope, period)
    for part, bucket, label, first, second in await session.execute(statement):
        if part == TIMELINE and bucket == BEFORE:
            statuses[label] += int(first)
            continue
        for index in (period.index_of(bucket), size):
            if part == TIMELINE:
                if index < size:
                    moves[index][label] += int(first)
                joined[index] += int(second)
            elif part == RE_ENGAGEMENT:
                nudged[index] += int(first)
                back[index] += int(second or 0)
            elif part == CLICKS:
                clicks[index] += int(first)
            else:
                sent[index][label] += int(first)
                answered[index][label] += int(second or 0)
    at_end: list[Counter[str]] = []
    for index in range(size):
        statuses.update(moves[index])
        at_end.append(Counter(statuses))
    at_end.append(Counter(statuses))
    nudges = [outreach_figures(NUDGE_CHANNELS, sent[i], answered[i]) for i in range(size + 1)]
    return MemberFigures(
        statuses=tuple(at_end),
        joined=tuple(joined),
        nudged_lapses=tuple(nudged),
        re_engaged=tuple(back),
        clicks=tuple(clicks),
        nudges=Series(period=nudges[-1], buckets=tuple(nudges[:-1])),
    )
