"""The SQL the KPI queries need that PostgreSQL and SQLite spell differently.

- ``ordinal``: a timestamp's bucket number (see ``period.py``). PostgreSQL subtracts dates in
  UTC; SQLite keeps timestamps as ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC, so the date is
  the first ten characters (exact, where ``julianday`` of the whole value rounds to the
  millisecond and could move 23:59:59.9999 into the next day).
- ``seconds_between``: an interval in seconds, as a float.
- ``percentiles``: ``percentile_cont`` on PostgreSQL. SQLite has no percentile functions, so it
  ranks the values with window functions and interpolates between the two around
  ``p * (n - 1)``, which is exactly what ``percentile_cont`` computes.
- ``json_strings``: the elements of a JSON array of strings, one row each.

No bind parameters inside the expressions that are grouped on: PostgreSQL would see
``$1`` and ``$7`` as different expressions. The callers group on a subquery's column instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Select,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)

from advocacy.analytics.period import WEEK_EPOCH_OFFSET_DAYS, Interval

PERCENTILES = (0.5, 0.9)


def _day_number(dialect: str, column: Any) -> Any:
    if dialect == "postgresql":
        utc_date = cast(func.timezone(literal_column("'UTC'"), column), Date)
        return type_coerce(utc_date - literal_column("DATE '1970-01-01'"), Integer)
    julian = func.julianday(func.substr(column, 1, 10)) - literal_column("2440587.5")
    return cast(julian, Integer)


def _month_number(dialect: str, column: Any) -> Any:
    if dialect == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), column)
        year = cast(func.extract("year", utc), Integer)
        month = cast(func.extract("month", utc), Integer)
    else:
        year = cast(func.substr(column, 1, 4), Integer)
        month = cast(func.substr(column, 6, 2), Integer)
    return year * literal_column("12") + month - literal_column("1")


def ordinal(dialect: str, column: Any, interval: Interval) -> Any:
    """The bucket number of timestamp ``column`` (``period.ordinal`` in SQL)."""
    if interval == Interval.MONTH:
        return _month_number(dialect, column)
    days = _day_number(dialect, column)
    if interval == Interval.DAY:
        return days
    # Integer division on both (the period starts in 1970 or later: never negative).
    return (days + literal_column(str(WEEK_EPOCH_OFFSET_DAYS), Integer)) // literal_column(
        "7", Integer
    )


def seconds_between(dialect: str, later: Any, earlier: Any) -> Any:
    if dialect == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * literal_column("86400.0")


def percentiles(
    dialect: str, source: Any, parts: Sequence[str], value: str, fractions: Sequence[float]
) -> Select[Any]:
    """``parts`` columns and one percentile of ``value`` per fraction (``p0``, ``p1``, …), for
    each group of ``parts`` in the subquery ``source``. NULL values are left out."""
    keys = [source.c[name] for name in parts]
    measured = source.c[value]
    if dialect == "postgresql":
        return (
            select(
                *keys,
                *(
                    func.percentile_cont(literal_column(repr(fraction)))
                    .within_group(measured)
                    .label(f"p{i}")
                    for i, fraction in enumerate(fractions)
                ),
            )
            .where(measured.is_not(None))
            .group_by(*keys)
        )
    ranked = (
        select(
            *keys,
            measured.label("v"),
            (func.row_number().over(partition_by=keys, order_by=measured) - 1).label("i"),
            func.count().over(partition_by=keys).label("n"),
        )
        .where(measured.is_not(None))
        .subquery("ranked")
    )
    columns = []
    for i, fraction in enumerate(fractions):
        position: Any = literal_column(repr(fraction)) * (ranked.c.n - 1)
        below = cast(position, Integer)
        low = func.max(case((ranked.c.i == below, ranked.c.v)))
        high = func.max(case((ranked.c.i == below + 1, ranked.c.v)))
        share = func.max(position - below)
        columns.append((low + share * (func.coalesce(high, low) - low)).label(f"p{i}"))
    by = [ranked.c[name] for name in parts]
    return select(*by, *columns).group_by(*by)


def json_strings(dialect: str, column: Any) -> Any:
    """A table-valued function with one ``value`` row per string in JSON array ``column``."""
    if dialect == "postgresql":
        return func.jsonb_array_elements_text(column).table_valued("value").lateral("element")
    return func.json_each(column).table_valued("value").alias("element")
