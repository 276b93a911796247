"""A configured referral program per test: a program with budget, a referrer, reward items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from advocacy.advocates.models import Advocate
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.referrals import service
from advocacy.referrals.models import FlaggedAction
from advocacy.referrals.settings_service import ReferralConfig, configure_referrals
from advocacy.tenancy.principal import system_principal
from tests.conftest import Org
from tests.fixtures.factories import make_advocate, make_program
from tests.fixtures.gifting import make_item

LANDING = "https://shop.example.com/welcome?utm_source=advocacy"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130 Safari/537.36"


@dataclass
class Program:
    org: Org
    program_id: int
    referrer: Advocate
    referrer_item: int
    friend_item: int

    @property
    def code(self) -> str:
        return self.referrer.referral_code

    @property
    def referrer_gid(self) -> str:
        return encode_id("Advocate", self.referrer.id or 0)

    async def configure(self, **changes: Any) -> None:
        fields: dict[str, Any] = {
            "program_id": self.program_id,
            "landing_url": LANDING,
            "fallback_url": "https://shop.example.com/",
            "referrer_item_id": self.referrer_item,
            "friend_item_id": self.friend_item,
            "flagged_action": FlaggedAction.HOLD,
        }
        fields.update(changes)
        async with unit_of_work() as session:
            await configure_referrals(
                session, system_principal(self.org.id), ReferralConfig(**fields)
            )

    async def signup(self, email: str, now: dt.datetime | None = None, **extra: Any) -> Any:
        new = service.NewSignup(code=extra.pop("code", self.code), email=email, **extra)
        async with unit_of_work() as session:
            return (
                await service.record_signup(session, system_principal(self.org.id), new, now)
            ).referral

    async def convert(
        self, email: str | None, value: int = 10_000, now: dt.datetime | None = None, **extra: Any
    ) -> Any:
        new = service.NewConversion(value=value, currency="USD", email=email, **extra)
        async with unit_of_work() as session:
            return (
                await service.record_conversion(session, system_principal(self.org.id), new, now)
            ).referral


async def click(
    client: httpx.AsyncClient, code: str, user_agent: str = BROWSER, channel: str | None = None
) -> httpx.Response:
    params = {"c": channel} if channel else None
    return await client.get(f"/r/{code}", headers={"user-agent": user_agent}, params=params)


@pytest.fixture
async def referral_program(org: Org) -> Program:
    program = await make_program(org.id, budget_total=100_000)
    referrer = await make_advocate(org.id, email="rita@referrer.example")
    referrer_item = decode_id(
        await make_item(org, name="Thank-you card", price=2000), "GiftItem", "i"
    )
    friend_item = decode_id(
        await make_item(org, name="Welcome discount", kind="DISCOUNT", price=1000), "GiftItem", "i"
    )
    made = Program(org, program.id or 0, referrer, referrer_item, friend_item)
    await made.configure()
    return made


def days_ago(days: float) -> dt.datetime:
    return utcnow() - dt.timedelta(days=days)
