"""The advocate's side of a gift. The link token is the only credential: it grants that one
gift while it is OFFERED and unexpired. An unknown, expired or used token gets the same
``GIFT_LINK_INVALID`` answer, whichever it is.

Every move is a conditional UPDATE on ``status = OFFERED AND expires_at > now`` (and, for a
swap, on the item the advocate was looking at), so a double click, two tabs or a race with the
expiry job has one effect and a clear error for the loser: ``GIFT_CHANGED`` ("the gift just
changed; reload"), not ``GIFT_LINK_INVALID``. The link was open when the loser read it, so
it is no guess, and the brake on guessing links must not count it (sixty racing clicks would
otherwise lock the advocate out of their own link).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from advocacy.gifting import budget, lifecycle, stock
from advocacy.gifting import jobs as gifting_jobs
from advocacy.gifting.links import hash_link_token
from advocacy.gifting.models import (
    GiftItem,
    GiftItemKind,
    GiftSend,
    GiftSendStatus,
    ShippingDetails,
)
from advocacy.kit.db import utcnow
from advocacy.kit.dialect import dialect_name, json_array_contains, json_array_is_empty
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.jobs import enqueue_after_commit
from advocacy.kit.validation import Checker

ADVOCATE = "advocate"
MAX_TOKEN_LENGTH = 100


def invalid_link() -> DomainError:
    return DomainError(
        ErrorCode.GIFT_LINK_INVALID,
        "this gift link can't be used: it may be mistyped, expired or already used",
        "token",
    )


def gift_changed() -> DomainError:
    """The conditional UPDATE of a move found the send no longer as it was read."""
    return DomainError(
        ErrorCode.GIFT_CHANGED,
        "the gift just changed (another tab or a second click); reload it and try again",
        "token",
    )


@dataclass
class ShippingAddress:
    name: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None


async def gift_for_token(session: AsyncSession, token: str) -> GiftSend | None:
    """The send a link belongs to, in whatever state (the advocate's page shows each state)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return await session.scalar(
        select(GiftSend).where(GiftSend.link_token_hash == hash_link_token(token))
    )


def is_open(send: GiftSend) -> bool:
    return send.status == GiftSendStatus.OFFERED and send.expires_at > utcnow()


async def _open_offer(session: AsyncSession, token: str) -> GiftSend:
    send = await gift_for_token(session, token)
    if send is None or not is_open(send):
        raise invalid_link()
    return send


def _options_query(send: GiftSend, *, donations: bool) -> SelectOfScalar[GiftItem]:
    """Items of the gift's organization and currency worth no more than it was when sent."""
    kind = col(GiftItem.kind)
    return select(GiftItem).where(
        GiftItem.organization_id == send.organization_id,
        col(GiftItem.active).is_(True),
        GiftItem.currency == send.currency,
        col(GiftItem.price) <= send.original_value,
        kind == GiftItemKind.DONATION if donations else kind != GiftItemKind.DONATION,
    )


async def swap_options(
    session: AsyncSession, send: GiftSend, country: str | None = None
) -> Sequence[GiftItem]:
    """What the advocate may swap to: active, worth no more than the gift was when sent, in
    stock, and (given their country) able to go there. Donations are offered separately."""
    if not is_open(send):
        return []
    query = _options_query(send, donations=False).where(
        col(GiftItem.id) != send.item_id,
        or_(col(GiftItem.inventory).is_(None), col(GiftItem.inventory) > 0),
    )
    if country:
        dialect = dialect_name(session)
        query = query.where(
            or_(
                json_array_is_empty(dialect, GiftItem.regions),
                json_array_contains(dialect, GiftItem.regions, country.strip().upper()),
            )
        )
    return (await session.scalars(query.order_by(col(GiftItem.price).desc(), GiftItem.name))).all()


async def donation_options(session: AsyncSession, send: GiftSend) -> Sequence[GiftItem]:
    """Charities the advocate may give the gift to instead: always offered, wherever they are."""
    if not is_open(send):
        return []
    query = _options_query(send, donations=True)
    return (await session.scalars(query.order_by(GiftItem.name))).all()


async def _option(
    session: AsyncSession, send: GiftSend, item_id: int, *, donation: bool
) -> GiftItem:
    item = await session.get(GiftItem, item_id)
    if item is None or item.organization_id != send.organization_id or not item.active:
        raise DomainError(ErrorCode.NOT_FOUND, "that item isn't one of your options", "itemId")
    if donation and item.kind != GiftItemKind.DONATION:
        raise DomainError(ErrorCode.INVALID, "that item isn't a donation", "itemId")
    if not donation and item.kind == GiftItemKind.DONATION:
        raise DomainError(ErrorCode.INVALID, "use donateGift to give to a charity", "itemId")
    if item.currency != send.currency or item.price > send.original_value:
        raise DomainError(
            ErrorCode.INVALID, "that item is worth more than your gift; pick an option", "itemId"
        )
    return item


