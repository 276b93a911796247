"""Offset pages over any SELECT, with the total counted only when a caller asks for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Row[Any]]
    offset: int
    has_next: bool


async def fetch_page(session: AsyncSession, query: Select[Any], *, offset: int, limit: int) -> Page:
    """One page of ``query`` (already ordered); reads one extra row to know if more follow."""
    result = await session.execute(query.offset(offset).limit(limit + 1))
    rows = result.all()
    return Page(rows=rows[:limit], offset=offset, has_next=len(rows) > limit)


async def count_rows(session: AsyncSession, query: Select[Any]) -> int:
    """How many rows ``query`` returns, ignoring its ordering."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)
