"""Column helpers every domain's tables share: UTC timestamps and enum columns with CHECKs."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from advocacy.kit.db import UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL (indexable, containment operators)."""


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def timestamp_field(*, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


def enum_field(enum_cls: type[enum.Enum], default: enum.Enum, *, index: bool = False) -> Any:
    length = max(len(member.value) for member in enum_cls)
    return Field(default=default, sa_type=String(length), nullable=False, index=index)


def enum_check(column: str, enum_cls: type[enum.Enum], name: str) -> CheckConstraint:
    allowed = ", ".join(f"'{member.value}'" for member in enum_cls)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


def json_column(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSONType, nullable=False))


__all__ = [
    "JSONType",
    "created_at_field",
    "enum_check",
    "enum_field",
    "json_column",
    "timestamp_field",
]
