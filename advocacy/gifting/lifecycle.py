"""Gift send transitions (DESIGN.md §4 lifecycle) and the event history.

A transition is one conditional UPDATE (``WHERE id = :id AND status IN (:from)``) that returns
the row it moved; ``None`` means someone else moved it first, and the caller reports that
rather than causing a second effect. Closing a send releases its reservation and stock in the
same transaction, so budget and inventory are settled exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from advocacy.gifting import budget, stock
from advocacy.gifting.models import GiftEvent, GiftSend, GiftSendStatus
from advocacy.kit.db import utcnow
from advocacy.kit.live import publish_after_commit
from advocacy.tenancy.principal import actor_of
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit

__all__ = ["OPEN", "actor_of", "close", "record_event", "transition"]

OPEN = (
    GiftSendStatus.PENDING_APPROVAL,
    GiftSendStatus.OFFERED,
    GiftSendStatus.REDEEMED,
    GiftSendStatus.FULFILLING,
    GiftSendStatus.NEEDS_RECONCILIATION,
)
"""States that hold a budget reservation."""


WEBHOOK_OF_KIND = {
    "PENDING_APPROVAL": EventType.GIFT_PENDING_APPROVAL,
    "OFFERED": EventType.GIFT_OFFERED,
    "APPROVED": EventType.GIFT_OFFERED,  # a rule's gift, offered once a marketer approved it
    "REDEEMED": EventType.GIFT_REDEEMED,
    "SWAPPED": EventType.GIFT_SWAPPED,
    "DONATED": EventType.GIFT_DONATED,
    "DECLINED": EventType.GIFT_DECLINED,
    "EXPIRED": EventType.GIFT_EXPIRED,
    "FULFILLED": EventType.GIFT_FULFILLED,
    "FAILED": EventType.GIFT_FAILED,
    "CANCELLED": EventType.GIFT_CANCELLED,
    "NEEDS_RECONCILIATION": EventType.GIFT_NEEDS_RECONCILIATION,
}
"""The history kinds a CRM hears about as webhooks (emails, retries and the like stay inside)."""


async def record_event(
    session: AsyncSession, send: GiftSend, kind: str, actor: str, **detail: object
) -> None:
    """Append to the send's history, and raise the matching webhook event."""
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
    if kind in WEBHOOK_OF_KIND:
        await emit(session, send.organization_id, WEBHOOK_OF_KIND[kind], payloads.gift_send(send))
    publish_after_commit(
        session, send.organization_id, kind="gift_send", programId=send.program_id, sendId=send.id
    )


async def transition(
    session: AsyncSession,
    send_id: int,
    from_: GiftSendStatus | Iterable[GiftSendStatus],
    to: GiftSendStatus | None,
    *conditions: ColumnElement[bool],
    **values: Any,
) -> GiftSend | None:
    """Move send ``send_id`` from one of ``from_`` to ``to`` (``None``: keep the status, e.g.
    a swap) setting ``values``, if ``conditions`` hold; the moved row, or ``None``."""
    froms = [from_] if isinstance(from_, GiftSendStatus) else list(from_)
    if to is not None:
        values["status"] = to
    values.setdefault("updated_at", utcnow())
    statement = (
        update(GiftSend)
        .where(col(GiftSend.id) == send_id, col(GiftSend.status).in_(froms), *conditions)
        .values(**values)
        .returning(GiftSend)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def close(
    session: AsyncSession,
    send_id: int,
    from_: GiftSendStatus | Iterable[GiftSendStatus],
    to: GiftSendStatus,
    actor: str,
    *conditions: ColumnElement[bool],
    failure_reason: str | None = None,
    **detail: object,
) -> GiftSend | None:
    """End a send without fulfilment (declined, expired, cancelled, failed): its reservation
    and its unit of stock come back."""
    now = utcnow()
    values: dict[str, Any] = {"closed_at": now}
    if failure_reason is not None:
        values["failure_reason"] = failure_reason[:2000]
        detail["reason"] = failure_reason[:500]
    send = await transition(session, send_id, from_, to, *conditions, **values)
    if send is None:
        return None
    assert send.id is not None
    await record_event(session, send, str(to), actor, released=send.reserved_amount, **detail)
    await stock.put_back_one(session, send.item_id)
    await budget.release(
        session, send.organization_id, send.program_id, send.id, send.reserved_amount
    )
    return send
