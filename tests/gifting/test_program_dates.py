"""A program pays only between its dates (issue 15): before ``startsOn`` or after ``endsOn`` no
gift goes out, and nothing is reserved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from advocacy.graphql.ids import encode_id
from advocacy.kit.db import utcnow
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_program
from tests.fixtures.gifting import SEND, assert_ledger_balances, budget_of, make_item


async def send_for(org: Org, marketer: Api, **dates: Any) -> dict[str, Any]:
    program = await make_program(org.id, **dates)
    advocate = await make_advocate(org.id)
    ids = {
        "programId": encode_id("Program", program.id or 0),
        "advocateId": encode_id("Advocate", advocate.id or 0),
        "itemId": await make_item(org),
    }
    answer = (await marketer(SEND, {"input": ids}))["sendGift"]
    answer["budget"] = await budget_of(marketer, ids["programId"])
    return dict(answer)


async def test_no_gift_before_the_program_starts_or_after_it_ends(org: Org, marketer: Api) -> None:
    today = utcnow().date()
    for dates, says in (
        ({"starts_on": today + dt.timedelta(days=1)}, "starts on"),
        ({"ends_on": today - dt.timedelta(days=1)}, "ended on"),
    ):
        refused = await send_for(org, marketer, **dates)
        assert refused["giftSend"] is None
        [error] = refused["errors"]
        assert (error["field"], error["code"]) == ("programId", "INVALID_STATE")
        assert says in error["message"]
        assert refused["budget"]["reserved"] == 0
    await assert_ledger_balances(org.id)


async def test_a_gift_goes_out_on_the_first_and_the_last_day(org: Org, marketer: Api) -> None:
    today = utcnow().date()
    for dates in ({"starts_on": today}, {"ends_on": today}):
        sent = await send_for(org, marketer, **dates)
        assert sent["errors"] == [] and sent["giftSend"] is not None