async def _change_item(session: AsyncSession, send: GiftSend, item: GiftItem) -> GiftSend:
    """Swap the send to ``item``: its reservation becomes the item's price (never above the
    original value), a unit of the new item is taken and the old one put back."""
    assert send.id is not None and item.id is not None
    old_item_id, old_amount = send.item_id, send.reserved_amount
    moved = await lifecycle.transition(
        session,
        send.id,
        GiftSendStatus.OFFERED,
        None,
        col(GiftSend.item_id) == old_item_id,
        col(GiftSend.expires_at) > utcnow(),
        item_id=item.id,
        reserved_amount=item.price,
    )
    if moved is None:
        raise gift_changed()
    await lifecycle.record_event(
        session, moved, "SWAPPED", ADVOCATE, from_item_id=old_item_id, to_item_id=item.id
    )
    await stock.take_one(session, item)
    await stock.put_back_one(session, old_item_id)
    difference = item.price - old_amount
    if difference < 0:
        await budget.release(session, send.organization_id, send.program_id, send.id, -difference)
    elif difference > 0:
        await budget.reserve(session, send.organization_id, send.program_id, send.id, difference)
    await session.flush()
    return moved


async def swap_gift(session: AsyncSession, token: str, item_id: int) -> GiftSend:
    send = await _open_offer(session, token)
    if item_id == send.item_id:
        raise DomainError(ErrorCode.INVALID, "that is already your gift", "itemId")
    item = await _option(session, send, item_id, donation=False)
    return await _change_item(session, send, item)


def _checked_address(address: ShippingAddress | None, item: GiftItem) -> ShippingAddress:
    field = "shippingAddress"
    if address is None:
        raise DomainError(ErrorCode.REQUIRED, "a shipping address is required for this gift", field)
    check = Checker(prefix=f"{field}.")
    clean = ShippingAddress(
        name=check.text("name", address.name, max_length=200),
        line1=check.text("line1", address.line1, max_length=200),
        line2=check.text("line2", address.line2, max_length=200, required=False),
        city=check.text("city", address.city, max_length=100),
        region=check.text("region", address.region, max_length=100, required=False),
        postal_code=check.text("postalCode", address.postal_code, max_length=20, required=False),
        country=check.country("country", address.country),
        phone=check.text("phone", address.phone, max_length=40, required=False),
    )
    check.done()
    if item.regions and clean.country not in item.regions:
        raise DomainError(
            ErrorCode.NOT_SHIPPABLE,
            f"this gift can't be sent to {clean.country}; swap it for one that can",
            f"{field}.country",
        )
    return clean


async def _redeem(
    session: AsyncSession, send: GiftSend, address: ShippingAddress | None, event: str
) -> GiftSend:
    assert send.id is not None
    item = await session.get_one(GiftItem, send.item_id)
    physical = item.kind == GiftItemKind.PHYSICAL
    clean = _checked_address(address, item) if physical else None
    now = utcnow()
    moved = await lifecycle.transition(
        session,
        send.id,
        GiftSendStatus.OFFERED,
        GiftSendStatus.REDEEMED,
        col(GiftSend.item_id) == item.id,
        col(GiftSend.expires_at) > now,
        redeemed_at=now,
        shipping_country=clean.country if clean else None,
    )
    if moved is None:
        raise gift_changed()
    if clean is not None:
        session.add(
            ShippingDetails(
                send_id=send.id,
                organization_id=send.organization_id,
                name=clean.name or "",
                line1=clean.line1 or "",
                line2=clean.line2,
                city=clean.city or "",
                region=clean.region,
                postal_code=clean.postal_code,
                country=clean.country or "",
                phone=clean.phone,
            )
        )
    await lifecycle.record_event(session, moved, event, ADVOCATE, item_id=item.id)
    await session.flush()
    enqueue_after_commit(session, gifting_jobs.fulfil, send_id=send.id)
    return moved


async def redeem_gift(
    session: AsyncSession, token: str, address: ShippingAddress | None = None
) -> GiftSend:
    """Accept the gift as it is now. Physical gifts need an address they can ship to; the
    address is kept apart from the send (``ShippingDetails``)."""
    send = await _open_offer(session, token)
    return await _redeem(session, send, address, "REDEEMED")


async def donate_gift(session: AsyncSession, token: str, item_id: int) -> GiftSend:
    """Give the gift to a charity instead (a DONATION item); then it's fulfilled like any
    redeemed gift."""
    send = await _open_offer(session, token)
    item = await _option(session, send, item_id, donation=True)
    if item.id != send.item_id:
        send = await _change_item(session, send, item)
    return await _redeem(session, send, None, "DONATED")


async def decline_gift(session: AsyncSession, token: str) -> GiftSend:
    send = await _open_offer(session, token)
    assert send.id is not None
    declined = await lifecycle.close(
        session,
        send.id,
        GiftSendStatus.OFFERED,
        GiftSendStatus.DECLINED,
        ADVOCATE,
        col(GiftSend.expires_at) > utcnow(),
    )
    if declined is None:
        raise gift_changed()
    return declined
