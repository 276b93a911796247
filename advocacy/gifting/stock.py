"""Inventory moves: one conditional UPDATE each, so concurrent sends and swaps can't oversell
and stock never goes below zero. Items with null inventory are unlimited and never change."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from advocacy.gifting.models import GiftItem
from advocacy.kit.errors import DomainError, ErrorCode


async def take_one(session: AsyncSession, item: GiftItem, field: str = "itemId") -> None:
    if item.inventory is None:
        return
    taken = await session.execute(
        update(GiftItem)
        .where(col(GiftItem.id) == item.id, col(GiftItem.inventory) > 0)
        .values(inventory=col(GiftItem.inventory) - 1)
        .returning(col(GiftItem.id))
    )
    if taken.first() is None:
        raise DomainError(ErrorCode.OUT_OF_STOCK, "this item is out of stock", field)


async def put_back_one(session: AsyncSession, item_id: int) -> None:
    await session.execute(
        update(GiftItem)
        .where(col(GiftItem.id) == item_id, col(GiftItem.inventory).is_not(None))
        .values(inventory=col(GiftItem.inventory) + 1)
    )
