"""The gift catalog: queries and mutations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from advocacy.gifting import catalog_service, send_service
from advocacy.gifting.links import gift_url
from advocacy.gifting.models import GiftItem as GiftItemModel
from advocacy.gifting.models import GiftItemKind, GiftProvider, GiftSendReason, GiftSendStatus
from advocacy.gifting.models import GiftSend as GiftSendModel
from advocacy.gifting.queries import (
    GiftItemFilter,
    GiftSendFilter,
    gift_items_query,
    gift_sends_query,
)
from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError, user_errors
from advocacy.graphql.ids import decode_id, encode_id, filter_id
from advocacy.graphql.loaders import required
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.graphql.scalars import BigInt, filter_time
from advocacy.graphql.types import Advocate, Node, Program
from advocacy.graphql.unset import maybe
from advocacy.kit.dialect import dialect_name
from advocacy.kit.errors import DomainErrors
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


strawberry.enum(GiftSendStatus)
strawberry.enum(GiftSendReason)


@strawberry.type(description="Something that happened to a gift, in order.")
class GiftEvent:
    kind: str = strawberry.field(
        description="OFFERED, EMAILED, REMINDED, SWAPPED, REDEEMED, DONATED, FULFILLING, RETRY, "
        "NEEDS_RECONCILIATION, FULFILLED, FAILED, DECLINED, EXPIRED or CANCELLED."
    )
    actor: str = strawberry.field(description="token:<id>, advocate, system or worker.")
    at: dt.datetime
    detail: JSON = strawberry.field(
        description="What changed: amounts, items swapped, attempt numbers, provider errors."
    )


@strawberry.type(description="What marketers may know about a gift's delivery address.")
class ShippingSummary:
    country: str | None
    address_given: bool


@strawberry.type(description="A gift offered to an advocate from a program's budget.")
class GiftSend(Node):
    pk: strawberry.Private[int]
    advocate_id: strawberry.Private[int]
    program_id: strawberry.Private[int]
    item_id: strawberry.Private[int]
    original_item_id: strawberry.Private[int]
    status: GiftSendStatus
    reason: GiftSendReason
    message: str | None
    amount: Money = strawberry.field(
        description="The gift's value now: reserved while open, spent once fulfilled, "
        "released when it ends otherwise."
    )
    original_value: Money = strawberry.field(description="The value when sent: the swap cap.")
    expires_at: dt.datetime
    created_at: dt.datetime
    redeemed_at: dt.datetime | None
    fulfilled_at: dt.datetime | None
    closed_at: dt.datetime | None
    provider_reference: str | None
    failure_reason: str | None
    reconciliation_reason: str | None = strawberry.field(
        description="Why the provider's answer is unknown (a time-out: the order may be "
        "placed). Set while NEEDS_RECONCILIATION; kept as history once settled."
    )
    shipping: ShippingSummary = strawberry.field(
        description="Where it ships; the address itself is never shown to marketers."
    )
    fulfil_attempts: int

    @classmethod
    def from_row(cls, row: Any) -> GiftSend:
        return cls(
            id=strawberry.ID(encode_id("GiftSend", row.id)),
            pk=row.id,
            advocate_id=row.advocate_id,
            program_id=row.program_id,
            item_id=row.item_id,
            original_item_id=row.original_item_id,
            status=GiftSendStatus(row.status),
            reason=GiftSendReason(row.reason),
            message=row.message,
            amount=Money(amount=BigInt(row.reserved_amount), currency=row.currency),
            original_value=Money(amount=BigInt(row.original_value), currency=row.currency),
            expires_at=row.expires_at,
            created_at=row.created_at,
            redeemed_at=row.redeemed_at,
            fulfilled_at=row.fulfilled_at,
            closed_at=row.closed_at,
            provider_reference=row.provider_reference,
            failure_reason=row.failure_reason,
            reconciliation_reason=row.reconciliation_reason,
            shipping=ShippingSummary(
                country=row.shipping_country, address_given=row.shipping_country is not None
            ),
            fulfil_attempts=row.fulfil_attempts,
        )

    @strawberry.field
    async def advocate(self, info: Info) -> Advocate:
        return await required(info.context.loaders.advocate, self.advocate_id)

    @strawberry.field
    async def program(self, info: Info) -> Program:
        return await required(info.context.loaders.program, self.program_id)

    @strawberry.field(description="The item now chosen (after any swap).")
    async def item(self, info: Info) -> GiftItem:
        return await required(info.context.loaders.gift_item, self.item_id)

    @strawberry.field
    async def original_item(self, info: Info) -> GiftItem:
        return await required(info.context.loaders.gift_item, self.original_item_id)

    @strawberry.field(description="The history, oldest first.")
    async def events(self, info: Info) -> list[GiftEvent]:
        rows = await info.context.loaders.send_events.load(self.pk)
        return [
            GiftEvent(kind=row.kind, actor=row.actor, at=row.created_at, detail=row.detail)
            for row in rows
        ]


@strawberry.input(description="All given conditions must hold.")
class GiftSendFilterInput:
    statuses: list[GiftSendStatus] | None = None
    program_id: strawberry.ID | None = None
    advocate_id: strawberry.ID | None = None
    sent_after: dt.datetime | None = None
    sent_before: dt.datetime | None = None


@strawberry.input
class SendGiftInput:
    advocate_id: strawberry.ID
    item_id: strawberry.ID
    program_id: strawberry.ID
    message: str | None = None
    expires_in_days: int | None = strawberry.field(default=None, description="Default 30.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Sending again with the same key returns the first send (without its "
        "link); the same key with different input is IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.type
class SendGiftPayload:
    gift_send: GiftSend | None = None
    gift_link: str | None = strawberry.field(
        default=None,
        description="The advocate's link, shown only here and only on the first send.",
    )
    replayed: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="One item from one program to many advocates (at most 500).")
class SendGiftsInput:
    advocate_ids: list[strawberry.ID]
    item_id: strawberry.ID
    program_id: strawberry.ID
    message: str | None = None
    expires_in_days: int | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Each advocate's send is keyed `<key>:<advocate>`: retrying the call "
        "replays the sends that went out and retries the ones that failed.",
    )


@strawberry.type(description="What happened for one advocate of a sendGifts call.")
class SendGiftsResult:
    advocate_id: strawberry.ID
    gift_send: GiftSend | None
    gift_link: str | None
    replayed: bool
    errors: list[UserError]


@strawberry.type
class SendGiftsPayload:
    results: list[SendGiftsResult] = strawberry.field(
        default_factory=list, description="One per advocate, in the order given."
    )
    sent_count: int = 0
    failed_count: int = 0
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Problems with the whole call; then nothing was sent."
    )


@strawberry.input
class CancelGiftInput:
    id: strawberry.ID


@strawberry.type
class GiftSendPayload:
    gift_send: GiftSend | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


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


def _link(token: str | None) -> str | None:
    return None if token is None else gift_url(token)


def _batch_payload(outcome: send_service.BatchOutcome) -> SendGiftsPayload:
    rows = [
        SendGiftsResult(
            advocate_id=strawberry.ID(encode_id("Advocate", result.advocate_id)),
            gift_send=GiftSend.from_row(result.sent.send) if result.sent else None,
            gift_link=_link(result.sent.link_token) if result.sent else None,
            replayed=result.sent.replayed if result.sent else False,
            errors=user_errors(DomainErrors(result.errors)) if result.errors else [],
        )
        for result in outcome.results
    ]
    sent = sum(1 for row in rows if row.gift_send is not None)
    return SendGiftsPayload(results=rows, sent_count=sent, failed_count=len(rows) - sent)


def send_payload(send: GiftSendModel) -> GiftSendPayload:
    return GiftSendPayload(gift_send=GiftSend.from_row(send))


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


def _send_filter(flt: GiftSendFilterInput | None) -> GiftSendFilter:
    if flt is None:
        return GiftSendFilter()
    return GiftSendFilter(
        statuses=tuple(flt.statuses) if flt.statuses else None,
        program_id=filter_id(flt.program_id, "Program"),
        advocate_id=filter_id(flt.advocate_id, "Advocate"),
        sent_after=filter_time(flt.sent_after, "filter.sentAfter"),
        sent_before=filter_time(flt.sent_before, "filter.sentBefore"),
    )


async def gift_sends_connection(
    info: Info, flt: GiftSendFilter, first: int | None, after: str | None
) -> Connection[GiftSend]:
    query = gift_sends_query(info.context.organization_id, flt)
    return await connection_from_query(info.context.session, query, GiftSend.from_row, first, after)


@strawberry.type
class GiftingQuery:
    @strawberry.field(permission_classes=[CanRead], description="Gift sends, newest first.")
    async def gift_sends(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: GiftSendFilterInput | None = None,
    ) -> Connection[GiftSend]:
        return await gift_sends_connection(info, _send_filter(filter), first, after)

    @strawberry.field(permission_classes=[CanRead])
    async def gift_send(self, info: Info, id: strawberry.ID) -> GiftSend | None:
        return await info.context.loaders.by_global_id(id, "GiftSend")

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
        return await info.context.loaders.by_global_id(id, "GiftItem")


@strawberry.type
class GiftingMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def send_gift(self, info: Info, input: SendGiftInput) -> SendGiftPayload:
        async def work(session: AsyncSession, principal: Principal) -> send_service.SentGift:
            new = send_service.NewSend(
                advocate_id=decode_id(input.advocate_id, "Advocate", "advocateId"),
                item_id=decode_id(input.item_id, "GiftItem", "itemId"),
                program_id=decode_id(input.program_id, "Program", "programId"),
                message=input.message,
                expires_in_days=input.expires_in_days,
                idempotency_key=input.idempotency_key,
            )
            return await send_service.send_gift(session, principal, new)

        def sent(result: send_service.SentGift) -> SendGiftPayload:
            return SendGiftPayload(
                gift_send=GiftSend.from_row(result.send),
                gift_link=_link(result.link_token),
                replayed=result.replayed,
            )

        return await mutate(info, work, SendGiftPayload, sent)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Send one item to up to 500 advocates; each advocate's send succeeds or "
        "fails on its own (per-advocate results).",
    )
    async def send_gifts(self, info: Info, input: SendGiftsInput) -> SendGiftsPayload:
        async def work(session: AsyncSession, principal: Principal) -> send_service.BatchOutcome:
            batch = send_service.BatchSend(
                advocate_ids=[
                    decode_id(raw, "Advocate", f"advocateIds.{index}")
                    for index, raw in enumerate(input.advocate_ids)
                ],
                item_id=decode_id(input.item_id, "GiftItem", "itemId"),
                program_id=decode_id(input.program_id, "Program", "programId"),
                message=input.message,
                expires_in_days=input.expires_in_days,
                idempotency_key=input.idempotency_key,
            )
            return await send_service.send_gifts(session, principal, batch)

        return await mutate(info, work, SendGiftsPayload, _batch_payload)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Withdraw an OFFERED gift: its budget and stock come back.",
    )
    async def cancel_gift(self, info: Info, input: CancelGiftInput) -> GiftSendPayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftSendModel:
            send_id = decode_id(input.id, "GiftSend", "id")
            return await send_service.cancel_gift(session, principal, send_id)

        return await mutate(info, work, GiftSendPayload, send_payload)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Let a gift a rule created for approval go out (PENDING_APPROVAL → OFFERED).",
    )
    async def approve_gift_send(self, info: Info, input: CancelGiftInput) -> GiftSendPayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftSendModel:
            send_id = decode_id(input.id, "GiftSend", "id")
            return await send_service.approve_gift_send(session, principal, send_id)

        return await mutate(info, work, GiftSendPayload, send_payload)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Don't send a gift awaiting approval: CANCELLED, its budget back.",
    )
    async def reject_gift_send(self, info: Info, input: CancelGiftInput) -> GiftSendPayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftSendModel:
            send_id = decode_id(input.id, "GiftSend", "id")
            return await send_service.reject_gift_send(session, principal, send_id)

        return await mutate(info, work, GiftSendPayload, send_payload)

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
