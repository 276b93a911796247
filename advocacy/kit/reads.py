"""The read path for hot queries: SQLAlchemy Core statements, run as cheaply as possible.

Statements are authored with SQLAlchemy like every other query. On PostgreSQL, a statement
that is reused (built once, as the list and loader queries are) is compiled once to SQL and
run on the session's asyncpg connection directly, skipping SQLAlchemy's per-execution set-up
(about 0.35 ms a statement, a large share of a small GraphQL request; see bench/). Rows keep
attribute access. Elsewhere (SQLite), the statement runs through the session as usual.

Only reads go here, in the session's current transaction or autocommit, serialized with the
session's other statements.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.kit.db import RequestSession


@dataclass(frozen=True)
class _Plan:
    drivable: bool
    """False when SQLAlchemy must expand parameters at execution (``IN`` lists); such a
    statement runs through the session."""
    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]
    bind_processors: Mapping[str, Any]
    row: type


_plans: dict[int, tuple[Select[Any], _Plan]] = {}
"""By statement identity; the statement is kept so its id can't be reused. Bounded by the
memoized statements' own caches (plus the cap below)."""
_MAX_PLANS = 2048

statement_observers: list[Callable[[str], None]] = []
"""Called with the SQL of each statement run on the driver directly, which SQLAlchemy's engine
events don't see (statement-count tests, tracing)."""


def _plan(session: AsyncSession, statement: Select[Any]) -> _Plan:
    cached = _plans.get(id(statement))
    if cached is not None and cached[0] is statement:
        return cached[1]
    assert session.bind is not None
    compiled = statement.compile(dialect=session.bind.dialect)
    names = tuple(compiled.positiontup or ())
    plan = _Plan(
        drivable=not (compiled.post_compile_params or compiled.literal_execute_params),
        sql=str(compiled),
        names=names,
        defaults=dict(compiled.params),
        bind_processors=dict(compiled._bind_processors),
        row=namedtuple("Row", list(statement.selected_columns.keys()), rename=True),
    )
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    _plans[id(statement)] = (statement, plan)
    return plan


def _values(plan: _Plan, params: Mapping[str, Any] | None) -> list[Any]:
    merged = {**plan.defaults, **params} if params else plan.defaults
    values = []
    for name in plan.names:
        value = merged[name]
        processor = plan.bind_processors.get(name)
        values.append(processor(value) if processor is not None and value is not None else value)
    return values


async def _driver_fetch(
    session: AsyncSession, statement: Select[Any], params: Mapping[str, Any] | None
) -> list[Any]:
    plan = _plan(session, statement)
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    for observe in statement_observers:
        observe(plan.sql)
    records = await driver.fetch(plan.sql, *_values(plan, params))
    row = plan.row
    return [row(*record) for record in records]


async def fetch_rows(
    session: AsyncSession, statement: Select[Any], params: Mapping[str, Any] | None = None
) -> Sequence[Any]:
    """All rows of a read-only ``statement``; rows have the statement's column names as
    attributes."""
    bind = session.bind
    if bind is None or bind.dialect.name != "postgresql" or not _plan(session, statement).drivable:
        return (await session.execute(statement, params)).all()
    if isinstance(session, RequestSession):
        async with session.statement_lock:
            return await _driver_fetch(session, statement, params)
    return await _driver_fetch(session, statement, params)


async def fetch_scalar(
    session: AsyncSession, statement: Select[Any], params: Mapping[str, Any] | None = None
) -> Any:
    rows = await fetch_rows(session, statement, params)
    return rows[0][0] if rows else None
