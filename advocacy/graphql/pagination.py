"""Relay-style cursor connections. Cursors are opaque offsets; ``first`` is capped at 100."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.config import MAX_PAGE_SIZE
from advocacy.graphql.errors import ApiError
from advocacy.kit.pagination import count_rows, fetch_page

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    offset: strawberry.Private[int]
    count: strawberry.Private[int]

    @strawberry.field
    def start_cursor(self) -> str | None:
        return encode_cursor(self.offset) if self.count else None

    @strawberry.field
    def end_cursor(self) -> str | None:
        return encode_cursor(self.offset + self.count - 1) if self.count else None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    """A page of results. ``totalCount`` is counted only when asked for."""

    nodes: list[T]
    page_info: PageInfo
    offset: strawberry.Private[int]
    count_total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        return [
            Edge(cursor=encode_cursor(self.offset + index), node=node)
            for index, node in enumerate(self.nodes)
        ]

    @strawberry.field(description="All results matching the filters, across pages.")
    async def total_count(self) -> int:
        return await self.count_total()


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str, field: str = "after") -> int:
    try:
        kind, _, raw = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind == "o" and raw.isdigit() and len(raw) < 10:
            return int(raw)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ApiError(f"{field} is not a valid cursor", "BAD_USER_INPUT")


def page_window(first: int | None, after: str | None) -> tuple[int, int]:
    """(offset, limit) for ``first``/``after``; a ``first`` over the cap is refused."""
    limit = DEFAULT_PAGE_SIZE if first is None else first
    if limit < 0 or limit > MAX_PAGE_SIZE:
        raise ApiError(f"first must be between 0 and {MAX_PAGE_SIZE}", "BAD_USER_INPUT")
    offset = 0 if after is None else decode_cursor(after) + 1
    return offset, limit


def make_connection(
    nodes: Sequence[T], offset: int, has_next: bool, count_total: Callable[[], Awaitable[int]]
) -> Connection[T]:
    return Connection(
        nodes=list(nodes),
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=offset > 0,
            offset=offset,
            count=len(nodes),
        ),
        offset=offset,
        count_total=count_total,
    )


async def connection_from_query(
    session: AsyncSession,
    query: Select[Any],
    to_node: Callable[[Row[Any]], T],
    first: int | None,
    after: str | None,
    prefetch: Callable[[list[T]], Awaitable[None]] | None = None,
    page_query: Select[Any] | None = None,
) -> Connection[T]:
    """A page of ``query``; ``prefetch`` loads what the query selects on the page's nodes.
    ``page_query`` fetches the page when it differs from the counted query (joined columns)."""
    offset, limit = page_window(first, after)
    page_source = query if page_query is None else page_query
    page = await fetch_page(session, page_source, offset=offset, limit=limit)
    nodes = [to_node(row) for row in page.rows]
    if prefetch is not None and nodes:
        await prefetch(nodes)

    async def total() -> int:
        return await count_rows(session, query)

    return make_connection(nodes, offset, page.has_next, total)
