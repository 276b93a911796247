"""The emails an advocate gets about a gift: the offer, and a reminder before it expires.
Both carry the gift link, rebuilt from the send's salt (the link itself is never stored)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate
from advocacy.gifting import lifecycle
from advocacy.gifting.links import gift_url, link_token
from advocacy.gifting.models import GiftItem, GiftSend, GiftSendStatus
from advocacy.kit.db import utcnow
from advocacy.kit.mail.notifier import Email, deliver
from advocacy.tenancy.models import Organization


async def _compose(session: AsyncSession, send: GiftSend, reminder: bool) -> Email | None:
    if send.link_salt is None:
        return None
    advocate = await session.get_one(Advocate, send.advocate_id)
    item = await session.get_one(GiftItem, send.item_id)
    organization = await session.get_one(Organization, send.organization_id)
    link = gift_url(link_token(send.link_salt))
    expires = f"{send.expires_at:%A %d %B %Y}"
    lines = [f"Hi {advocate.name},", ""]
    if reminder:
        subject = f"Your gift from {organization.name} is waiting (until {expires})"
        lines.append(
            f"A reminder: {organization.name} sent you a gift and it's still yours to claim."
        )
    else:
        subject = f"{organization.name} sent you a gift"
        lines.append(f"{organization.name} sent you a gift to say thank you.")
    if send.message:
        lines += ["", send.message]
    lines += [
        "",
        f"Your gift: {item.name}",
        f"Open it, swap it for something else, or donate it: {link}",
        f"The link is yours alone and works until {expires}.",
    ]
    kind = "reminder" if reminder else "offer"
    return Email(
        to=advocate.email,
        subject=subject,
        body="\n".join(lines) + "\n",
        dedup_key=f"gift-{kind}:{send.id}",
        organization_id=send.organization_id,
    )


async def send_offer_email(session: AsyncSession, send_id: int) -> bool:
    """Email the offer once (marked in the same transaction as the outbox write)."""
    send = await lifecycle.transition(
        session,
        send_id,
        GiftSendStatus.OFFERED,
        None,
        GiftSend.offer_emailed_at.is_(None),  # type: ignore[union-attr]
        offer_emailed_at=utcnow(),
    )
    return await _deliver(session, send, reminder=False)


async def send_reminder_email(session: AsyncSession, send_id: int) -> bool:
    """Remind once, only while the offer still stands."""
    now = utcnow()
    send = await lifecycle.transition(
        session,
        send_id,
        GiftSendStatus.OFFERED,
        None,
        GiftSend.reminded_at.is_(None),  # type: ignore[union-attr]
        GiftSend.expires_at > now,  # type: ignore[arg-type]
        reminded_at=now,
    )
    return await _deliver(session, send, reminder=True)


async def _deliver(session: AsyncSession, send: GiftSend | None, *, reminder: bool) -> bool:
    if send is None:
        return False
    email = await _compose(session, send, reminder)
    if email is None:
        return False
    await deliver(session, email)
    await lifecycle.record_event(session, send, "REMINDED" if reminder else "EMAILED", "worker")
    return True
