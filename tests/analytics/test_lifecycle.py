"""KPIs of a history made through the API and the services, as a marketer and advocates make
it: the figures read the rows the real lifecycle writes (events, ledger, status changes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from advocacy.gifting import fulfilment, send_service
from advocacy.gifting.models import GiftItemKind
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.tenancy.principal import system_principal
from tests.analytics.documents import PROGRAM_STATS, iso
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_milestone, make_program
from tests.fixtures.gifting import SEND, make_item

pytestmark = pytest.mark.usefixtures("job_engine")

GIFT_MOVE = "{ gift { status } errors { code } }"
REDEEM = f"mutation($t: String!) {{ redeemGift(input: {{token: $t}}) {GIFT_MOVE} }}"
DECLINE = f"mutation($t: String!) {{ declineGift(input: {{token: $t}}) {GIFT_MOVE} }}"
SWAP = (
    f"mutation($t: String!, $i: ID!) {{ swapGift(input: {{token: $t, itemId: $i}}) {GIFT_MOVE} }}"
)
DONATE = (
    f"mutation($t: String!, $i: ID!) {{ donateGift(input: {{token: $t, itemId: $i}}) {GIFT_MOVE} }}"
)
BY_ID = "{ giftSend { status } errors { code } }"
CANCEL = f"mutation($id: ID!) {{ cancelGift(input: {{id: $id}}) {BY_ID} }}"
APPROVE = f"mutation($id: ID!) {{ approveGiftSend(input: {{id: $id}}) {BY_ID} }}"
REJECT = f"mutation($id: ID!) {{ rejectGiftSend(input: {{id: $id}}) {BY_ID} }}"
LAPSE = """mutation($id: ID!) { updateAdvocate(input: {id: $id, status: LAPSED}) {
    advocate { status } errors { code } } }"""


async def _ok(api: Api, document: str, variables: dict[str, Any]) -> None:
    payload = next(iter((await api(document, variables)).values()))
    assert payload["errors"] == [], payload


async def test_a_marketers_week_in_numbers(admin: Api, anonymous: Api, org: Org) -> None:
    program = await make_program(org.id, budget_total=100_000)
    pid = encode_id("Program", program.id or 0)
    card = await make_item(org, price=2_500)
    cheaper = await make_item(org, name="Smaller card", price=1_500)
    charity = await make_item(org, name="Trees", kind=GiftItemKind.DONATION, price=2_000)
    people = [await make_advocate(org.id) for _ in range(5)]
    ids = [encode_id("Advocate", a.id or 0) for a in people]

    async def send(advocate: str) -> tuple[str, str]:
        result = (
            await admin(SEND, {"input": {"advocateId": advocate, "itemId": card, "programId": pid}})
        )["sendGift"]
        assert result["errors"] == [], result
        return result["giftSend"]["id"], result["giftLink"].rsplit("/", 1)[1]

    kept, kept_token = await send(ids[0])
    await _ok(anonymous, REDEEM, {"t": kept_token})
    await fulfilment.fulfil(decode_id(kept, "GiftSend", "id"))
    _, swapped = await send(ids[1])
    await _ok(anonymous, SWAP, {"t": swapped, "i": cheaper})
    await _ok(anonymous, DECLINE, {"t": swapped})
    _, donated = await send(ids[2])
    await _ok(anonymous, DONATE, {"t": donated, "i": charity})
    cancelled, _ = await send(ids[0])
    await _ok(admin, CANCEL, {"id": cancelled})
    pending = []
    async with unit_of_work() as session:
        for advocate in people[3:]:
            new = send_service.NewSend(
                advocate_id=advocate.id or 0,
                item_id=decode_id(card, "GiftItem", "id"),
                program_id=program.id or 0,
                pending_approval=True,
            )
            sent = await send_service.send_gift(session, system_principal(org.id), new)
            pending.append(encode_id("GiftSend", sent.send.id or 0))
    await _ok(admin, APPROVE, {"id": pending[0]})
    await _ok(admin, REJECT, {"id": pending[1]})  # never offered

    await _ok(admin, LAPSE, {"id": ids[1]})
    await make_milestone(org.id, people[1].id or 0, program.id or 0, approve=True)  # back
    await make_milestone(org.id, people[2].id or 0, program.id or 0)

    now = utcnow()
    variables = {
        "program": pid,
        "from": iso(now - dt.timedelta(hours=1)),
        "to": iso(now + dt.timedelta(hours=1)),
        "interval": "DAY",
    }
    stats = (await admin(PROGRAM_STATS, variables))["programStats"]
    period = stats["period"]
    assert period["gifts"] == {
        "offered": 5,
        "swapped": 1,
        "redeemed": 1,
        "donated": 1,
        "declined": 1,
        "expired": 0,
        "cancelled": 1,
        "fulfilled": 1,
        "failed": 0,
        "redemptionRate": 0.4,
        "medianSecondsToRedemption": period["gifts"]["medianSecondsToRedemption"],
        "p90SecondsToRedemption": period["gifts"]["p90SecondsToRedemption"],
    }
    assert 0 <= period["gifts"]["medianSecondsToRedemption"] <= 60
    # Spent: the fulfilled card. Reserved: the donation (redeemed, not fulfilled yet) and the
    # approved gift still on offer. Everything else was released.
    assert period["budget"] == [
        {
            "currency": "USD",
            "total": 100_000,
            "spent": 2_500,
            "spentToDate": 2_500,
            "reserved": 4_500,
            "remaining": 93_000,
            "costPerConvertedReferral": None,
        }
    ]
    assert period["milestones"]["recorded"] == 2 and period["milestones"]["approved"] == 1
    advocates = period["advocates"]
    assert (advocates["total"], advocates["new"], advocates["participating"]) == (5, 5, 1)
    # ids[1] lapsed by hand, then came back with the approved milestone.
    assert (advocates["active"], advocates["lapsed"]) == (5, 0)
    assert stats["topByPoints"][0]["advocate"]["id"] == ids[1]
    assert sum(w["gifts"]["offered"] for w in stats["series"]) == 5
