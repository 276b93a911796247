"""The advocate's side of a gift: public operations whose only credential is the link token.

Nothing here needs (or reads) an API token, and nothing reveals more than that one gift: no
prices, stock, provider, budget, other gifts or the marketer's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.gifting import redemption_service
from advocacy.gifting.link_attempts import AttemptCounter, client_fingerprint
from advocacy.gifting.models import GiftItem as GiftItemModel
from advocacy.gifting.models import GiftItemKind, GiftSendStatus
from advocacy.gifting.models import GiftSend as GiftSendModel
from advocacy.graphql.context import Info
from advocacy.graphql.errors import ApiError, UserError
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.graphql.mutations import mutate_public
from advocacy.kit.db import utcnow
from advocacy.kit.errors import ErrorCode
from advocacy.tenancy.models import Organization

RATE_LIMITED = "RATE_LIMITED"


@strawberry.type(description="An item as an advocate sees it: no price, stock or provider.")
class GiftOption:
    id: strawberry.ID
    name: str
    description: str | None
    kind: GiftItemKind
    image_url: str | None
    ships_to: list[str] = strawberry.field(
        description="Countries (ISO alpha-2) it can be sent to; empty means anywhere."
    )

    @classmethod
    def from_row(cls, item: GiftItemModel) -> GiftOption:
        assert item.id is not None
        return cls(
            id=strawberry.ID(encode_id("GiftItem", item.id)),
            name=item.name,
            description=item.description,
            kind=item.kind,
            image_url=item.image_url,
            ships_to=list(item.regions) if item.kind == GiftItemKind.PHYSICAL else [],
        )


@strawberry.type(description="One gift, as the advocate holding its link sees it.")
class AdvocateGift:
    send: strawberry.Private[GiftSendModel]
    status: GiftSendStatus = strawberry.field(
        description="EXPIRED as soon as the expiry passes, even before the expiry job runs; "
        "FULFILLING while the provider's answer is being reconciled (never "
        "NEEDS_RECONCILIATION: that is the marketer's concern, the gift is on its way)."
    )
    message: str | None
    expires_at: dt.datetime
    from_organization: str
    item: GiftOption
    needs_shipping_address: bool

    @strawberry.field(
        description="Items the gift can be swapped to while it is OFFERED; give `country` "
        "to see only what can be sent there."
    )
    async def swap_options(self, info: Info, country: str | None = None) -> list[GiftOption]:
        items = await redemption_service.swap_options(info.context.session, self.send, country)
        return [GiftOption.from_row(item) for item in items]

    @strawberry.field(description="Charities the gift can be donated to while it is OFFERED.")
    async def donation_options(self, info: Info) -> list[GiftOption]:
        items = await redemption_service.donation_options(info.context.session, self.send)
        return [GiftOption.from_row(item) for item in items]


async def advocate_gift(session: AsyncSession, send: GiftSendModel) -> AdvocateGift:
    item = await session.get_one(GiftItemModel, send.item_id)
    organization = await session.get_one(Organization, send.organization_id)
    status = send.status
    if status == GiftSendStatus.OFFERED and send.expires_at <= utcnow():
        status = GiftSendStatus.EXPIRED
    elif status == GiftSendStatus.NEEDS_RECONCILIATION:
        status = GiftSendStatus.FULFILLING
    return AdvocateGift(
        send=send,
        status=status,
        message=send.message,
        expires_at=send.expires_at,
        from_organization=organization.name,
        item=GiftOption.from_row(item),
        needs_shipping_address=item.kind == GiftItemKind.PHYSICAL,
    )


@strawberry.input(description="Where a physical gift goes. Only fulfilment ever reads it.")
class ShippingAddressInput:
    name: str
    line1: str
    city: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. DE.")
    line2: str | None = None
    region: str | None = None
    postal_code: str | None = None
    phone: str | None = None


@strawberry.input
class RedeemGiftInput:
    token: str
    shipping_address: ShippingAddressInput | None = strawberry.field(
        default=None, description="Required when the gift is physical; ignored otherwise."
    )


@strawberry.input
class SwapGiftInput:
    token: str
    item_id: strawberry.ID = strawberry.field(description="One of `gift.swapOptions`.")


@strawberry.input
class DonateGiftInput:
    token: str
    item_id: strawberry.ID = strawberry.field(description="One of `gift.donationOptions`.")


@strawberry.input
class DeclineGiftInput:
    token: str


@strawberry.type
class AdvocateGiftPayload:
    gift: AdvocateGift | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _address(given: ShippingAddressInput | None) -> redemption_service.ShippingAddress | None:
    if given is None:
        return None
    return redemption_service.ShippingAddress(
        name=given.name,
        line1=given.line1,
        line2=given.line2,
        city=given.city,
        region=given.region,
        postal_code=given.postal_code,
        country=given.country,
        phone=given.phone,
    )


async def _payload(info: Info, send: GiftSendModel) -> AdvocateGiftPayload:
    return AdvocateGiftPayload(gift=await advocate_gift(info.context.session, send))


@dataclass
class LinkAttempt:
    """One client's use of a gift link, for the brake on guessing (``link_attempts``): taken
    up front, given back when the link turns out to work."""

    counter: AttemptCounter | None
    client: str

    @classmethod
    async def begin(cls, info: Info) -> LinkAttempt:
        """Refuse at once (``RATE_LIMITED``) a client over its limit of misses."""
        request = info.context.request
        counter = getattr(request.app.state, "gift_attempts", None) if request else None
        if counter is None or request is None:  # the schema run outside the app
            return cls(None, "")
        client = client_fingerprint(request)
        if not await counter.take(client):
            raise ApiError(
                "too many unknown gift links from this network; try again later", RATE_LIMITED
            )
        return cls(counter, client)

    async def worked(self) -> None:
        """The link was a real one: the attempt doesn't count."""
        if self.counter is not None:
            await self.counter.refund(self.client)

    async def settle(self, payload: AdvocateGiftPayload) -> AdvocateGiftPayload:
        if not any(error.code == ErrorCode.GIFT_LINK_INVALID for error in payload.errors):
            await self.worked()
        return payload


