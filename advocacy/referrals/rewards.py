"""Double-sided rewards: when a conversion stands past the refund window, the referrer and the
friend get their gifts through the gifting service (budget, stock, idempotency, fulfilment).

Each gift's idempotency key is derived from the referral, so a job run twice (or two jobs at
once) sends each gift once. A gift that can't go out (budget or stock gone, program paused) is
noted on the referral (``rewardNote``) and tried again a day later, until it goes out or the
conversion is reversed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates import service as advocate_service
from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.gifting import send_service
from advocacy.gifting.models import GiftSendReason
from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, DomainErrors
from advocacy.referrals.models import Referral, ReferralSettings, ReferralStatus
from advocacy.tenancy.principal import Principal, system_principal


async def _friend(session: AsyncSession, principal: Principal, referral: Referral) -> int:
    """The referred friend as an advocate (INVITED), so a gift can be sent to them."""
    found = await session.scalar(
        select(Advocate.id).where(
            Advocate.organization_id == referral.organization_id,
            Advocate.email == referral.email,
        )
    )
    if found is not None:
        return found
    created = await advocate_service.create_advocate(
        session,
        principal,
        advocate_service.NewAdvocate(
            email=referral.email,
            name=referral.name or referral.email.split("@", 1)[0],
            status=AdvocateStatus.INVITED,
        ),
    )
    return created.id or 0


async def _send(
    session: AsyncSession,
    principal: Principal,
    referral: Referral,
    advocate_id: int,
    item_id: int,
    side: str,
) -> tuple[int | None, str | None]:
    new = send_service.NewSend(
        advocate_id=advocate_id,
        item_id=item_id,
        program_id=referral.program_id,
        message="Thank you for the referral!" if side == "referrer" else "Welcome aboard!",
        idempotency_key=f"referral-{referral.id}-{side}",
        reason=GiftSendReason.REFERRAL,
    )
    try:
        async with session.begin_nested():
            sent = await send_service.send_gift(session, principal, new)
    except DomainError as error:
        return None, f"{side} reward not sent: {error.message}"
    except DomainErrors as errors:
        return None, f"{side} reward not sent: {errors}"
    return sent.send.id, None


async def send_rewards(
    session: AsyncSession, referral_id: int, now: dt.datetime | None = None
) -> Referral | None:
    """Send a converted referral's rewards if they are due and not yet sent; None otherwise."""
    now = now or utcnow()
    claimed = await session.execute(
        update(Referral)
        .where(
            col(Referral.id) == referral_id,
            col(Referral.status) == ReferralStatus.CONVERTED,
            col(Referral.rewarded_at).is_(None),
            col(Referral.reward_due_at) <= now,
        )
        .values(rewarded_at=now, reward_due_at=None, updated_at=now)
        .returning(col(Referral.id))
    )
    if claimed.first() is None:
        return None
    referral = await session.get_one(Referral, referral_id, populate_existing=True)
    settings = await session.get(ReferralSettings, referral.organization_id)
    principal = system_principal(referral.organization_id)
    notes: list[str] = []
    if settings is not None and settings.referrer_item_id is not None:
        referral.referrer_send_id, note = await _send(
            session,
            principal,
            referral,
            referral.referrer_id,
            settings.referrer_item_id,
            "referrer",
        )
        notes += [note] if note else []
    if settings is not None and settings.friend_item_id is not None:
        friend_id = await _friend(session, principal, referral)
        referral.friend_send_id, note = await _send(
            session, principal, referral, friend_id, settings.friend_item_id, "friend"
        )
        notes += [note] if note else []
    referral.reward_note = "; ".join(notes)[:500] or None
    if notes:
        # Budget, stock or a paused program may change: try again tomorrow. The side that went
        # out is not sent twice (its idempotency key replays it).
        referral.rewarded_at = None
        referral.reward_due_at = now + RETRY_AFTER
    await session.flush()
    return referral


RETRY_AFTER = dt.timedelta(days=1)


async def due_rewards(session: AsyncSession, now: dt.datetime | None = None) -> list[int]:
    now = now or utcnow()
    rows = await session.scalars(
        select(col(Referral.id))
        .where(
            col(Referral.status) == ReferralStatus.CONVERTED,
            col(Referral.rewarded_at).is_(None),
            col(Referral.reward_due_at) <= now,
        )
        .order_by(col(Referral.reward_due_at))
        .limit(1000)
    )
    return [referral_id for referral_id in rows if referral_id is not None]
