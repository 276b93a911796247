"""Translate strawberry's UNSET (field absent from the input) to the services' UNCHANGED."""

from __future__ import annotations

from typing import TypeVar

from strawberry.types.unset import UnsetType

from advocacy.kit.updates import UNCHANGED, Unchanged

T = TypeVar("T")


def maybe(value: T | UnsetType) -> T | Unchanged:
    return UNCHANGED if isinstance(value, UnsetType) else value
