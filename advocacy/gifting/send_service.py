"""Marketer-side gift sends: sending (idempotent by key), batch sending and cancelling.

Sending takes stock and budget with conditional UPDATEs inside the caller's transaction, so
concurrent sends can't oversell an item or overspend a program; any failure rolls the whole
send back. The advocate's link token is returned once and only its hash is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from advocacy.advocates.models import AdvocateStatus
from advocacy.advocates.service import get_advocate
from advocacy.gifting import budget, lifecycle, stock
from advocacy.gifting import jobs as gifting_jobs
from advocacy.gifting.catalog_service import get_gift_item
from advocacy.gifting.lifecycle import actor_of, record_event
from advocacy.gifting.links import hash_link_token, link_token, new_link_salt
from advocacy.gifting.models import (
    GiftItem,
    GiftSend,
    GiftSendReason,
    GiftSendStatus,
)
from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, DomainErrors, ErrorCode
from advocacy.kit.idempotency import earlier_result, fingerprint
from advocacy.kit.jobs import enqueue_after_commit
from advocacy.kit.validation import Checker
from advocacy.programs.models import Program, ProgramStatus
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal

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
    pending_approval: bool = False
    """Create it PENDING_APPROVAL (budget reserved, no email) for a marketer to approve."""


@dataclass
class SentGift:
    send: GiftSend
    link_token: str | None
    """The advocate's credential, shown this once; None when the key replays an earlier send."""
    replayed: bool


def _fingerprint(new: NewSend, expires_in_days: int) -> str:
    return fingerprint(
        {
            "advocate": new.advocate_id,
            "item": new.item_id,
            "program": new.program_id,
            "message": new.message,
            "expires_in_days": expires_in_days,
            "reason": str(new.reason),
            # only when set, so fingerprints of sends recorded before this field stay valid
            **({"pending_approval": True} if new.pending_approval else {}),
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


async def _program_and_item(
    session: AsyncSession, principal: Principal, program_id: int, item_id: int
) -> tuple[Program, GiftItem]:
    """The program to pay from and the item to send, if a gift can go out with them now."""
    program = await session.scalar(
        select(Program).where(
            Program.id == program_id, Program.organization_id == principal.organization_id
        )
    )
    if program is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such program", "programId")
    if program.status != ProgramStatus.ACTIVE:
        raise DomainError(
            ErrorCode.INVALID_STATE, f"the program is {program.status}, not ACTIVE", "programId"
        )
    _require_running(program)
    item = await get_gift_item(session, principal, item_id, "itemId")
    if not item.active:
        raise DomainError(ErrorCode.INVALID_STATE, "this item is archived", "itemId")
    if item.currency != program.currency:
        raise DomainError(
            ErrorCode.INVALID,
            f"the item is priced in {item.currency}; the program's budget is in {program.currency}",
            "itemId",
        )
    return program, item


def _require_running(program: Program) -> None:
    """A program pays only between its dates (UTC days, both ends included): no gift, rule's
    or marketer's, goes out before ``startsOn`` or after ``endsOn``."""
    today = utcnow().date()
    if program.starts_on is not None and today < program.starts_on:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"the program starts on {program.starts_on.isoformat()}",
            "programId",
        )
    if program.ends_on is not None and today > program.ends_on:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"the program ended on {program.ends_on.isoformat()}",
            "programId",
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

    program, item = await _program_and_item(session, principal, new.program_id, new.item_id)
    advocate = await get_advocate(session, principal, new.advocate_id, "advocateId")
    if advocate.status == AdvocateStatus.OPTED_OUT:
        raise DomainError(ErrorCode.INVALID_STATE, "the advocate has opted out", "advocateId")

    salt = new_link_salt()
    token = link_token(salt)
    now = utcnow()
    send = GiftSend(
        organization_id=principal.organization_id,
        program_id=new.program_id,
        advocate_id=new.advocate_id,
        item_id=new.item_id,
        original_item_id=new.item_id,
        message=message,
        reason=new.reason,
        status=GiftSendStatus.PENDING_APPROVAL if new.pending_approval else GiftSendStatus.OFFERED,
        link_token_hash=hash_link_token(token),
        link_salt=salt,
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
    await record_event(
        session, send, str(send.status), actor_of(principal), item_id=item.id, amount=item.price
    )
    await stock.take_one(session, item)
    # Last: from here until commit every other send to this program waits on its row lock.
    await budget.reserve(session, principal.organization_id, program.id or 0, send.id, item.price)
    if not new.pending_approval:
        enqueue_after_commit(session, gifting_jobs.send_offer_email, send_id=send.id)
    return SentGift(send, link_token=token, replayed=False)


MAX_BATCH = 500


@dataclass
class BatchSend:
    """``sendGifts``: one item from one program to many advocates."""

    advocate_ids: list[int]
    item_id: int
    program_id: int
    message: str | None = None
    expires_in_days: int | None = None
    idempotency_key: str | None = None
    """Each advocate's send gets ``<key>:<advocate id>``, so a retried batch replays."""


@dataclass
class BatchResult:
    advocate_id: int
    sent: SentGift | None = None
    errors: list[DomainError] | None = None


@dataclass
class BatchOutcome:
    results: list[BatchResult]
    """One per advocate, in the order given."""


async def send_gifts(session: AsyncSession, principal: Principal, batch: BatchSend) -> BatchOutcome:
    """Send to each advocate in its own savepoint: one advocate's failure (opted out, budget
    or stock gone) is reported in their result and doesn't undo the others. Problems shared by
    every send (bad message, inactive program or item) fail the whole call instead."""
    principal.require(Role.MARKETER)
    check = Checker()
    if not batch.advocate_ids:
        check.fail("advocateIds", ErrorCode.REQUIRED, "advocateIds must list at least one advocate")
    elif len(batch.advocate_ids) > MAX_BATCH:
        check.fail("advocateIds", ErrorCode.TOO_MANY, f"at most {MAX_BATCH} advocates per call")
    check.text("message", batch.message, max_length=2000, required=False)
    check.int_range("expiresInDays", batch.expires_in_days, low=1, high=MAX_EXPIRY_DAYS)
    check.text("idempotencyKey", batch.idempotency_key, max_length=180, required=False)
    check.done()
    await _program_and_item(session, principal, batch.program_id, batch.item_id)

    results: list[BatchResult] = []
    seen: set[int] = set()
    key = batch.idempotency_key.strip() if batch.idempotency_key else None
    for advocate_id in batch.advocate_ids:
        if advocate_id in seen:
            duplicate = DomainError(ErrorCode.INVALID, "listed twice in advocateIds", "advocateId")
            results.append(BatchResult(advocate_id, errors=[duplicate]))
            continue
        seen.add(advocate_id)
        new = NewSend(
            advocate_id=advocate_id,
            item_id=batch.item_id,
            program_id=batch.program_id,
            message=batch.message,
            expires_in_days=batch.expires_in_days,
            idempotency_key=f"{key}:{advocate_id}" if key else None,
        )
        try:
            async with session.begin_nested():
                sent = await send_gift(session, principal, new)
        except DomainError as error:
            results.append(BatchResult(advocate_id, errors=[error]))
        except DomainErrors as errors:
            results.append(BatchResult(advocate_id, errors=errors.errors))
        else:
            results.append(BatchResult(advocate_id, sent=sent))
    return BatchOutcome(results)


async def cancel_gift(session: AsyncSession, principal: Principal, send_id: int) -> GiftSend:
    """A marketer withdraws an offer the advocate hasn't acted on: budget and stock return."""
    principal.require(Role.MARKETER)
    send = await _own_send(session, principal, send_id)
    cancelled = await lifecycle.close(
        session, send_id, GiftSendStatus.OFFERED, GiftSendStatus.CANCELLED, actor_of(principal)
    )
    if cancelled is None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"only an OFFERED gift can be cancelled; it is {send.status}",
            "id",
        )
    return cancelled


async def _own_send(session: AsyncSession, principal: Principal, send_id: int) -> GiftSend:
    send = await session.scalar(
        select(GiftSend).where(
            GiftSend.id == send_id, GiftSend.organization_id == principal.organization_id
        )
    )
    if send is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such gift", "id")
    return send


def _not_pending(send: GiftSend) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_STATE,
        f"only a PENDING_APPROVAL gift can be approved or rejected; it is {send.status}",
        "id",
    )


