"""Offset pages over any SELECT, with the total counted only when a caller asks for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.kit.reads import fetch_rows, fetch_scalar


@dataclass(frozen=True, slots=True)
class Page:
    rows: Sequence[Row[Any]]
    offset: int
    has_next: bool


@lru_cache(maxsize=512)
def _paged(query: Select[Any]) -> Select[Any]:
    """``query`` with its window as bind parameters, built once per (memoized) query: reusing
    statement objects spares SQLAlchemy its per-statement set-up on every page."""
    return query.offset(bindparam("page_offset")).limit(bindparam("page_limit"))


@lru_cache(maxsize=512)
def _counted(query: Select[Any]) -> Select[Any]:
    return select(func.count()).select_from(query.order_by(None).subquery())


async def fetch_page(session: AsyncSession, query: Select[Any], *, offset: int, limit: int) -> Page:
    """One page of ``query`` (already ordered); reads one extra row to know if more follow."""
    rows = await fetch_rows(
        session, _paged(query), {"page_offset": offset, "page_limit": limit + 1}
    )
    return Page(rows=rows[:limit], offset=offset, has_next=len(rows) > limit)


async def count_rows(session: AsyncSession, query: Select[Any]) -> int:
    """How many rows ``query`` returns, ignoring its ordering."""
    return int(await fetch_scalar(session, _counted(query)) or 0)