async def _guarded(
    info: Info, work: Callable[[AsyncSession], Awaitable[GiftSendModel]]
) -> AdvocateGiftPayload:
    """A move on a gift, counted as a miss when the link can't be used."""
    attempt = await LinkAttempt.begin(info)
    payload = await mutate_public(info, work, AdvocateGiftPayload, lambda s: _payload(info, s))
    return await attempt.settle(payload)


@strawberry.type
class AdvocateGiftQuery:
    @strawberry.field(
        description="The gift a link belongs to (public: the link token is the credential). "
        "Null when the token matches no gift."
    )
    async def gift(self, info: Info, token: str) -> AdvocateGift | None:
        attempt = await LinkAttempt.begin(info)
        session = info.context.session
        send = await redemption_service.gift_for_token(session, token)
        if send is None:
            return None  # a miss: the attempt stays counted
        await attempt.worked()
        return await advocate_gift(session, send)


@strawberry.type
class AdvocateGiftMutation:
    @strawberry.mutation(description="Accept the gift; fulfilment starts right after.")
    async def redeem_gift(self, info: Info, input: RedeemGiftInput) -> AdvocateGiftPayload:
        async def work(session: AsyncSession) -> GiftSendModel:
            return await redemption_service.redeem_gift(
                session, input.token, _address(input.shipping_address)
            )

        return await _guarded(info, work)

    @strawberry.mutation(description="Change the gift to another option (while OFFERED).")
    async def swap_gift(self, info: Info, input: SwapGiftInput) -> AdvocateGiftPayload:
        async def work(session: AsyncSession) -> GiftSendModel:
            item_id = decode_id(input.item_id, "GiftItem", "itemId")
            return await redemption_service.swap_gift(session, input.token, item_id)

        return await _guarded(info, work)

    @strawberry.mutation(description="Give the gift's value to a charity instead.")
    async def donate_gift(self, info: Info, input: DonateGiftInput) -> AdvocateGiftPayload:
        async def work(session: AsyncSession) -> GiftSendModel:
            item_id = decode_id(input.item_id, "GiftItem", "itemId")
            return await redemption_service.donate_gift(session, input.token, item_id)

        return await _guarded(info, work)

    @strawberry.mutation(description="Say no thanks; the gift's budget goes back to the program.")
    async def decline_gift(self, info: Info, input: DeclineGiftInput) -> AdvocateGiftPayload:
        async def work(session: AsyncSession) -> GiftSendModel:
            return await redemption_service.decline_gift(session, input.token)

        return await _guarded(info, work)
