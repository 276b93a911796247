"""The advocate's side: gift(token), swap, redeem, donate, decline — and every move that must
be refused (the state-machine matrix), each leaving the send, budget and stock unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from advocacy.gifting.models import GiftItemKind, GiftSend, ShippingDetails
from advocacy.graphql.ids import decode_id
from advocacy.kit.db import unit_of_work
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import (
    SentGift,
    assert_ledger_balances,
    budget_of,
    expire,
    make_item,
    send_one,
    setup,
    stock_of,
)

GIFT = """
query($token: String!, $country: String) {
  gift(token: $token) {
    status message expiresAt fromOrganization needsShippingAddress
    item { id name kind shipsTo }
    swapOptions(country: $country) { id name }
    donationOptions { id name }
  }
}
"""
RESULT = "gift { status item { id name } } errors { field code message }"
REDEEM = f"""
mutation($input: RedeemGiftInput!) {{ redeemGift(input: $input) {{ {RESULT} }} }}
"""
SWAP = f"""
mutation($token: String!, $itemId: ID!) {{
  swapGift(input: {{token: $token, itemId: $itemId}}) {{ {RESULT} }}
}}
"""
DONATE = f"""
mutation($token: String!, $itemId: ID!) {{
  donateGift(input: {{token: $token, itemId: $itemId}}) {{ {RESULT} }}
}}
"""
DECLINE = f"""
mutation($token: String!) {{ declineGift(input: {{token: $token}}) {{ {RESULT} }} }}
"""
CANCEL = "mutation($id: ID!) { cancelGift(input: {id: $id}) { errors { field code } } }"
MARKETER_VIEW = """
query($id: ID!) {
  giftSend(id: $id) {
    status amount { amount } originalValue { amount } item { name }
    shipping { country addressGiven } events { kind actor detail }
  }
}
"""
ADDRESS = {"name": "Ada Lovelace", "line1": "1 Analytical St", "city": "London", "country": "gb"}


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


async def gift_with_options(marketer: Api, org: Org) -> tuple[SentGift, dict[str, str]]:
    """A USD 25 gift card sent from a 100.00 budget, plus a catalog around it."""
    ids = await setup(org, inventory=5)
    items = {
        "cheaper": await make_item(org, name="Tea card", price=1500, inventory=3),
        "pricier": await make_item(org, name="Headphones", price=9000),
        "archived": await make_item(org, name="Old mug", price=1000, active=False),
        "euro": await make_item(org, name="Euro card", price=1000, currency="EUR"),
        "sold_out": await make_item(org, name="Rare pin", price=500, inventory=0),
        "uk_only": await make_item(
            org, name="Hoodie", kind=GiftItemKind.PHYSICAL, price=2000, regions=["GB"]
        ),
        "charity": await make_item(
            org, name="Plant a tree", kind=GiftItemKind.DONATION, price=2500
        ),
        "big_charity": await make_item(
            org, name="Build a school", kind=GiftItemKind.DONATION, price=99_000
        ),
    }
    return await send_one(marketer, ids, message="Thanks for the review!"), items


async def test_the_link_shows_the_gift_and_only_allowed_options(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    sent, _ = await gift_with_options(marketer, org)
    gift = (await anonymous(GIFT, {"token": sent.token}))["gift"]
    assert gift["status"] == "OFFERED" and gift["message"] == "Thanks for the review!"
    assert gift["fromOrganization"] == "Test Org" and gift["needsShippingAddress"] is False
    assert gift["item"]["name"] == "Coffee card"
    assert {o["name"] for o in gift["swapOptions"]} == {"Tea card", "Hoodie"}
    assert [o["name"] for o in gift["donationOptions"]] == ["Plant a tree"]
    in_germany = (await anonymous(GIFT, {"token": sent.token, "country": "DE"}))["gift"]
    assert [o["name"] for o in in_germany["swapOptions"]] == ["Tea card"]
    assert (await anonymous(GIFT, {"token": "not-a-real-token"}))["gift"] is None


async def test_the_advocate_view_reveals_no_prices_stock_or_provider(anonymous: Api) -> None:
    body = await anonymous.raw('query { gift(token: "x") { item { price inventory } } }')
    assert body.get("errors") and "Cannot query field" in body["errors"][0]["message"]


async def test_swaps_move_reservation_and_stock_and_never_exceed_the_original_value(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    sent, items = await gift_with_options(marketer, org)
    program, card = sent.ids["programId"], sent.ids["itemId"]
    swapped = (await anonymous(SWAP, {"token": sent.token, "itemId": items["cheaper"]}))["swapGift"]
    assert swapped["errors"] == [] and swapped["gift"]["item"]["name"] == "Tea card"
    assert (await budget_of(marketer, program))["reserved"] == 1500
    assert (await stock_of(marketer, card), await stock_of(marketer, items["cheaper"])) == (5, 2)
    back = (await anonymous(SWAP, {"token": sent.token, "itemId": card}))["swapGift"]
    assert back["errors"] == [] and (await budget_of(marketer, program))["reserved"] == 2500
    assert (await stock_of(marketer, card), await stock_of(marketer, items["cheaper"])) == (4, 3)
    view = (await marketer(MARKETER_VIEW, {"id": sent.send_id}))["giftSend"]
    assert [e["kind"] for e in view["events"]] == ["OFFERED", "SWAPPED", "SWAPPED"]
    assert view["events"][1]["actor"] == "advocate"
    assert view["events"][1]["detail"] == {
        "from_item_id": decode_id(card, "GiftItem", "id"),
        "to_item_id": decode_id(items["cheaper"], "GiftItem", "id"),
    }
    await assert_ledger_balances(org.id)


@pytest.mark.parametrize(
    ("option", "code"),
    [
        ("pricier", "INVALID"),
        ("archived", "NOT_FOUND"),
        ("euro", "INVALID"),
        ("sold_out", "OUT_OF_STOCK"),
        ("charity", "INVALID"),
    ],
)
async def test_swaps_outside_the_options_are_refused(
    marketer: Api, anonymous: Api, org: Org, option: str, code: str
) -> None:
    sent, items = await gift_with_options(marketer, org)
    before = await snapshot(marketer, sent)
    refused = (await anonymous(SWAP, {"token": sent.token, "itemId": items[option]}))["swapGift"]
    assert codes(refused) == [("itemId", code)] and refused["gift"] is None
    assert await snapshot(marketer, sent) == before


async def test_redeeming_a_digital_gift_needs_no_address(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    sent, _ = await gift_with_options(marketer, org)
    redeemed = (await anonymous(REDEEM, {"input": {"token": sent.token}}))["redeemGift"]
    assert redeemed["errors"] == [] and redeemed["gift"]["status"] == "REDEEMED"
    view = (await marketer(MARKETER_VIEW, {"id": sent.send_id}))["giftSend"]
    assert view["shipping"] == {"country": None, "addressGiven": False}
    assert [e["kind"] for e in view["events"]] == ["OFFERED", "REDEEMED"]
    assert (await budget_of(marketer, sent.ids["programId"]))["reserved"] == 2500
    after = (await anonymous(GIFT, {"token": sent.token}))["gift"]
    assert after["status"] == "REDEEMED" and after["swapOptions"] == []
    await assert_ledger_balances(org.id)


async def test_a_physical_gift_needs_an_address_it_can_ship_to(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    sent, items = await gift_with_options(marketer, org)
    await anonymous(SWAP, {"token": sent.token, "itemId": items["uk_only"]})
    missing = (await anonymous(REDEEM, {"input": {"token": sent.token}}))["redeemGift"]
    assert codes(missing) == [("shippingAddress", "REQUIRED")]
    bad = {"name": " ", "line1": "x" * 201, "city": "Paris", "country": "XX"}
    invalid = (await anonymous(REDEEM, {"input": {"token": sent.token, "shippingAddress": bad}}))[
        "redeemGift"
    ]
    assert sorted(codes(invalid)) == [
        ("shippingAddress.country", "INVALID"),
        ("shippingAddress.line1", "TOO_LONG"),
        ("shippingAddress.name", "REQUIRED"),
    ]
    france = {**ADDRESS, "country": "FR"}
    elsewhere = (
        await anonymous(REDEEM, {"input": {"token": sent.token, "shippingAddress": france}})
    )["redeemGift"]
    assert codes(elsewhere) == [("shippingAddress.country", "NOT_SHIPPABLE")]
    assert (await anonymous(GIFT, {"token": sent.token}))["gift"]["status"] == "OFFERED"

    ok = await anonymous(REDEEM, {"input": {"token": sent.token, "shippingAddress": ADDRESS}})
    assert ok["redeemGift"]["errors"] == []
    view = (await marketer(MARKETER_VIEW, {"id": sent.send_id}))["giftSend"]
    assert view["status"] == "REDEEMED"
    assert view["shipping"] == {"country": "GB", "addressGiven": True}
    async with unit_of_work() as session:
        stored = await session.get(ShippingDetails, decode_id(sent.send_id, "GiftSend", "id"))
    assert stored is not None and (stored.name, stored.city, stored.country) == (
        "Ada Lovelace",
        "London",
        "GB",
    )
    await assert_ledger_balances(org.id)


async def test_marketers_cannot_query_shipping_addresses(marketer: Api) -> None:
    body = await marketer.raw("{ giftSends { nodes { shipping { line1 name } } } }")
    assert body.get("errors") and "Cannot query field" in body["errors"][0]["message"]


async def test_donating_gives_the_value_to_a_charity(
    marketer: Api, anonymous: Api, org: Org
) -> None:
    sent, items = await gift_with_options(marketer, org)
    wrong = await anonymous(DONATE, {"token": sent.token, "itemId": items["cheaper"]})
    assert codes(wrong["donateGift"]) == [("itemId", "INVALID")]
    too_big = await anonymous(DONATE, {"token": sent.token, "itemId": items["big_charity"]})
    assert codes(too_big["donateGift"]) == [("itemId", "INVALID")]
    donated = await anonymous(DONATE, {"token": sent.token, "itemId": items["charity"]})
    assert donated["donateGift"]["errors"] == []
    assert donated["donateGift"]["gift"]["status"] == "REDEEMED"
    assert donated["donateGift"]["gift"]["item"]["name"] == "Plant a tree"
    view = (await marketer(MARKETER_VIEW, {"id": sent.send_id}))["giftSend"]
    assert [e["kind"] for e in view["events"]] == ["OFFERED", "SWAPPED", "DONATED"]
    assert (await stock_of(marketer, sent.ids["itemId"])) == 5
    await assert_ledger_balances(org.id)


async def test_declining_releases_budget_and_stock(marketer: Api, anonymous: Api, org: Org) -> None:
    sent, _ = await gift_with_options(marketer, org)
    declined = (await anonymous(DECLINE, {"token": sent.token}))["declineGift"]
    assert declined["errors"] == [] and declined["gift"]["status"] == "DECLINED"
    assert (await budget_of(marketer, sent.ids["programId"]))["reserved"] == 0
    assert await stock_of(marketer, sent.ids["itemId"]) == 5
    await assert_ledger_balances(org.id)


async def snapshot(api: Api, sent: SentGift) -> tuple[Any, ...]:
    view = (await api(MARKETER_VIEW, {"id": sent.send_id}))["giftSend"]
    return (
        view,
        await budget_of(api, sent.ids["programId"]),
        await stock_of(api, sent.ids["itemId"]),
    )


ILLEGAL = [
    "redeem twice",
    "swap after redeem",
    "donate after redeem",
    "decline after redeem",
    "cancel after redeem",
    "redeem after decline",
    "redeem after cancel",
    "redeem expired",
    "swap expired",
    "decline expired",
    "another gift's token",
]


@pytest.mark.parametrize("case", ILLEGAL)
async def test_illegal_transitions_are_refused_and_change_nothing(
    marketer: Api, anonymous: Api, outsider: Api, other_org: Org, org: Org, case: str
) -> None:
    sent, items = await gift_with_options(marketer, org)
    token = {"token": sent.token}
    first, _, second = case.partition(" after ")
    if second == "redeem":
        assert (await anonymous(REDEEM, {"input": token}))["redeemGift"]["errors"] == []
    elif second == "decline":
        assert (await anonymous(DECLINE, token))["declineGift"]["errors"] == []
    elif second == "cancel":
        assert (await marketer(CANCEL, {"id": sent.send_id}))["cancelGift"]["errors"] == []
    elif case == "redeem twice":
        assert (await anonymous(REDEEM, {"input": token}))["redeemGift"]["errors"] == []
        first = "redeem"
    elif case.endswith("expired"):
        await expire(sent)
        first = case.split()[0]
    before = await snapshot(marketer, sent)

    if case == "another gift's token":
        # A link names its gift and nothing else: another organization's link can't reach
        # this gift's items, and acting on it leaves this gift alone.
        other = await send_one(outsider, await setup(other_org))
        other_before = await snapshot(outsider, other)
        swapped = await anonymous(SWAP, {"token": other.token, "itemId": items["cheaper"]})
        assert codes(swapped["swapGift"]) == [("itemId", "NOT_FOUND")]
        assert await snapshot(outsider, other) == other_before
        declined = await anonymous(DECLINE, {"token": other.token})
        assert declined["declineGift"]["errors"] == []
        assert await snapshot(marketer, sent) == before
        return

    if first == "cancel":
        refused = (await marketer(CANCEL, {"id": sent.send_id}))["cancelGift"]
        assert codes(refused) == [("id", "INVALID_STATE")]
    else:
        operation, variables, field = {
            "redeem": (REDEEM, {"input": token}, "redeemGift"),
            "swap": (SWAP, {**token, "itemId": items["cheaper"]}, "swapGift"),
            "donate": (DONATE, {**token, "itemId": items["charity"]}, "donateGift"),
            "decline": (DECLINE, token, "declineGift"),
        }[first]
        refused = (await anonymous(operation, variables))[field]
        assert codes(refused) == [("token", "GIFT_LINK_INVALID")]
        assert refused["errors"][0]["message"] == (
            "this gift link can't be used: it may be mistyped, expired or already used"
        )
    assert await snapshot(marketer, sent) == before
    await assert_ledger_balances(org.id)


async def test_unknown_tokens_get_the_same_answer_as_used_ones(anonymous: Api) -> None:
    for token in ("nope", "x" * 500, ""):
        refused = (await anonymous(DECLINE, {"token": token}))["declineGift"]
        assert codes(refused) == [("token", "GIFT_LINK_INVALID")]


async def test_concurrent_redeem_swap_and_decline_have_one_effect(
    marketer: Api, anonymous: Api, org: Org, database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    sent, items = await gift_with_options(marketer, org)
    token = {"token": sent.token}
    calls = [anonymous(REDEEM, {"input": token}) for _ in range(6)]
    calls += [anonymous(DECLINE, token) for _ in range(6)]
    calls += [anonymous(SWAP, {**token, "itemId": items["cheaper"]}) for _ in range(6)]
    results = [next(iter(r.values())) for r in await asyncio.gather(*calls)]
    final = [r for r in results if r["errors"] == [] and r["gift"]["status"] != "OFFERED"]
    assert len(final) == 1, results
    refused = {e["code"] for r in results for e in r["errors"]}
    assert refused <= {"GIFT_LINK_INVALID", "GIFT_CHANGED", "OUT_OF_STOCK", "INVALID"}
    async with unit_of_work() as session:
        send = await session.scalar(
            select(GiftSend).where(GiftSend.id == decode_id(sent.send_id, "GiftSend", "id"))
        )
    assert send is not None and send.status == final[0]["gift"]["status"]
    await assert_ledger_balances(org.id)
