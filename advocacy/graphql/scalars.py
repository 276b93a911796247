"""Custom scalars, registered on the schema through ``SCALAR_MAP``."""

from __future__ import annotations

import datetime as dt
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

BigInt = NewType("BigInt", int)
"""An integer up to ±2^53, for money in minor units (GraphQL's Int stops at 2^31)."""


def _parse_big_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("BigInt must be an integer")
    number = int(value)
    if abs(number) > 2**53:
        raise ValueError("BigInt must be within ±2^53")
    return number


SCALAR_MAP: dict[object, ScalarDefinition] = {
    BigInt: strawberry.scalar(
        name="BigInt",
        description="An integer up to ±2^53, for money in minor units (cents).",
        serialize=int,
        parse_value=_parse_big_int,
    )
}


def filter_time(value: dt.datetime | None, field: str) -> dt.datetime | None:
    """A DateTime filter argument, which must carry a UTC offset (comparing a local time with
    stored UTC times means nothing); a clear BAD_USER_INPUT naming the field otherwise."""
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        from advocacy.graphql.errors import ApiError

        raise ApiError(f"{field} needs a UTC offset, e.g. 2026-01-31T09:00:00Z", "BAD_USER_INPUT")
    return value
