"""Reads for accounts, advocates and milestones. Rows, not tracked ORM objects: read paths
don't pay for identity maps or change tracking."""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Row, Select, any_, bindparam, func, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import (
    Account,
    Advocate,
    AdvocateStatus,
    Milestone,
    MilestoneStatus,
)
from advocacy.kit.dialect import dialect_name, escape_like, json_array_contains
from advocacy.kit.reads import fetch_rows
from advocacy.programs.models import MilestoneKind

ACCOUNT = Account.__table__  # type: ignore[attr-defined]
ADVOCATE = Advocate.__table__  # type: ignore[attr-defined]
MILESTONE = Milestone.__table__  # type: ignore[attr-defined]


class AdvocateOrder(enum.StrEnum):
    NAME = "NAME"
    POINTS = "POINTS"
    LAST_ENGAGED = "LAST_ENGAGED"
    CREATED = "CREATED"


@dataclass(frozen=True)
class AdvocateFilter:
    statuses: tuple[AdvocateStatus, ...] | None = None
    account_id: int | None = None
    interest: str | None = None
    search: str | None = None
    engaged_after: dt.datetime | None = None
    engaged_before: dt.datetime | None = None


@dataclass(frozen=True)
class MilestoneFilter:
    advocate_id: int | None = None
    program_id: int | None = None
    kinds: tuple[MilestoneKind, ...] | None = None
    statuses: tuple[MilestoneStatus, ...] | None = None
    occurred_after: dt.datetime | None = None
    occurred_before: dt.datetime | None = None


_ADVOCATE_SORT = {
    AdvocateOrder.NAME: ADVOCATE.c.name,
    AdvocateOrder.POINTS: ADVOCATE.c.points,
    AdvocateOrder.LAST_ENGAGED: ADVOCATE.c.last_engaged_at,
    AdvocateOrder.CREATED: ADVOCATE.c.created_at,
}


def accounts_query(organization_id: int, search: str | None = None) -> Select[Any]:
    query = select(ACCOUNT).where(ACCOUNT.c.organization_id == organization_id)
    if search:
        query = query.where(ACCOUNT.c.name.ilike(f"%{escape_like(search)}%", escape="\\"))
    return query.order_by(ACCOUNT.c.name, ACCOUNT.c.id)


def advocates_query(
    session: AsyncSession,
    organization_id: int,
    flt: AdvocateFilter,
    order: AdvocateOrder = AdvocateOrder.NAME,
    descending: bool = False,
) -> Select[Any]:
    """Advocates matching ``flt`` in a stable order. Memoized: building a statement costs
    about as much as running this one, and the same list is asked for again and again."""
    return _advocates_query(dialect_name(session), organization_id, flt, order, descending)


@lru_cache(maxsize=512)
def _advocates_query(
    dialect: str,
    organization_id: int,
    flt: AdvocateFilter,
    order: AdvocateOrder,
    descending: bool,
) -> Select[Any]:
    query = select(ADVOCATE).where(ADVOCATE.c.organization_id == organization_id)
    if flt.statuses:
        query = query.where(ADVOCATE.c.status.in_([str(s) for s in flt.statuses]))
    if flt.account_id is not None:
        query = query.where(ADVOCATE.c.account_id == flt.account_id)
    if flt.interest:
        query = query.where(json_array_contains(dialect, ADVOCATE.c.interests, flt.interest))
    if flt.search:
        pattern = f"%{escape_like(flt.search)}%"
        query = query.where(
            or_(
                ADVOCATE.c.name.ilike(pattern, escape="\\"),
                ADVOCATE.c.email.ilike(pattern, escape="\\"),
            )
        )
    if flt.engaged_after is not None:
        query = query.where(ADVOCATE.c.last_engaged_at >= flt.engaged_after)
    if flt.engaged_before is not None:
        query = query.where(ADVOCATE.c.last_engaged_at < flt.engaged_before)
    sort = _ADVOCATE_SORT[order]
    if descending:
        return query.order_by(sort.desc().nulls_last(), ADVOCATE.c.id.desc())
    return query.order_by(sort.asc().nulls_last(), ADVOCATE.c.id.asc())


ACCOUNT_PREFIX = "account__"


@lru_cache(maxsize=512)
def with_accounts(query: Select[Any]) -> Select[Any]:
    """``query`` (over advocates) with each advocate's account joined in, its columns named
    ``account__<column>``: one statement instead of a second batch for the accounts."""
    return query.outerjoin(
        ACCOUNT,
        (ACCOUNT.c.id == ADVOCATE.c.account_id)
        & (ACCOUNT.c.organization_id == ADVOCATE.c.organization_id),
    ).add_columns(*(column.label(f"{ACCOUNT_PREFIX}{column.name}") for column in ACCOUNT.c))


