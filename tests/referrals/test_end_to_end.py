"""A referral followed from the link click to two fulfilled rewards, with the in-process worker
doing every background step (rewards, offer emails, fulfilment) — nothing done by hand."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import select

from advocacy.gifting.models import GiftSend, GiftSendStatus
from advocacy.kit import jobs
from advocacy.kit.db import unit_of_work
from advocacy.kit.mail.models import OutboxEmail
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import assert_ledger_balances
from tests.referrals.conftest import Program, click

REDEEM = """
mutation($token: String!) { redeemGift(input: {token: $token}) { gift { status } errors { code } } }
"""


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(300):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def sends(org: Org) -> list[GiftSend]:
    async with unit_of_work() as session:
        return list(
            await session.scalars(select(GiftSend).where(GiftSend.organization_id == org.id))
        )


async def links(org: Org) -> list[str]:
    async with unit_of_work() as session:
        bodies = await session.scalars(
            select(OutboxEmail.body).where(OutboxEmail.organization_id == org.id)
        )
        return [m.group(1) for body in bodies if (m := re.search(r"/gift/(\S+)", body))]


@pytest.mark.usefixtures("job_engine")
async def test_from_click_to_two_fulfilled_rewards(
    client: httpx.AsyncClient, marketer: Api, anonymous: Api, referral_program: Program, org: Org
) -> None:
    worker = jobs.start_embedded_worker(threads=2)
    assert worker is not None
    try:
        assert (await click(client, referral_program.code)).status_code == 302
        signed = await marketer(
            """mutation($code: String!) { recordReferralSignup(input: {code: $code,
                 email: "newfriend@newco.example", name: "New Friend"}) { errors { code } } }""",
            {"code": referral_program.code},
        )
        assert signed["recordReferralSignup"]["errors"] == []
        converted = await marketer(
            """mutation { recordReferralConversion(input: {email: "newfriend@newco.example",
                 value: 25000, currency: "USD", orderId: "A-1"}) {
                 referral { status } errors { code } } }"""
        )
        assert converted["recordReferralConversion"]["referral"]["status"] == "CONVERTED"

        async def two_offers_emailed() -> bool:
            return len(await links(org)) == 2

        await eventually(two_offers_emailed, "both rewards to be sent and emailed")
        for token in await links(org):
            redeemed = await anonymous(REDEEM, {"token": token})
            assert redeemed["redeemGift"]["errors"] == []

        async def both_fulfilled() -> bool:
            return [s.status for s in await sends(org)] == [GiftSendStatus.FULFILLED] * 2

        await eventually(both_fulfilled, "both rewards to be fulfilled")
    finally:
        worker.stop()
    await assert_ledger_balances(org.id)
