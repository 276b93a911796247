"""The gift catalog: queries and mutations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.dialect import dialect_name
from advocacy.gifting import catalog_service
from advocacy.gifting.models import GiftItem as GiftItemModel
from advocacy.gifting.models import GiftItemKind, GiftProvider
from advocacy.gifting.queries import GiftItemFilter, gift_items_query
from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.ids import decode_any_id, decode_id, encode_id
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.graphql.scalars import BigInt
from advocacy.graphql.types import Node
from advocacy.graphql.unset import maybe
from advocacy.tenancy.principal import Principal

strawberry.enum(GiftItemKind)
strawberry.enum(GiftProvider)


@strawberry.type(description="An amount in minor units (cents) of an ISO 4217 currency.")
class Money:
    amount: BigInt
    currency: str


@strawberry.type(description="A catalog entry advocates can be sent, swap to, or donate.")
class GiftItem(Node):
    pk: strawberry.Private[int]
    name: str
    description: str | None
    kind: GiftItemKind
    price: Money
    tags: list[str]
    regions: list[str] = strawberry.field(
        description="ISO 3166-1 alpha-2 countries it can go to; empty means anywhere."
    )
    inventory: int | None = strawberry.field(description="Left in stock; null is unlimited.")
    provider: GiftProvider
    sku: str | None
    image_url: str | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> GiftItem:
        return cls(
            id=strawberry.ID(encode_id("GiftItem", row.id)),
            pk=row.id,
            name=row.name,
            description=row.description,
            kind=GiftItemKind(row.kind),
            price=Money(amount=BigInt(row.price), currency=row.currency),
            tags=row.tags,
            regions=row.regions,
            inventory=row.inventory,
            provider=GiftProvider(row.provider),
            sku=row.sku,
            image_url=row.image_url,
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input(description="All given conditions must hold.")
class GiftItemFilterInput:
    kinds: list[GiftItemKind] | None = None
    tag: str | None = None
    price_min: BigInt | None = None
    price_max: BigInt | None = None
    currency: str | None = None
    active: bool | None = None
    region: str | None = strawberry.field(
        default=None, description="Items that can go to this country (ISO alpha-2)."
    )


@strawberry.input
class CreateGiftItemInput:
    name: str
    kind: GiftItemKind
    price: BigInt = strawberry.field(description="In minor units (cents).")
    currency: str
    description: str | None = None
    tags: list[str] | None = None
    regions: list[str] | None = strawberry.field(
        default=None, description="Required for PHYSICAL items; empty means anywhere."
    )
    inventory: int | None = strawberry.field(default=None, description="Null is unlimited.")
    provider: GiftProvider = GiftProvider.SANDBOX
    sku: str | None = None
    image_url: str | None = None
    active: bool = True


@strawberry.input
class UpdateGiftItemInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    price: BigInt | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    regions: list[str] | None = strawberry.UNSET
    inventory: int | None = strawberry.UNSET
    provider: GiftProvider | None = strawberry.UNSET
    sku: str | None = strawberry.UNSET
    image_url: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class ArchiveGiftItemInput:
    id: strawberry.ID


@strawberry.type
class GiftItemPayload:
    gift_item: GiftItem | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _item_payload(item: GiftItemModel) -> GiftItemPayload:
    return GiftItemPayload(gift_item=GiftItem.from_row(item))


def _item_filter(flt: GiftItemFilterInput | None) -> GiftItemFilter:
    if flt is None:
        return GiftItemFilter()
    return GiftItemFilter(
        kinds=tuple(flt.kinds) if flt.kinds else None,
        tag=flt.tag.strip().lower() if flt.tag else None,
        price_min=None if flt.price_min is None else int(flt.price_min),
        price_max=None if flt.price_max is None else int(flt.price_max),
        currency=flt.currency.strip().upper() if flt.currency else None,
        active=flt.active,
        region=flt.region.strip().upper() if flt.region else None,
    )


@strawberry.type
class GiftingQuery:
    @strawberry.field(permission_classes=[CanRead], description="The catalog, by name.")
    async def gift_items(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: GiftItemFilterInput | None = None,
    ) -> Connection[GiftItem]:
        ctx = info.context
        query = gift_items_query(
            dialect_name(ctx.session), ctx.organization_id, _item_filter(filter)
        )
        return await connection_from_query(ctx.session, query, GiftItem.from_row, first, after)

    @strawberry.field(permission_classes=[CanRead])
    async def gift_item(self, info: Info, id: strawberry.ID) -> GiftItem | None:
        decoded = decode_any_id(id)
        if decoded is None or decoded[0] != "GiftItem":
            return None
        return await info.context.loaders.gift_item.load(decoded[1])


@strawberry.type
class GiftingMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def create_gift_item(self, info: Info, input: CreateGiftItemInput) -> GiftItemPayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftItemModel:
            new = catalog_service.NewGiftItem(
                name=input.name,
                kind=input.kind,
                price=int(input.price),
                currency=input.currency,
                description=input.description,
                tags=input.tags or [],
                regions=input.regions or [],
                inventory=input.inventory,
                provider=input.provider,
                sku=input.sku,
                image_url=input.image_url,
                active=input.active,
            )
            return await catalog_service.create_gift_item(session, principal, new)

        return await mutate(info, work, GiftItemPayload, _item_payload)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def update_gift_item(self, info: Info, input: UpdateGiftItemInput) -> GiftItemPayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftItemModel:
            item_id = decode_id(input.id, "GiftItem", "id")
            price = maybe(input.price)
            changes = catalog_service.GiftItemChanges(
                name=maybe(input.name),
                description=maybe(input.description),
                price=int(price) if isinstance(price, int) else price,
                currency=maybe(input.currency),
                tags=maybe(input.tags),
                regions=maybe(input.regions),
                inventory=maybe(input.inventory),
                provider=maybe(input.provider),
                sku=maybe(input.sku),
                image_url=maybe(input.image_url),
                active=maybe(input.active),
            )
            return await catalog_service.update_gift_item(session, principal, item_id, changes)

        return await mutate(info, work, GiftItemPayload, _item_payload)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Take an item out of the catalog (no new sends or swaps to it).",
    )
    async def archive_gift_item(self, info: Info, input: ArchiveGiftItemInput) -> GiftItemPayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftItemModel:
            item_id = decode_id(input.id, "GiftItem", "id")
            return await catalog_service.archive_gift_item(session, principal, item_id)

        return await mutate(info, work, GiftItemPayload, _item_payload)