def _milestone_conditions(organization_id: Any, flt: MilestoneFilter) -> list[Any]:
    conditions: list[Any] = [MILESTONE.c.organization_id == organization_id]
    if flt.advocate_id is not None:
        conditions.append(MILESTONE.c.advocate_id == flt.advocate_id)
    if flt.program_id is not None:
        conditions.append(MILESTONE.c.program_id == flt.program_id)
    if flt.kinds:
        conditions.append(MILESTONE.c.kind.in_([str(k) for k in flt.kinds]))
    if flt.statuses:
        conditions.append(MILESTONE.c.status.in_([str(s) for s in flt.statuses]))
    if flt.occurred_after is not None:
        conditions.append(MILESTONE.c.occurred_at >= flt.occurred_after)
    if flt.occurred_before is not None:
        conditions.append(MILESTONE.c.occurred_at < flt.occurred_before)
    return conditions


def milestones_query(organization_id: int, flt: MilestoneFilter) -> Select[Any]:
    return (
        select(MILESTONE)
        .where(*_milestone_conditions(organization_id, flt))
        .order_by(*_newest_first())
    )


@lru_cache(maxsize=32)
def _rows_by_ids_statement(table: Any) -> Select[Any]:
    # ``= ANY(array)``: one parameter whatever the number of ids, so the SQL never changes.
    return select(table).where(
        table.c.organization_id == bindparam("organization_id"),
        table.c.id == any_(bindparam("ids", type_=ARRAY(Integer))),
    )


@lru_cache(maxsize=32)
def _rows_by_ids_statement_portable(table: Any) -> Select[Any]:
    return select(table).where(
        table.c.organization_id == bindparam("organization_id"),
        table.c.id.in_(bindparam("ids", expanding=True)),
    )


async def rows_by_ids(
    session: AsyncSession, table: Any, organization_id: int, ids: Sequence[int]
) -> dict[int, Row[Any]]:
    """Rows of ``table`` with these ids inside the organization, by id; others are absent."""
    if not ids:
        return {}
    build = (
        _rows_by_ids_statement
        if dialect_name(session) == "postgresql"
        else _rows_by_ids_statement_portable
    )
    rows = await fetch_rows(
        session, build(table), {"organization_id": organization_id, "ids": list(ids)}
    )
    return {row.id: row for row in rows}


def _newest_first() -> tuple[Any, Any]:
    return MILESTONE.c.occurred_at.desc(), MILESTONE.c.id.desc()


@lru_cache(maxsize=128)
def _latest_milestones_lateral(limit: int, offset: int, flt: MilestoneFilter) -> Select[Any]:
    """PostgreSQL: for each advocate, an index scan that stops after ``limit`` rows.

    Built once per (window, filter) and reused: a fresh statement object makes SQLAlchemy
    rebuild the subquery's column proxies and result map on every execution, which cost more
    than the query itself. The organization and advocate ids are bound at execution.
    """
    wanted = (
        func.unnest(bindparam("advocate_ids", type_=ARRAY(Integer)))
        .table_valued("id")
        .render_derived(name="wanted")
    )
    page = (
        select(MILESTONE)
        .where(
            MILESTONE.c.advocate_id == wanted.c.id,
            *_milestone_conditions(bindparam("organization_id", type_=Integer), flt),
        )
        .order_by(*_newest_first())
        .offset(offset)
        .limit(limit)
        .lateral("page")
    )
    return select(page).select_from(wanted).join(page, true())


@lru_cache(maxsize=128)
def _latest_milestones_windowed(limit: int, offset: int, flt: MilestoneFilter) -> Select[Any]:
    """Portable (SQLite): number each advocate's milestones with a window function. Cached
    like the LATERAL form."""
    rank = (
        func.row_number()
        .over(partition_by=MILESTONE.c.advocate_id, order_by=_newest_first())
        .label("rank")
    )
    ranked = (
        select(MILESTONE, rank)
        .where(
            MILESTONE.c.advocate_id.in_(bindparam("advocate_ids", expanding=True)),
            *_milestone_conditions(bindparam("organization_id", type_=Integer), flt),
        )
        .subquery()
    )
    return (
        select(ranked)
        .where(ranked.c.rank > offset, ranked.c.rank <= offset + limit)
        .order_by(ranked.c.advocate_id, ranked.c.rank)
    )


async def latest_milestones_per_advocate(
    session: AsyncSession,
    organization_id: int,
    advocate_ids: Sequence[int],
    limit: int,
    offset: int,
    flt: MilestoneFilter,
) -> dict[int, list[Row[Any]]]:
    """For each advocate, milestones ``offset``..``offset+limit`` (newest first), in ONE query
    for a whole page of advocates."""
    build = (
        _latest_milestones_lateral
        if dialect_name(session) == "postgresql"
        else _latest_milestones_windowed
    )
    rows = await fetch_rows(
        session,
        build(limit, offset, flt),
        {"organization_id": organization_id, "advocate_ids": list(advocate_ids)},
    )
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.advocate_id].append(row)
    return grouped


async def milestone_counts_per_advocate(
    session: AsyncSession, organization_id: int, advocate_ids: Sequence[int], flt: MilestoneFilter
) -> dict[int, int]:
    query = (
        select(MILESTONE.c.advocate_id, func.count())
        .where(
            MILESTONE.c.advocate_id.in_(advocate_ids), *_milestone_conditions(organization_id, flt)
        )
        .group_by(MILESTONE.c.advocate_id)
    )
    return {advocate_id: count for advocate_id, count in await session.execute(query)}
