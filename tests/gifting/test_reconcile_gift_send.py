"""``reconcileGiftSend``: a marketer settles a send whose provider outcome is unknown, exactly
once, with the ledger exact either way and the decision (who, why) in the history."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from advocacy.gifting.models import GiftSendStatus as S
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import (
    SentGift,
    assert_ledger_balances,
    budget_of,
    send_one,
    setup,
    stock_of,
    update_send,
)

RECONCILE = """
mutation($input: ReconcileGiftSendInput!) {
  reconcileGiftSend(input: $input) {
    giftSend {
      status providerReference failureReason reconciliationReason fulfilledAt closedAt
      events { kind actor detail }
    }
    errors { field code message }
  }
}
"""
REASON = "no definitive answer after 8 attempts; attempt 8: no answer (ReadTimeout)"


async def waiting(api: Api, org: Org) -> SentGift:
    """A redeemed gift left waiting for reconciliation (as the worker leaves it)."""
    sent = await send_one(api, await setup(org, inventory=5))
    await update_send(
        sent, status=S.NEEDS_RECONCILIATION, fulfil_attempts=8, reconciliation_reason=REASON
    )
    return sent


async def reconcile(api: Api, sent: SentGift, **fields: Any) -> dict[str, Any]:
    answer: dict[str, Any] = (
        await api(RECONCILE, {"input": {"giftSendId": sent.send_id, **fields}})
    )["reconcileGiftSend"]
    return answer


async def test_fulfilled_by_hand_spends_the_reservation_once(marketer: Api, org: Org) -> None:
    sent = await waiting(marketer, org)
    done = await reconcile(
        marketer,
        sent,
        outcome="FULFILLED",
        providerReference="PO-77812",
        note="the provider's portal shows it shipped",
    )
    assert done["errors"] == []
    send = done["giftSend"]
    assert send["status"] == "FULFILLED" and send["providerReference"] == "PO-77812"
    assert send["fulfilledAt"] is not None and send["reconciliationReason"] == REASON
    last = send["events"][-1]
    assert last["kind"] == "FULFILLED" and last["actor"].startswith("token:")
    assert last["detail"]["note"] == "the provider's portal shows it shipped"
    assert last["detail"]["by"] == "hand" and last["detail"]["reference"] == "PO-77812"
    budget = await budget_of(marketer, sent.ids["programId"])
    assert (budget["reserved"], budget["spent"]) == (0, 2500)

    again = await reconcile(marketer, sent, outcome="FAILED", note="oops, second click")
    assert again["giftSend"] is None
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("giftSendId", "INVALID_STATE")]
    assert "it is FULFILLED" in again["errors"][0]["message"]
    assert await budget_of(marketer, sent.ids["programId"]) == budget
    await assert_ledger_balances(org.id)


async def test_failed_by_hand_releases_budget_and_stock(marketer: Api, org: Org) -> None:
    sent = await waiting(marketer, org)
    assert await stock_of(marketer, sent.ids["itemId"]) == 4
    done = await reconcile(
        marketer, sent, outcome="FAILED", note="support says no order with that key"
    )
    assert done["errors"] == []
    send = done["giftSend"]
    assert send["status"] == "FAILED" and send["closedAt"] is not None
    assert "support says no order" in send["failureReason"]
    assert send["events"][-1]["kind"] == "FAILED"
    assert send["events"][-1]["detail"]["released"] == 2500
    budget = await budget_of(marketer, sent.ids["programId"])
    assert (budget["reserved"], budget["spent"]) == (0, 0)
    assert await stock_of(marketer, sent.ids["itemId"]) == 5
    await assert_ledger_balances(org.id)


async def test_racing_reconciliations_settle_once(marketer: Api, org: Org, database: str) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    sent = await waiting(marketer, org)
    answers = await asyncio.gather(
        *(
            reconcile(marketer, sent, outcome="FULFILLED", providerReference=f"PO-{n}", note="x")
            if n % 2
            else reconcile(marketer, sent, outcome="FAILED", note="y")
            for n in range(8)
        )
    )
    won = [a for a in answers if a["errors"] == []]
    assert len(won) == 1
    assert all(a["errors"][0]["code"] == "INVALID_STATE" for a in answers if a not in won)
    await assert_ledger_balances(org.id)


async def test_bad_input_names_the_field_and_changes_nothing(marketer: Api, org: Org) -> None:
    sent = await waiting(marketer, org)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"outcome": "FULFILLED", "note": "found it"}, "providerReference", "REQUIRED"),
        (
            {"outcome": "FULFILLED", "providerReference": "  ", "note": "x"},
            "providerReference",
            "REQUIRED",
        ),
        ({"outcome": "FAILED", "note": "   "}, "note", "REQUIRED"),
        ({"outcome": "FAILED", "note": "x" * 501}, "note", "TOO_LONG"),
        (
            {"outcome": "FAILED", "providerReference": "PO-1", "note": "x"},
            "providerReference",
            "INVALID",
        ),
    ]
    for fields, field, code in cases:
        answer = await reconcile(marketer, sent, **fields)
        assert [(e["field"], e["code"]) for e in answer["errors"]] == [(field, code)], fields
    assert (await reconcile(marketer, sent, outcome="FAILED", note="ok"))["errors"] == []
    await assert_ledger_balances(org.id)


async def test_only_a_waiting_send_of_ones_own_organization_is_reconciled(
    marketer: Api, viewer: Api, outsider: Api, org: Org
) -> None:
    offered = await send_one(marketer, await setup(org))
    answer = await reconcile(marketer, offered, outcome="FAILED", note="x")
    assert answer["errors"][0]["code"] == "INVALID_STATE"
    assert "it is OFFERED" in answer["errors"][0]["message"]
    sent = await waiting(marketer, org)
    foreign = await reconcile(outsider, sent, outcome="FAILED", note="x")
    assert [(e["field"], e["code"]) for e in foreign["errors"]] == [("giftSendId", "NOT_FOUND")]
    variables = {"input": {"giftSendId": sent.send_id, "outcome": "FAILED", "note": "x"}}
    assert await viewer.error_code(RECONCILE, variables) == "FORBIDDEN"
    budget = await budget_of(marketer, sent.ids["programId"])
    assert (budget["reserved"], budget["spent"]) == (2500, 0)  # still held
    await assert_ledger_balances(org.id)


async def test_the_sends_waiting_for_reconciliation_are_listed_with_their_reason(
    marketer: Api, org: Org
) -> None:
    sent = await waiting(marketer, org)
    await send_one(marketer, sent.ids)  # another gift of the program, OFFERED
    listed = await marketer(
        "query($f: GiftSendFilterInput) { giftSends(first: 10, filter: $f) "
        "{ totalCount nodes { id status reconciliationReason } } }",
        {"f": {"programId": sent.ids["programId"], "statuses": ["NEEDS_RECONCILIATION"]}},
    )
    assert listed["giftSends"]["totalCount"] == 1
    assert listed["giftSends"]["nodes"] == [
        {"id": sent.send_id, "status": "NEEDS_RECONCILIATION", "reconciliationReason": REASON}
    ]
