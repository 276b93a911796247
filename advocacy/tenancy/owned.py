"""Fetch a row by id inside the caller's organization — the one lookup every service does
before touching a row a request names."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.tenancy.principal import Principal

M = TypeVar("M")


async def get_owned(
    session: AsyncSession,
    principal: Principal,
    model: type[M],
    pk: int,
    field_name: str,
    noun: str,
    *,
    for_update: bool = False,
) -> M:
    """The ``model`` row ``pk`` of the caller's organization; ``NOT_FOUND`` on ``field_name``
    otherwise (another organization's row is as absent as a missing one)."""
    table: Any = model
    query = select(model).where(table.id == pk, table.organization_id == principal.organization_id)
    if for_update:
        query = query.with_for_update()
    row = await session.scalar(query)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no such {noun}", field_name)
    return row
