"""Relay global ids: base64 of ``Type:pk``. Opaque to clients, checked on the way in."""

from __future__ import annotations

import base64
import binascii

from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.global_ids import encode_id

__all__ = ["decode_any_id", "decode_id", "encode_id", "filter_id"]

MAX_PK = 2**31 - 1
"""Primary keys are 32-bit integers; a larger number can't name a row."""


def decode_any_id(global_id: str) -> tuple[str, int] | None:
    """(type name, pk), or None if the string is not one of our ids."""
    if len(global_id) > 100:
        return None
    try:
        decoded = base64.b64decode(global_id, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, _, raw_pk = decoded.partition(":")
    if not type_name or not raw_pk.isdigit() or len(raw_pk) > 10:
        return None
    pk = int(raw_pk)
    return (type_name, pk) if pk <= MAX_PK else None


def filter_id(global_id: str | None, expected_type: str) -> int | None:
    """The pk to filter on; an id that isn't one of ``expected_type`` matches nothing (pk 0
    never exists), as a filter on an unknown value should."""
    if global_id is None:
        return None
    decoded = decode_any_id(global_id)
    return decoded[1] if decoded is not None and decoded[0] == expected_type else 0


def decode_id(global_id: str, expected_type: str, field: str) -> int:
    """The pk inside an id that must be of ``expected_type``; a clear error naming the field
    otherwise."""
    decoded = decode_any_id(global_id)
    if decoded is None or decoded[0] != expected_type:
        raise DomainError(ErrorCode.INVALID, f"{field} is not a valid {expected_type} id", field)
    return decoded[1]
