"""The only writer of gift sends: sending (idempotent by key) and cancelling.

Sending takes stock and budget with conditional UPDATEs inside the caller's transaction, so
concurrent sends can't oversell an item or overspend a program; any failure rolls the whole
send back. The advocate's link token is returned once and only its hash is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import AdvocateStatus
from advocacy.advocates.service import get_advocate
from advocacy.db import utcnow
from advocacy.errors import DomainError, ErrorCode
from advocacy.gifting import budget
from advocacy.gifting.catalog_service import get_gift_item
from advocacy.gifting.models import (
    GiftEvent,
    GiftItem,
    GiftSend,
    GiftSendReason,
    GiftSendStatus,
)
from advocacy.idempotency import earlier_result, fingerprint
from advocacy.programs.models import Program, ProgramStatus
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal
from advocacy.validation import Checker

DEFAULT_EXPIRY_DAYS = 30
MAX_EXPIRY_DAYS = 365


@dataclass
class NewSend:
    advocate_id: int
    item_id: int
    program_id: int
    message: str | None = None
    expires_in_days: int | None = None
    idempotency_key: str | None = None
    reason: GiftSendReason = GiftSendReason.MANUAL


@dataclass
class SentGift:
    send: GiftSend
    link_token: str | None
    """The advocate's credential, shown this once; None when the key replays an earlier send."""
    replayed: bool


def hash_link_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(principal: Principal) -> str:
    return f"token:{principal.token_id}" if principal.token_id is not None else "system"


def record_event(
    session: AsyncSession, send: GiftSend, kind: str, actor: str, **detail: object
) -> None:
    assert send.id is not None
    session.add(
        GiftEvent(
            organization_id=send.organization_id,
            send_id=send.id,
            kind=kind,
            actor=actor,
            detail=detail,
        )
    )


def _fingerprint(new: NewSend, expires_in_days: int) -> str:
    return fingerprint(
        {
            "advocate": new.advocate_id,
            "item": new.item_id,
            "program": new.program_id,
            "message": new.message,
            "expires_in_days": expires_in_days,
            "reason": str(new.reason),
        }
    )


async def _replay(
    session: AsyncSession, principal: Principal, key: str, digest: str
) -> SentGift | None:
    lookup = select(GiftSend).where(
        GiftSend.organization_id == principal.organization_id,
        GiftSend.idempotency_key == key,
    )
    earlier = await earlier_result(session, lookup, digest, field="idempotencyKey", what="gift")
    return None if earlier is None else SentGift(earlier, link_token=None, replayed=True)


async def _take_one(session: AsyncSession, item: GiftItem) -> None:
    """One unit of stock, if the item counts stock at all."""
    if item.inventory is None:
        return
    taken = await session.execute(
        update(GiftItem)
        .where(col(GiftItem.id) == item.id, col(GiftItem.inventory) > 0)
        .values(inventory=col(GiftItem.inventory) - 1)
        .returning(col(GiftItem.id))
    )
    if taken.first() is None:
        raise DomainError(ErrorCode.OUT_OF_STOCK, "this item is out of stock", "itemId")


async def _put_back_one(session: AsyncSession, item_id: int) -> None:
    await session.execute(
        update(GiftItem)
        .where(col(GiftItem.id) == item_id, col(GiftItem.inventory).is_not(None))
        .values(inventory=col(GiftItem.inventory) + 1)
    )


async def send_gift(session: AsyncSession, principal: Principal, new: NewSend) -> SentGift:
    principal.require(Role.MARKETER)
    check = Checker()
    message = check.text("message", new.message, max_length=2000, required=False)
    days = check.int_range("expiresInDays", new.expires_in_days, low=1, high=MAX_EXPIRY_DAYS)
    key = check.text("idempotencyKey", new.idempotency_key, max_length=200, required=False)
    check.done()
    new.message = message
    expires_in_days = days or DEFAULT_EXPIRY_DAYS
    fingerprint = _fingerprint(new, expires_in_days)
    if key is not None:
        replay = await _replay(session, principal, key, fingerprint)
        if replay is not None:
            return replay

    program = await session.scalar(
        select(Program).where(
            Program.id == new.program_id, Program.organization_id == principal.organization_id
        )
    )
    if program is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such program", "programId")
    if program.status != ProgramStatus.ACTIVE:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"the program is {program.status}, not ACTIVE", "programId"
        )
    item = await get_gift_item(session, principal, new.item_id, "itemId")
    if not item.active:
        raise DomainError(ErrorCode.INVALID_STATE, "this item is archived", "itemId")
    if item.currency != program.currency:
        raise DomainError(
            ErrorCode.INVALID,
            f"the item is priced in {item.currency}; the program's budget is in {program.currency}",
            "itemId",
        )
    advocate = await get_advocate(session, principal, new.advocate_id, "advocateId")
    if advocate.status == AdvocateStatus.OPTED_OUT:
        raise DomainError(ErrorCode.INVALID_STATE, "the advocate has opted out", "advocateId")

    token = secrets.token_urlsafe(32)
    now = utcnow()
    send = GiftSend(
        organization_id=principal.organization_id,
        program_id=new.program_id,
        advocate_id=new.advocate_id,
        item_id=new.item_id,
        original_item_id=new.item_id,
        message=message,
        reason=new.reason,
        status=GiftSendStatus.OFFERED,
        link_token_hash=hash_link_token(token),
        expires_at=now + dt.timedelta(days=expires_in_days),
        currency=item.currency,
        original_value=item.price,
        reserved_amount=item.price,
        idempotency_key=key,
        input_fingerprint=fingerprint if key else None,
        sent_by_token_id=principal.token_id,
        created_at=now,
        updated_at=now,
    )
    session.add(send)
    await session.flush()
    assert send.id is not None
    await _take_one(session, item)
    await budget.reserve(session, principal.organization_id, program.id or 0, send.id, item.price)
    record_event(session, send, "OFFERED", actor_of(principal), item_id=item.id, amount=item.price)
    await session.flush()
    return SentGift(send, link_token=token, replayed=False)


async def cancel_gift(session: AsyncSession, principal: Principal, send_id: int) -> GiftSend:
    """A marketer withdraws an offer the advocate hasn't acted on: budget and stock return."""
    principal.require(Role.MARKETER)
    send = await session.scalar(
        select(GiftSend)
        .where(GiftSend.id == send_id, GiftSend.organization_id == principal.organization_id)
        .with_for_update()
    )
    if send is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such gift", "id")
    if send.status != GiftSendStatus.OFFERED:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"only an OFFERED gift can be cancelled; it is {send.status}",
            "id",
        )
    amount = send.reserved_amount
    send.status = GiftSendStatus.CANCELLED
    send.reserved_amount = 0
    send.closed_at = send.updated_at = utcnow()
    await session.flush()
    assert send.id is not None
    await budget.release(session, send.organization_id, send.program_id, send.id, amount)
    await _put_back_one(session, send.item_id)
    record_event(session, send, "CANCELLED", actor_of(principal), released=amount)
    await session.flush()
    return send
