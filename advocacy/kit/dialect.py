"""The few places where PostgreSQL and SQLite need different SQL, kept in one module."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal_column, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

UNIQUE_VIOLATION = "23505"
"""PostgreSQL's SQLSTATE for a unique (or primary) key violation."""
_SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


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


def is_unique_violation(error: IntegrityError) -> bool:
    """Did ``error`` come from a unique key (a race two writers can lose), rather than a NOT
    NULL, foreign key or check constraint (a bug: retrying it only hides it)?

    PostgreSQL says so by SQLSTATE 23505 (asyncpg's, passed on by SQLAlchemy's adapter);
    SQLite by its extended error name, or its "UNIQUE constraint failed" message."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate is not None:
        return str(sqlstate) == UNIQUE_VIOLATION
    if getattr(original, "sqlite_errorname", None) in _SQLITE_UNIQUE:
        return True
    message = str(original)
    return "UNIQUE constraint failed" in message or "PRIMARY KEY constraint failed" in message


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


__all__ = [
    "dialect_name",
    "escape_like",
    "greatest",
    "insert_ignoring_conflicts",
    "is_unique_violation",
    "json_array_contains",
    "json_array_is_empty",
    "text",
]
