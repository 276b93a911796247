"""The few places where PostgreSQL and SQLite need different SQL, kept in one module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    bind = session.bind
    return bind.dialect.name if bind is not None else "sqlite"


def json_array_contains(dialect: str, column: Any, value: str) -> ColumnElement[bool]:
    """``value`` is one of the strings in the JSON array ``column``."""
    if dialect == "postgresql":
        return column.op("@>")(func.jsonb_build_array(value))
    each = func.json_each(column).table_valued("value").alias("tag")
    return exists(select(literal_column("1")).select_from(each).where(each.c.value == value))


def json_array_is_empty(dialect: str, column: Any) -> ColumnElement[bool]:
    length = func.jsonb_array_length if dialect == "postgresql" else func.json_array_length
    return length(column) == 0


def insert_ignoring_conflicts(dialect: str, table: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING``: rows that would break a unique key are skipped."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def greatest(dialect: str, *columns: Any, type_: Any = None) -> Any:
    """The largest of the values (none may be NULL): ``greatest`` on PostgreSQL, the
    many-argument ``max`` on SQLite."""
    name = func.greatest if dialect == "postgresql" else func.max
    return name(*columns, type_=type_)


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


__all__ = [
    "dialect_name",
    "escape_like",
    "greatest",
    "insert_ignoring_conflicts",
    "json_array_contains",
    "json_array_is_empty",
    "text",
]
