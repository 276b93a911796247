"""Idempotency keys for mutations that create effects: the same key replays the first result,
the same key with different input is an error (DESIGN.md §5)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from advocacy.kit.errors import DomainError, ErrorCode


class Fingerprinted(Protocol):
    input_fingerprint: str | None


R = TypeVar("R", bound=Fingerprinted)


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A stable digest of what a request asked for."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def earlier_result(
    session: AsyncSession, lookup: SelectOfScalar[R], digest: str, *, field: str, what: str
) -> R | None:
    """The row an earlier request with the same key created (``lookup`` finds it by key and
    organization), or None. A different fingerprint is IDEMPOTENCY_KEY_REUSED on ``field``."""
    earlier = await session.scalar(lookup)
    if earlier is not None and earlier.input_fingerprint != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            f"this {field} was already used for a different {what}",
            field,
        )
    return earlier