async def approve_gift_send(session: AsyncSession, principal: Principal, send_id: int) -> GiftSend:
    """Let a rule's gift go out: OFFERED, its expiry counted from now, the offer emailed."""
    principal.require(Role.MARKETER)
    send = await _own_send(session, principal, send_id)
    # What sendGift checks may have changed while the gift waited.
    try:
        await _program_and_item(session, principal, send.program_id, send.item_id)
    except DomainError as error:
        raise DomainError(error.code, f"{error.message}; reject this gift", "id") from error
    advocate = await get_advocate(session, principal, send.advocate_id, "id")
    if advocate.status == AdvocateStatus.OPTED_OUT:
        raise DomainError(
            ErrorCode.INVALID_STATE, "the advocate has opted out; reject this gift", "id"
        )
    now = utcnow()
    approved = await lifecycle.transition(
        session,
        send_id,
        GiftSendStatus.PENDING_APPROVAL,
        GiftSendStatus.OFFERED,
        expires_at=now + (send.expires_at - send.created_at),
    )
    if approved is None:
        raise _not_pending(send)
    await record_event(session, approved, "APPROVED", actor_of(principal))
    await session.flush()
    enqueue_after_commit(session, gifting_jobs.send_offer_email, send_id=send_id)
    return approved


async def reject_gift_send(session: AsyncSession, principal: Principal, send_id: int) -> GiftSend:
    """Don't send a rule's gift: CANCELLED, budget and stock back."""
    principal.require(Role.MARKETER)
    send = await _own_send(session, principal, send_id)
    rejected = await lifecycle.close(
        session,
        send_id,
        GiftSendStatus.PENDING_APPROVAL,
        GiftSendStatus.CANCELLED,
        actor_of(principal),
        rejected=True,
    )
    if rejected is None:
        raise _not_pending(send)
    return rejected
