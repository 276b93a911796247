"""One program's small, known history for the dashboard tests, made through the services and
the API as a marketer's systems would (so every figure is one the KPI queries really count).

Today (UTC), in program "Customer voices" (USD 1,000.00):

- Ada (ACTIVE): a REVIEW approved (50 points); four counted clicks on her referral link, two
  signups, one converted for USD 120.00 (her approved REFERRAL milestone: 100 points).
- Ben (ACTIVE): a TESTIMONIAL approved (75 points).
- Cleo (LAPSED): a CASE_STUDY waiting for approval (200 points once approved; approval brings
  her back to ACTIVE).
- Dan (LAPSED): only gifts.
- Eve and Fay: advocates of the organization the program hasn't touched (Fay opted out).

Gifts: Ada's coffee card OFFERED, Ben's FULFILLED (USD 25.00 spent), Dan's REDEEMED; and three
days ago Dan declined a book and Ada's book was cancelled. Budget: 25.00 spent, 50.00
reserved, 925.00 remaining.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col

from advocacy.advocates.models import AdvocateStatus
from advocacy.gifting import fulfilment
from advocacy.gifting.models import GiftSend
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.programs.models import MilestoneKind
from advocacy.referrals import service as referral_service
from advocacy.referrals.clicks import record_click
from advocacy.referrals.settings_service import ReferralConfig, configure_referrals
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import system_principal
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_milestone, make_program
from tests.fixtures.gifting import make_item, send_one

PROGRAM = "Customer voices"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130 Safari/537.36"
REDEEM = "mutation($t: String!) { redeemGift(input: {token: $t}) { errors { code } } }"
DECLINE = "mutation($t: String!) { declineGift(input: {token: $t}) { errors { code } } }"
CANCEL = "mutation($id: ID!) { cancelGift(input: {id: $id}) { errors { code } } }"
BACKDATED_DAYS = 3


@dataclass(frozen=True)
class Seeded:
    program_id: str
    other_program_id: str
    advocates: dict[str, str]
    """First name → Relay id."""
    items: dict[str, str]
    pending_milestone_id: str
    backdated_day: dt.date
    """The UTC day the declined and cancelled gifts were sent."""


async def _no_errors(api: Api, document: str, variables: dict[str, str]) -> None:
    data = await api(document, variables)
    (payload,) = data.values()
    assert payload["errors"] == [], payload


async def seed_dashboard(org: Org, marketer: Api, anonymous: Api) -> Seeded:
    program = await make_program(org.id, name=PROGRAM, budget_total=100_000, currency="USD")
    other = await make_program(org.id, name="Another program", budget_total=5_000)
    program_id = program.id or 0
    people = {
        "Ada": await make_advocate(org.id, name="Ada Lovelace", email="ada@analytical.example"),
        "Ben": await make_advocate(org.id, name="Ben Franklin", email="ben@kites.example"),
        "Cleo": await make_advocate(
            org.id, name="Cleo Patra", email="cleo@nile.example", status=AdvocateStatus.LAPSED
        ),
        "Dan": await make_advocate(
            org.id, name="Dan Brown", email="dan@codes.example", status=AdvocateStatus.LAPSED
        ),
        "Eve": await make_advocate(org.id, name="Eve Online", email="eve@space.example"),
        "Fay": await make_advocate(
            org.id, name="Fay Wray", email="fay@kong.example", status=AdvocateStatus.OPTED_OUT
        ),
    }
    ids = {name: advocate.id or 0 for name, advocate in people.items()}

    await make_milestone(org.id, ids["Ada"], program_id, kind=MilestoneKind.REVIEW, approve=True)
    await make_milestone(
        org.id, ids["Ben"], program_id, kind=MilestoneKind.TESTIMONIAL, approve=True
    )
    pending = await make_milestone(
        org.id,
        ids["Cleo"],
        program_id,
        kind=MilestoneKind.CASE_STUDY,
        evidence_url="https://stories.example/cleo",
    )

    system = system_principal(org.id)
    async with unit_of_work() as session:
        await configure_referrals(
            session,
            system,
            ReferralConfig(
                program_id=program_id,
                landing_url="https://shop.example.com/welcome",
                reward_delay_days=30,  # no reward gifts within the test
            ),
        )
    for visitor in range(4):
        async with unit_of_work() as session:
            outcome = await record_click(
                session,
                people["Ada"].referral_code,
                channel=None,
                ip=f"198.51.100.{visitor + 1}",
                user_agent=BROWSER,
            )
            assert outcome.code is not None
    for email in ("grace@hopper.example", "alan@turing.example"):
        async with unit_of_work() as session:
            await referral_service.record_signup(
                session,
                system,
                referral_service.NewSignup(code=people["Ada"].referral_code, email=email),
            )
    async with unit_of_work() as session:
        await referral_service.record_conversion(
            session,
            system,
            referral_service.NewConversion(
                value=12_000, currency="USD", email="grace@hopper.example"
            ),
        )

    items = {
        "Coffee card": await make_item(org, name="Coffee card", price=2_500),
        "Book": await make_item(org, name="Book voucher", price=1_500),
        "Euro card": await make_item(org, name="Euro card", price=2_000, currency="EUR"),
    }

    def send_input(advocate: str, item: str) -> dict[str, str]:
        return {
            "programId": encode_id("Program", program_id),
            "advocateId": encode_id("Advocate", ids[advocate]),
            "itemId": items[item],
        }

    await send_one(marketer, send_input("Ada", "Coffee card"))
    bens = await send_one(marketer, send_input("Ben", "Coffee card"))
    await _no_errors(anonymous, REDEEM, {"t": bens.token})
    await fulfilment.fulfil(decode_id(bens.send_id, "GiftSend", "id"))
    dans = await send_one(marketer, send_input("Dan", "Coffee card"))
    await _no_errors(anonymous, REDEEM, {"t": dans.token})
    declined = await send_one(marketer, send_input("Dan", "Book"))
    await _no_errors(anonymous, DECLINE, {"t": declined.token})
    cancelled = await send_one(marketer, send_input("Ada", "Book"))
    await _no_errors(marketer, CANCEL, {"id": cancelled.send_id})

    sent_earlier = utcnow() - dt.timedelta(days=BACKDATED_DAYS)
    async with unit_of_work() as session:
        await session.execute(
            update(GiftSend)
            .where(
                col(GiftSend.id).in_(
                    [decode_id(s.send_id, "GiftSend", "id") for s in (declined, cancelled)]
                )
            )
            .values(created_at=sent_earlier)
        )
    return Seeded(
        program_id=encode_id("Program", program_id),
        other_program_id=encode_id("Program", other.id or 0),
        advocates={name: encode_id("Advocate", pk) for name, pk in ids.items()},
        items=items,
        pending_milestone_id=encode_id("Milestone", pending.id or 0),
        backdated_day=sent_earlier.date(),
    )


def marketer_token(org: Org) -> str:
    return org.tokens[Role.MARKETER]
