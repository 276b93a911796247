"""Custom scalars."""

from __future__ import annotations

from typing import NewType

import strawberry


def _parse_big_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("BigInt must be an integer")
    number = int(value)
    if abs(number) > 2**53:
        raise ValueError("BigInt must be within ±2^53")
    return number


BigInt = strawberry.scalar(
    NewType("BigInt", int),
    name="BigInt",
    description="An integer up to ±2^53, for money in minor units (beyond GraphQL's 32-bit Int).",
    serialize=int,
    parse_value=_parse_big_int,
)
