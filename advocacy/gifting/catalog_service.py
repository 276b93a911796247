"""The only writer of the gift catalog."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.gifting.models import GiftItem, GiftItemKind, GiftProvider
from advocacy.kit.db import utcnow
from advocacy.kit.errors import ErrorCode
from advocacy.kit.updates import UNCHANGED, Unchanged
from advocacy.kit.validation import Checker
from advocacy.tenancy.models import Role
from advocacy.tenancy.owned import get_owned
from advocacy.tenancy.principal import Principal

MAX_INVENTORY = 1_000_000_000


@dataclass
class NewGiftItem:
    name: str
    kind: GiftItemKind
    price: int
    currency: str
    description: str | None = None
    tags: Sequence[str] = field(default_factory=list)
    regions: Sequence[str] = field(default_factory=list)
    inventory: int | None = None
    provider: GiftProvider = GiftProvider.SANDBOX
    sku: str | None = None
    image_url: str | None = None
    active: bool = True


@dataclass
class GiftItemChanges:
    name: str | Unchanged | None = UNCHANGED
    description: str | Unchanged | None = UNCHANGED
    price: int | Unchanged | None = UNCHANGED
    currency: str | Unchanged | None = UNCHANGED
    tags: Sequence[str] | Unchanged | None = UNCHANGED
    regions: Sequence[str] | Unchanged | None = UNCHANGED
    inventory: int | Unchanged | None = UNCHANGED
    provider: GiftProvider | Unchanged | None = UNCHANGED
    sku: str | Unchanged | None = UNCHANGED
    image_url: str | Unchanged | None = UNCHANGED
    active: bool | Unchanged | None = UNCHANGED


def _check_physical_regions(
    check: Checker, kind: GiftItemKind, given: Sequence[str] | None
) -> None:
    """A physical item must say where it ships (bad entries are reported on their own)."""
    if kind == GiftItemKind.PHYSICAL and not given:
        check.fail(
            "regions", ErrorCode.REQUIRED, "regions is required for PHYSICAL items (where it ships)"
        )


async def create_gift_item(
    session: AsyncSession, principal: Principal, new: NewGiftItem
) -> GiftItem:
    principal.require(Role.MARKETER)
    check = Checker()
    name = check.text("name", new.name, max_length=200)
    description = check.text("description", new.description, max_length=2000, required=False)
    price = check.amount("price", new.price)
    currency = check.currency("currency", new.currency)
    tags = check.tags("tags", new.tags)
    regions = check.regions("regions", new.regions)
    inventory = check.int_range("inventory", new.inventory, low=0, high=MAX_INVENTORY)
    sku = check.text("sku", new.sku, max_length=100, required=False)
    image_url = check.url("imageUrl", new.image_url)
    _check_physical_regions(check, new.kind, new.regions)
    check.done()
    assert name is not None and price is not None and currency is not None
    item = GiftItem(
        organization_id=principal.organization_id,
        name=name,
        description=description,
        kind=new.kind,
        price=price,
        currency=currency,
        tags=tags,
        regions=regions,
        inventory=inventory,
        provider=new.provider,
        sku=sku,
        image_url=image_url,
        active=new.active,
    )
    session.add(item)
    await session.flush()
    return item


async def get_gift_item(
    session: AsyncSession, principal: Principal, item_id: int, field_name: str = "id"
) -> GiftItem:
    return await get_owned(session, principal, GiftItem, item_id, field_name, "gift item")


async def update_gift_item(
    session: AsyncSession, principal: Principal, item_id: int, changes: GiftItemChanges
) -> GiftItem:
    """Change what the caller names. The kind is fixed: a different kind is a different item."""
    principal.require(Role.MARKETER)
    item = await get_gift_item(session, principal, item_id)
    check = Checker()
    updates: dict[str, object] = {}
    if changes.name is not UNCHANGED:
        updates["name"] = check.text("name", changes.name, max_length=200)
    if changes.description is not UNCHANGED:
        updates["description"] = check.text(
            "description", changes.description, max_length=2000, required=False
        )
    if changes.price is not UNCHANGED:
        updates["price"] = check.amount("price", changes.price)
    if changes.currency is not UNCHANGED:
        updates["currency"] = check.currency("currency", changes.currency)
    if changes.tags is not UNCHANGED:
        updates["tags"] = check.tags("tags", changes.tags)
    if changes.regions is not UNCHANGED:
        regions = check.regions("regions", changes.regions)
        _check_physical_regions(check, item.kind, changes.regions)
        updates["regions"] = regions
    if changes.inventory is not UNCHANGED:
        updates["inventory"] = check.int_range(
            "inventory", changes.inventory, low=0, high=MAX_INVENTORY
        )
    if changes.provider is not UNCHANGED:
        updates["provider"] = check.not_null("provider", changes.provider)
    if changes.sku is not UNCHANGED:
        updates["sku"] = check.text("sku", changes.sku, max_length=100, required=False)
    if changes.image_url is not UNCHANGED:
        updates["image_url"] = check.url("imageUrl", changes.image_url)
    if changes.active is not UNCHANGED:
        updates["active"] = check.not_null("active", changes.active)
    check.done()
    for key, value in updates.items():
        setattr(item, key, value)
    item.updated_at = utcnow()
    await session.flush()
    return item


async def archive_gift_item(session: AsyncSession, principal: Principal, item_id: int) -> GiftItem:
    """Take an item out of the catalog: no new sends or swaps to it. Sends already made keep
    it. ``updateGiftItem(active: true)`` brings it back."""
    return await update_gift_item(session, principal, item_id, GiftItemChanges(active=False))
