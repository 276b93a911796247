"""sendGift / cancelGift, the budget ledger and stock, including concurrent sends."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from advocacy.advocates.models import AdvocateStatus
from advocacy.graphql.ids import encode_id
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_program
from tests.fixtures.gifting import (
    SEND,
    STOCK,
    assert_ledger_balances,
    budget_of,
    make_item,
    setup,
)

CANCEL = """
mutation Cancel($id: ID!) {
  cancelGift(input: {id: $id}) {
    giftSend { id status amount { amount } events { kind } } errors { field code message }
  }
}
"""


async def test_send_reserves_budget_takes_stock_and_returns_the_link_once(
    marketer: Api, org: Org
) -> None:
    ids = await setup(org, inventory=3)
    result = (await marketer(SEND, {"input": {**ids, "message": "Thank you!"}}))["sendGift"]
    assert result["errors"] == []
    send = result["giftSend"]
    assert send["status"] == "OFFERED" and send["reason"] == "MANUAL"
    assert send["amount"] == {"amount": 2500, "currency": "USD"}
    assert send["item"] == {"name": "Coffee card"} and send["message"] == "Thank you!"
    assert [e["kind"] for e in send["events"]] == ["OFFERED"]
    assert send["events"][0]["actor"].startswith("token:")
    assert result["giftLink"].startswith("http://127.0.0.1:8000/gift/")
    assert await budget_of(marketer, ids["programId"]) == {
        "total": 10_000,
        "reserved": 2500,
        "spent": 0,
        "remaining": 7500,
    }
    assert (await marketer(STOCK, {"id": ids["itemId"]}))["giftItem"]["inventory"] == 2
    await assert_ledger_balances(org.id)


async def test_same_idempotency_key_replays_without_a_second_reservation(
    marketer: Api, org: Org
) -> None:
    ids = await setup(org)
    payload = {**ids, "idempotencyKey": "crm-gift-1"}
    first = (await marketer(SEND, {"input": payload}))["sendGift"]
    again = (await marketer(SEND, {"input": payload}))["sendGift"]
    assert again["replayed"] is True and again["giftLink"] is None
    assert again["giftSend"]["id"] == first["giftSend"]["id"]
    assert (await budget_of(marketer, ids["programId"]))["reserved"] == 2500
    changed = (await marketer(SEND, {"input": {**payload, "message": "other"}}))["sendGift"]
    assert [(e["field"], e["code"]) for e in changed["errors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")
    ]


async def test_budget_and_stock_run_out_with_clear_errors(marketer: Api, org: Org) -> None:
    ids = await setup(org, budget=5000, inventory=5)
    for _ in range(2):
        assert (await marketer(SEND, {"input": ids}))["sendGift"]["errors"] == []
    over = (await marketer(SEND, {"input": ids}))["sendGift"]
    assert [(e["field"], e["code"]) for e in over["errors"]] == [("programId", "BUDGET_EXCEEDED")]
    assert (await marketer(STOCK, {"id": ids["itemId"]}))["giftItem"]["inventory"] == 3

    stock_ids = await setup(org, budget=100_000, inventory=1, name="Last mug")
    assert (await marketer(SEND, {"input": stock_ids}))["sendGift"]["errors"] == []
    out = (await marketer(SEND, {"input": stock_ids}))["sendGift"]
    assert [(e["field"], e["code"]) for e in out["errors"]] == [("itemId", "OUT_OF_STOCK")]
    assert (await budget_of(marketer, stock_ids["programId"]))["reserved"] == 2500


async def test_cancel_gives_budget_and_stock_back_once(marketer: Api, org: Org) -> None:
    ids = await setup(org, inventory=2)
    send = (await marketer(SEND, {"input": ids}))["sendGift"]["giftSend"]
    cancelled = (await marketer(CANCEL, {"id": send["id"]}))["cancelGift"]
    assert cancelled["giftSend"]["status"] == "CANCELLED"
    assert [e["kind"] for e in cancelled["giftSend"]["events"]] == ["OFFERED", "CANCELLED"]
    again = (await marketer(CANCEL, {"id": send["id"]}))["cancelGift"]
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("id", "INVALID_STATE")]
    assert (await budget_of(marketer, ids["programId"]))["reserved"] == 0
    assert (await marketer(STOCK, {"id": ids["itemId"]}))["giftItem"]["inventory"] == 2
    await assert_ledger_balances(org.id)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ("archived", "itemId", "INVALID_STATE"),
        ("currency", "itemId", "INVALID"),
        ("opted_out", "advocateId", "INVALID_STATE"),
        ("draft_program", "programId", "INVALID_STATE"),
        ("expiry", "expiresInDays", "OUT_OF_RANGE"),
    ],
)
async def test_sends_that_cannot_happen_are_refused_and_write_nothing(
    marketer: Api, org: Org, change: str, field: str, code: str
) -> None:
    ids = await setup(org)
    extra: dict[str, Any] = {}
    if change == "archived":
        await marketer(
            "mutation($id: ID!) { archiveGiftItem(input: {id: $id}) { errors { code } } }",
            {"id": ids["itemId"]},
        )
    elif change == "currency":
        ids["itemId"] = await make_item(org, name="Euro card", currency="EUR")
    elif change == "opted_out":
        advocate = await make_advocate(org.id, status=AdvocateStatus.OPTED_OUT)
        ids["advocateId"] = encode_id("Advocate", advocate.id or 0)
    elif change == "draft_program":
        program = await make_program(org.id, status="DRAFT", budget_total=10_000)
        ids["programId"] = encode_id("Program", program.id or 0)
    elif change == "expiry":
        extra["expiresInDays"] = 0
    result = (await marketer(SEND, {"input": {**ids, **extra}}))["sendGift"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert (await marketer("{ giftSends { totalCount } }"))["giftSends"]["totalCount"] == 0


async def test_other_organizations_ids_are_not_found(
    marketer: Api, outsider: Api, org: Org
) -> None:
    ids = await setup(org)
    send = (await marketer(SEND, {"input": ids}))["sendGift"]["giftSend"]
    refused = (await outsider(SEND, {"input": ids}))["sendGift"]
    assert refused["errors"][0]["code"] == "NOT_FOUND"
    cancel = (await outsider(CANCEL, {"id": send["id"]}))["cancelGift"]
    assert [(e["field"], e["code"]) for e in cancel["errors"]] == [("id", "NOT_FOUND")]
    seen = await outsider(
        "query($id: ID!) { giftSend(id: $id) { id } node(id: $id) { id } }", {"id": send["id"]}
    )
    assert seen == {"giftSend": None, "node": None}
    assert (await outsider("{ giftSends { totalCount } }"))["giftSends"]["totalCount"] == 0


async def test_viewers_cannot_send(viewer: Api, org: Org) -> None:
    ids = await setup(org)
    assert await viewer.error_code(SEND, {"input": ids}) == "FORBIDDEN"


async def test_budget_cannot_be_lowered_below_what_is_committed(marketer: Api, org: Org) -> None:
    ids = await setup(org, budget=10_000)
    await marketer(SEND, {"input": ids})
    lowered = await marketer(
        "mutation($id: ID!) { updateProgram(input: {id: $id, budgetTotal: 2000}) "
        "{ errors { field code } } }",
        {"id": ids["programId"]},
    )
    assert lowered["updateProgram"]["errors"] == [{"field": "budgetTotal", "code": "OUT_OF_RANGE"}]


@pytest.mark.parametrize(
    ("budget", "inventory", "winners"), [(7 * 2500 + 100, None, 7), (10**6, 5, 5)]
)
async def test_fifty_concurrent_sends_never_overspend_or_oversell(
    marketer: Api, org: Org, database: str, budget: int, inventory: int | None, winners: int
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    ids = await setup(org, budget=budget, inventory=inventory)
    advocates = [await make_advocate(org.id) for _ in range(50)]
    results = await asyncio.gather(
        *(
            marketer(SEND, {"input": {**ids, "advocateId": encode_id("Advocate", a.id or 0)}})
            for a in advocates
        )
    )
    succeeded = [r for r in results if r["sendGift"]["errors"] == []]
    refused = {r["sendGift"]["errors"][0]["code"] for r in results if r["sendGift"]["errors"]}
    assert len(succeeded) == winners
    assert refused == ({"BUDGET_EXCEEDED"} if inventory is None else {"OUT_OF_STOCK"})
    assert (await budget_of(marketer, ids["programId"]))["reserved"] == winners * 2500
    count = await marketer("{ giftSends { totalCount } }")
    assert count["giftSends"]["totalCount"] == winners
    if inventory is not None:
        assert (await marketer(STOCK, {"id": ids["itemId"]}))["giftItem"]["inventory"] == 0
    await assert_ledger_balances(org.id)


SEND_MANY = """
mutation($input: SendGiftsInput!) {
  sendGifts(input: $input) {
    sentCount failedCount
    results { advocateId replayed giftLink giftSend { id status } errors { field code } }
    errors { field code }
  }
}
"""


async def test_send_gifts_reports_each_advocate_and_keeps_the_ones_that_worked(
    marketer: Api, org: Org
) -> None:
    ids = await setup(org, budget=3 * 2500)
    others = [await make_advocate(org.id) for _ in range(3)]
    opted_out = await make_advocate(org.id, status=AdvocateStatus.OPTED_OUT)
    advocate_ids = [ids["advocateId"]] + [encode_id("Advocate", a.id or 0) for a in others]
    advocate_ids.insert(1, encode_id("Advocate", opted_out.id or 0))
    advocate_ids.append(ids["advocateId"])
    batch = {
        "advocateIds": advocate_ids,
        "itemId": ids["itemId"],
        "programId": ids["programId"],
        "idempotencyKey": "q4-thanks",
    }
    result = (await marketer(SEND_MANY, {"input": batch}))["sendGifts"]
    assert result["errors"] == [] and (result["sentCount"], result["failedCount"]) == (3, 3)
    outcome = [
        (r["advocateId"], r["giftSend"]["status"] if r["giftSend"] else r["errors"][0]["code"])
        for r in result["results"]
    ]
    assert outcome == [
        (advocate_ids[0], "OFFERED"),
        (advocate_ids[1], "INVALID_STATE"),
        (advocate_ids[2], "OFFERED"),
        (advocate_ids[3], "OFFERED"),
        (advocate_ids[4], "BUDGET_EXCEEDED"),
        (advocate_ids[5], "INVALID"),
    ]
    assert all(r["giftLink"] for r in result["results"] if r["giftSend"])
    assert (await budget_of(marketer, ids["programId"]))["reserved"] == 3 * 2500
    again = (await marketer(SEND_MANY, {"input": batch}))["sendGifts"]
    assert again["sentCount"] == 3
    assert [r["replayed"] for r in again["results"] if r["giftSend"]] == [True, True, True]
    assert (await marketer("{ giftSends { totalCount } }"))["giftSends"]["totalCount"] == 3
    await assert_ledger_balances(org.id)


async def test_send_gifts_refuses_a_bad_call_as_a_whole(marketer: Api, org: Org) -> None:
    ids = await setup(org)
    base = {"itemId": ids["itemId"], "programId": ids["programId"]}
    empty = (await marketer(SEND_MANY, {"input": {**base, "advocateIds": []}}))["sendGifts"]
    assert empty["errors"] == [{"field": "advocateIds", "code": "REQUIRED"}]
    too_many = [ids["advocateId"]] * 501
    big = (await marketer(SEND_MANY, {"input": {**base, "advocateIds": too_many}}))["sendGifts"]
    assert big["errors"] == [{"field": "advocateIds", "code": "TOO_MANY"}]
    archived = await make_item(org, name="Gone", active=False)
    gone = {**base, "itemId": archived, "advocateIds": [ids["advocateId"]]}
    refused = (await marketer(SEND_MANY, {"input": gone}))["sendGifts"]
    assert refused["errors"] == [{"field": "itemId", "code": "INVALID_STATE"}]
    assert (await marketer("{ giftSends { totalCount } }"))["giftSends"]["totalCount"] == 0


async def test_gift_sends_are_listed_on_their_advocate_and_program(marketer: Api, org: Org) -> None:
    ids = await setup(org)
    first = (await marketer(SEND, {"input": ids}))["sendGift"]["giftSend"]["id"]
    second = (await marketer(SEND, {"input": ids}))["sendGift"]["giftSend"]["id"]
    await marketer(CANCEL, {"id": first})
    nested = await marketer(
        """query($a: ID!, $p: ID!) {
          advocate(id: $a) { giftSends { totalCount nodes { id } } }
          program(id: $p) { giftSends(statuses: [CANCELLED]) { totalCount nodes { id } } }
        }""",
        {"a": ids["advocateId"], "p": ids["programId"]},
    )
    assert [n["id"] for n in nested["advocate"]["giftSends"]["nodes"]] == [second, first]
    assert nested["program"]["giftSends"] == {"totalCount": 1, "nodes": [{"id": first}]}
