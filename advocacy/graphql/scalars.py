"""Custom scalars, registered on the schema through ``SCALAR_MAP``."""

from __future__ import annotations

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
