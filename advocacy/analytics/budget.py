"""Budget: spend in each window, reserved and remaining at its end, per currency, from the
ledger (``budget_entry``). One statement.

The ledger is append-only, so the balance at any moment is a sum of the entries before it:
the statement returns each bucket's RESERVE / RELEASE / SPEND totals (and the totals from
before the period), and the running sums give reserved (RESERVE - RELEASE - SPEND) and spent
to date at every bucket's end. A budget itself has no history: ``total`` is today's.
Programs have one currency each; an organization's figures are one entry per currency.
For one advocate, only what was spent on their gifts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, func, literal_column, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.analytics.period import Period
from advocacy.analytics.results import BudgetFigures, Series
from advocacy.analytics.scope import Scope
from advocacy.analytics.sql import ordinal
from advocacy.analytics.tables import BUDGET_ENTRY, GIFT_SEND, PROGRAM
from advocacy.analytics.tally import Counts, Tally
from advocacy.gifting.models import BudgetEntryKind
from advocacy.kit.dialect import dialect_name

BEFORE = -1
TOTAL = "TOTAL"


def _ledger(dialect: str, scope: Scope, period: Period) -> Any:
    """Rows of ``(currency, bucket, kind, amount)``: ledger sums per bucket (``BEFORE`` for
    the entries before the period) and, as kind ``TOTAL``, the budgets."""
    e, p = BUDGET_ENTRY, PROGRAM
    entries = [e.c.organization_id == scope.organization_id, e.c.created_at < period.end]
    programs = [p.c.organization_id == scope.organization_id]
    if scope.program_id is not None:
        entries.append(e.c.program_id == scope.program_id)
        programs.append(p.c.id == scope.program_id)
    rows = (
        select(
            p.c.currency,
            case(
                (e.c.created_at < period.start, literal_column(str(BEFORE))),
                else_=ordinal(dialect, e.c.created_at, period.interval),
            ).label("b"),
            e.c.kind,
            e.c.amount,
        )
        .select_from(e.join(p, p.c.id == e.c.program_id))
        .where(*entries)
        .subquery("entries")
    )
    return union_all(
        select(rows.c.currency, rows.c.b, rows.c.kind, func.sum(rows.c.amount)).group_by(
            rows.c.currency, rows.c.b, rows.c.kind
        ),
        select(
            p.c.currency,
            literal_column(str(BEFORE)),
            literal_column(f"'{TOTAL}'"),
            func.sum(p.c.budget_total),
        )
        .where(*programs)
        .group_by(p.c.currency),
    )


async def budget_figures(
    session: AsyncSession, scope: Scope, period: Period
) -> Series[tuple[BudgetFigures, ...]]:
    assert not scope.per_advocate
    size = len(period.buckets)
    totals: dict[str, int] = {}
    before: dict[str, Counts] = defaultdict(Counts)
    flows: dict[str, list[Counts]] = defaultdict(lambda: [Counts() for _ in range(size)])
    for currency, bucket, kind, amount in await session.execute(
        _ledger(dialect_name(session), scope, period)
    ):
        if kind == TOTAL:
            totals[currency] = int(amount or 0)
        elif bucket == BEFORE:
            before[currency][kind] += int(amount)
        else:
            flows[currency][period.index_of(bucket)][kind] += int(amount)
    series: list[list[BudgetFigures]] = [[] for _ in range(size)]
    whole: list[BudgetFigures] = []
    for currency in sorted(totals):
        balance = before[currency]
        spent_in_period = 0
        for index in range(size):
            balance.update(flows[currency][index])
            spent = flows[currency][index][BudgetEntryKind.SPEND]
            spent_in_period += spent
            series[index].append(_figures(currency, totals[currency], spent, balance))
        whole.append(_figures(currency, totals[currency], spent_in_period, balance))
    return Series(period=tuple(whole), buckets=tuple(tuple(entry) for entry in series))


def _figures(currency: str, total: int, spent: int, balance: Counts) -> BudgetFigures:
    spent_to_date = balance[BudgetEntryKind.SPEND]
    return BudgetFigures(
        currency=currency,
        total=total,
        spent=spent,
        spent_to_date=spent_to_date,
        reserved=balance[BudgetEntryKind.RESERVE]
        - balance[BudgetEntryKind.RELEASE]
        - spent_to_date,
    )


async def advocate_spend(
    session: AsyncSession, scope: Scope, period: Period
) -> dict[int, Series[Mapping[str, int]]]:
    """What was spent on each advocate's gifts in each window, by currency."""
    assert scope.advocate_ids is not None
    e, s = BUDGET_ENTRY, GIFT_SEND
    rows = (
        select(
            s.c.advocate_id.label("k"),
            ordinal(dialect_name(session), e.c.created_at, period.interval).label("b"),
            s.c.currency,
            e.c.amount,
        )
        .select_from(e.join(s, s.c.id == e.c.send_id))
        .where(
            e.c.organization_id == scope.organization_id,
            s.c.advocate_id.in_(scope.advocate_ids),
            e.c.kind == BudgetEntryKind.SPEND,
            e.c.created_at >= period.start,
            e.c.created_at < period.end,
        )
        .subquery("spend")
    )
    statement = select(rows.c.k, rows.c.b, rows.c.currency, func.sum(rows.c.amount)).group_by(
        rows.c.k, rows.c.b, rows.c.currency
    )
    tally = Tally(scope, period)
    for key, bucket, currency, amount in await session.execute(statement):
        tally.add(key, bucket, currency, int(amount))
    return tally.series(lambda _key, _index, counts: {str(c): n for c, n in counts.items()})
