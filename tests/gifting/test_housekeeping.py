"""The offer email and reminders (outbox and a real SMTP server), expiry, and the shipping
address purge — each safe to run twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from advocacy.gifting import emails, periodic
from advocacy.gifting.models import GiftSend, GiftSendStatus, ShippingDetails
from advocacy.graphql.ids import decode_id
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.kit.mail.models import OutboxEmail
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import SentGift, assert_ledger_balances, budget_of, send_one, setup
from tests.fixtures.smtp import Inbox

pytestmark = pytest.mark.usefixtures("job_engine")

GIFT = "query($token: String!) { gift(token: $token) { status item { name } } }"


def pk(sent: SentGift) -> int:
    return decode_id(sent.send_id, "GiftSend", "id")


async def outbox_for(send_id: int) -> list[OutboxEmail]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.dedup_key.like(f"gift-%:{send_id}"))  # type: ignore[attr-defined]
            .order_by(OutboxEmail.id)  # type: ignore[arg-type]
        )
        return list(rows)


async def age(send_id: int, **values: Any) -> None:
    async with unit_of_work() as session:
        await session.execute(
            update(GiftSend).where(GiftSend.id == send_id).values(**values)  # type: ignore[arg-type]
        )


async def test_the_offer_email_carries_a_working_link_and_goes_out_once(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    sent = await send_one(marketer, await setup(org), message="You made our quarter!")
    for _ in range(2):  # a duplicate message is a no-op
        async with unit_of_work() as session:
            await emails.send_offer_email(session, pk(sent))
    [email] = await outbox_for(pk(sent))
    assert email.subject == "Test Org sent you a gift"
    assert "You made our quarter!" in email.body and "Coffee card" in email.body
    link = re.search(r"http://\S+/gift/(\S+)", email.body)
    assert link is not None and link.group(1) == sent.token
    gift = (await anonymous(GIFT, {"token": link.group(1)}))["gift"]
    assert gift == {"status": "OFFERED", "item": {"name": "Coffee card"}}


async def test_reminders_go_once_to_open_offers_near_expiry(
    marketer: Api, org: Org, configure: Callable[..., None]
) -> None:
    configure(gift_reminder_days=3)
    soon, later, fresh = [await send_one(marketer, await setup(org)) for _ in range(3)]
    now = utcnow()
    await age(
        pk(soon), created_at=now - dt.timedelta(days=10), expires_at=now + dt.timedelta(days=2)
    )
    await age(pk(later), created_at=now - dt.timedelta(days=10))
    await age(pk(fresh), expires_at=now + dt.timedelta(days=2))  # sent today: no reminder yet
    async with unit_of_work() as session:
        due = await periodic.offers_to_remind(session)
    assert pk(soon) in due and pk(later) not in due and pk(fresh) not in due
    for _ in range(2):
        async with unit_of_work() as session:
            await emails.send_reminder_email(session, pk(soon))
    reminders = [e for e in await outbox_for(pk(soon)) if e.dedup_key.startswith("gift-reminder")]
    assert len(reminders) == 1 and sent_link(reminders[0]) == soon.token
    async with unit_of_work() as session:
        assert pk(soon) not in await periodic.offers_to_remind(session)


def sent_link(email: OutboxEmail) -> str:
    found = re.search(r"/gift/(\S+)", email.body)
    assert found is not None
    return found.group(1)


async def test_expiry_releases_budget_and_stock_once(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    ids = await setup(org, inventory=3)
    gone, kept = await send_one(marketer, ids), await send_one(marketer, ids)
    await age(pk(gone), expires_at=utcnow() - dt.timedelta(seconds=1))
    assert (await anonymous(GIFT, {"token": gone.token}))["gift"]["status"] == "EXPIRED"
    async with unit_of_work() as session:
        assert await periodic.expire_offers(session) >= 1
    async with unit_of_work() as session:
        assert await periodic.expire_offers(session) == 0
    async with unit_of_work() as session:
        statuses = dict(
            (
                await session.execute(
                    select(GiftSend.id, GiftSend.status).where(
                        GiftSend.id.in_([pk(gone), pk(kept)])
                    )  # type: ignore[union-attr]
                )
            ).all()
        )
    assert statuses == {pk(gone): GiftSendStatus.EXPIRED, pk(kept): GiftSendStatus.OFFERED}
    assert (await budget_of(marketer, ids["programId"]))["reserved"] == 2500
    stock = await marketer(
        "query($id: ID!) { giftItem(id: $id) { inventory } }", {"id": ids["itemId"]}
    )
    assert stock["giftItem"]["inventory"] == 2
    events = await marketer(
        "query($id: ID!) { giftSend(id: $id) { events { kind actor } } }", {"id": gone.send_id}
    )
    assert events["giftSend"]["events"][-1] == {"kind": "EXPIRED", "actor": "system"}
    await assert_ledger_balances(org.id)


async def test_two_expiry_runs_at_once_expire_each_offer_once(
    marketer: Api, org: Org, database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    ids = await setup(org, budget=100_000)
    sends = [await send_one(marketer, ids) for _ in range(12)]
    for sent in sends:
        await age(pk(sent), expires_at=utcnow() - dt.timedelta(seconds=1))

    async def run() -> int:
        async with unit_of_work() as session:
            return await periodic.expire_offers(session)

    moved = await asyncio.gather(*(run() for _ in range(4)))
    assert sum(moved) >= 12
    assert (await budget_of(marketer, ids["programId"]))["reserved"] == 0
    await assert_ledger_balances(org.id)


async def test_shipping_addresses_are_purged_after_retention(org: Org, marketer: Api) -> None:
    sent = await send_one(marketer, await setup(org))
    async with unit_of_work() as session:
        session.add(
            ShippingDetails(
                send_id=pk(sent),
                organization_id=org.id,
                name="Ada",
                line1="1 Main St",
                city="Berlin",
                country="DE",
                purge_after=utcnow() - dt.timedelta(seconds=1),
            )
        )
    async with unit_of_work() as session:
        assert await periodic.purge_shipping(session) >= 1
    async with unit_of_work() as session:
        assert await session.get(ShippingDetails, pk(sent)) is None


async def test_with_smtp_configured_the_offer_goes_to_a_real_smtp_server(
    marketer: Api, org: Org, configure: Callable[..., None], smtp_server: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_server
    configure(smtp_url=f"smtp://127.0.0.1:{port}", mail_from="Gifts <gifts@example.com>")
    sent = await send_one(marketer, await setup(org))
    async with unit_of_work() as session:
        await emails.send_offer_email(session, pk(sent))
    [message] = inbox.messages
    assert message["To"].startswith("advocate") and message["From"] == "Gifts <gifts@example.com>"
    assert message["Subject"] == "Test Org sent you a gift"
    assert f"/gift/{sent.token}" in message.get_content()
    assert await outbox_for(pk(sent)) == []


async def test_the_sweep_finds_offers_whose_email_never_went_out(
    marketer: Api, org: Org, configure: Callable[..., None]
) -> None:
    configure(fulfil_lease_seconds=60)
    lost, emailed, recent = [await send_one(marketer, await setup(org)) for _ in range(3)]
    an_hour_ago = utcnow() - dt.timedelta(hours=1)
    await age(pk(lost), created_at=an_hour_ago)
    await age(pk(emailed), created_at=an_hour_ago, offer_emailed_at=an_hour_ago)
    async with unit_of_work() as session:
        due = await periodic.offers_not_emailed(session)
    assert pk(lost) in due and pk(emailed) not in due and pk(recent) not in due
