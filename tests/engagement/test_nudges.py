"""Nudges with an injected clock: cadence (cooldown, max, give-up), the daytime window across
timezones, opt-out through the signed link, pauses, gift-then-email, re-engagement, per-program
overrides, two jobs at once, a real SMTP server."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from advocacy.advocates.models import Advocate
from advocacy.engagement import lapses, nudges
from advocacy.engagement.unsubscribe import unsubscribe_token
from advocacy.gifting.models import GiftSend
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.kit.db import unit_of_work
from advocacy.rules import engine
from advocacy.rules import service as rule_service
from advocacy.rules.models import RuleEvent, RuleTrigger
from advocacy.tenancy.principal import system_principal
from tests.conftest import Org
from tests.engagement.conftest import (
    deliver_emails,
    engaged_at,
    noon,
    nudges_of,
    outbox_of,
    tick,
)
from tests.engagement.unsubscribe_data import ONE_CLICK
from tests.fixtures.api import Api
from tests.fixtures.factories import make_account, make_advocate, make_milestone, make_program
from tests.fixtures.gifting import make_item
from tests.fixtures.smtp import Inbox
from tests.fixtures.tokens import non_canonical_spellings

POLICY = """mutation($input: ConfigureEngagementPolicyInput!) {
  configureEngagementPolicy(input: $input) {
    engagementPolicy { lapseAfterDays nudgeChannel maxNudges cooldownDays giveUpAfterDays
                       daytimeStartHour daytimeEndHour defaultTimezone nudgesPaused }
    errors { field code message } } }"""


async def configure(api: Api, **values: Any) -> dict[str, Any]:
    result = (await api(POLICY, {"input": values}))["configureEngagementPolicy"]
    assert result["errors"] == [], result["errors"]
    return dict(result["engagementPolicy"])


async def lapsed_advocate(org: Org, **fields: Any) -> Advocate:
    advocate = await make_advocate(org.id, **fields)
    await engaged_at(advocate.id or 0, noon(-61))
    return advocate


def kinds(found: list[Any]) -> list[tuple[int, str, str]]:
    return [(n.sequence, str(n.channel), str(n.outcome)) for n in found]


async def test_email_nudges_follow_the_cadence_and_carry_an_unsubscribe_link(org: Org) -> None:
    advocate = await lapsed_advocate(org, name="Maya Chen")
    await tick(noon())
    [first] = await nudges_of(advocate.id or 0)
    assert (first.sequence, first.channel, first.sent_at) == (1, "EMAIL", None)
    assert await deliver_emails(advocate.id or 0) == 1
    assert await deliver_emails(advocate.id or 0) == 0  # the job run twice sends once
    [email] = await outbox_of(advocate.email)
    assert email.subject == "Maya, it's been a while"
    link = f"/u/{unsubscribe_token(advocate.id or 0)}"
    assert link in email.body and f"/r/{advocate.referral_code}" in email.body
    assert email.headers == {
        "List-Unsubscribe": f"<http://127.0.0.1:8000{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    await tick(noon())  # the same moment again: nothing new
    await tick(noon(13))  # inside the 14-day cooldown
    assert len(await nudges_of(advocate.id or 0)) == 1
    for day in (14, 28, 42, 56):
        await tick(noon(day))
    assert kinds(await nudges_of(advocate.id or 0)) == [
        (1, "EMAIL", "UNANSWERED"),
        (2, "EMAIL", "UNANSWERED"),
        (3, "EMAIL", "OPEN"),
    ]  # at most three per lapse


async def test_no_nudge_after_give_up_days_of_silence(org: Org, marketer: Api) -> None:
    await configure(marketer, giveUpAfterDays=70, maxNudges=5)
    advocate = await lapsed_advocate(org)
    await tick(noon())  # 61 days silent: nudged
    await tick(noon(14))  # 75 days silent: given up
    assert kinds(await nudges_of(advocate.id or 0)) == [(1, "EMAIL", "OPEN")]


async def test_nudges_go_out_only_in_the_advocates_local_daytime(org: Org, marketer: Api) -> None:
    assert (await configure(marketer, defaultTimezone="UTC"))["daytimeStartHour"] == 9
    tokyo = await lapsed_advocate(org, timezone="Asia/Tokyo")
    los_angeles = await lapsed_advocate(org, timezone="America/Los_Angeles")
    no_zone = await lapsed_advocate(org)
    at_3_utc = noon().replace(hour=3)  # Tokyo 12:00, Los Angeles 19:00/20:00, UTC 03:00
    await tick(at_3_utc)
    assert [len(await nudges_of(a.id or 0)) for a in (tokyo, los_angeles, no_zone)] == [1, 0, 0]
    at_17_utc = noon().replace(hour=17)  # Tokyo 02:00, Los Angeles 09:00/10:00, UTC 17:00
    await tick(at_17_utc)
    assert [len(await nudges_of(a.id or 0)) for a in (tokyo, los_angeles, no_zone)] == [1, 1, 1]
    await configure(marketer, defaultTimezone="Asia/Kolkata")  # 17:00 UTC = 22:30 there
    late = await lapsed_advocate(org)
    await tick(at_17_utc)
    assert await nudges_of(late.id or 0) == []


async def test_the_unsubscribe_link_stops_every_nudge_and_ask_at_once(
    org: Org, marketer: Api, client: httpx.AsyncClient
) -> None:
    advocate = await lapsed_advocate(org)
    await tick(noon())
    await deliver_emails(advocate.id or 0)
    [email] = await outbox_of(advocate.email)
    match = re.search(r"http://127\.0\.0\.1:8000(/u/\S+)", email.body)
    assert match is not None
    link = match.group(1)
    page = await client.get(link)  # a person (or a mail scanner) opening the link
    assert page.status_code == 200 and 'method="post"' in page.text
    assert not (await advocate_row(advocate.id or 0)).nudges_opt_out
    await tick(noon(14))  # a second nudge is claimed, its email not sent yet
    program = await make_program(org.id)
    scheduled = await marketer(
        """mutation($a: ID!, $p: ID!) { scheduleAsk(input: {advocateId: $a, programId: $p,
             kind: REVIEW}) { ask { status } errors { field code } } }""",
        {"a": encode_id("Advocate", advocate.id or 0), "p": encode_id("Program", program.id or 0)},
    )
    assert scheduled["scheduleAsk"]["errors"] == []
    done = await client.post(link, data=ONE_CLICK)  # the mail client's one-click POST
    assert done.status_code == 200 and "unsubscribed" in done.text
    assert (await client.post(link, data=ONE_CLICK)).status_code == 200  # twice is fine
    assert (await advocate_row(advocate.id or 0)).nudges_opt_out
    assert await deliver_emails(advocate.id or 0) == 0
    await tick(noon(28))
    assert kinds(await nudges_of(advocate.id or 0)) == [
        (1, "EMAIL", "UNANSWERED"),
        (2, "EMAIL", "CANCELLED"),
    ]
    assert len(await outbox_of(advocate.email)) == 1
    asks = await marketer(
        """query($a: ID!) { node(id: $a) {
             ... on Advocate { asks { nodes { status closeReason } } } } }""",
        {"a": encode_id("Advocate", advocate.id or 0)},
    )
    assert asks["node"]["asks"]["nodes"] == [{"status": "CANCELLED", "closeReason": "OPTED_OUT"}]


async def test_forged_or_altered_unsubscribe_tokens_are_refused(
    org: Org, client: httpx.AsyncClient
) -> None:
    advocate = await make_advocate(org.id)
    token = unsubscribe_token(advocate.id or 0)
    other = await make_advocate(org.id)
    forged = f"{other.id}.{token.split('.', 1)[1]}"
    for bad in (
        forged,
        f"{advocate.id}.AAAA",
        "nonsense",
        f"{advocate.id}.",
        "1.%C3%A9",
        "%C2%B2.x",
    ):
        assert (await client.post(f"/u/{bad}")).status_code == 404
    assert not (await advocate_row(other.id or 0)).nudges_opt_out
    assert not (await advocate_row(advocate.id or 0)).nudges_opt_out


async def test_an_unsubscribe_token_is_valid_only_with_its_id_written_canonically(
    org: Org, client: httpx.AsyncClient
) -> None:
    advocate = await make_advocate(org.id)
    await make_advocate(org.id)  # ids of two digits or more somewhere: the "_" spelling
    token = unsubscribe_token(advocate.id or 0)
    invalid_get, invalid_post = await client.get("/u/nonsense"), await client.post("/u/nonsense")
    assert invalid_get.status_code == invalid_post.status_code == 404
    for variant in (quote(spelling, safe="+") for spelling in non_canonical_spellings(token)):
        got, posted = await client.get(f"/u/{variant}"), await client.post(f"/u/{variant}")
        assert (got.status_code, got.text) == (invalid_get.status_code, invalid_get.text), variant
        assert (posted.status_code, posted.text) == (invalid_post.status_code, invalid_post.text)
    assert not (await advocate_row(advocate.id or 0)).nudges_opt_out
    real = await client.post(f"/u/{token}", data=ONE_CLICK)
    assert real.status_code == 200  # the real one still works
    assert (await advocate_row(advocate.id or 0)).nudges_opt_out


async def advocate_row(advocate_id: int) -> Advocate:
    async with unit_of_work() as session:
        return await session.get_one(Advocate, advocate_id)


PAUSE = """mutation($input: NudgePauseInput!) { pauseNudges(input: $input) {
  advocate { nudgesPaused } engagementPolicy { nudgesPaused } errors { field code } } }"""
RESUME = PAUSE.replace("pauseNudges", "resumeNudges")


async def test_pausing_an_advocate_or_the_organization_holds_nudges(
    org: Org, marketer: Api
) -> None:
    advocate = await lapsed_advocate(org)
    gid = encode_id("Advocate", advocate.id or 0)
    paused = await marketer(PAUSE, {"input": {"advocateId": gid}})
    assert paused["pauseNudges"]["advocate"] == {"nudgesPaused": True}
    await tick(noon())
    assert await nudges_of(advocate.id or 0) == []
    await marketer(RESUME, {"input": {"advocateId": gid}})
    whole = await marketer(PAUSE, {"input": {}})
    assert whole["pauseNudges"]["engagementPolicy"] == {"nudgesPaused": True}
    await tick(noon())
    assert await nudges_of(advocate.id or 0) == []
    await marketer(RESUME, {"input": {}})
    await tick(noon())
    assert len(await nudges_of(advocate.id or 0)) == 1


async def test_a_paused_advocates_queued_email_does_not_leave(org: Org, marketer: Api) -> None:
    advocate = await lapsed_advocate(org)
    await tick(noon())
    await marketer(PAUSE, {"input": {"advocateId": encode_id("Advocate", advocate.id or 0)}})
    assert await deliver_emails(advocate.id or 0) == 0
    assert kinds(await nudges_of(advocate.id or 0)) == [(1, "EMAIL", "CANCELLED")]


async def test_gift_then_email_rings_the_lapse_rule_first_then_emails(
    org: Org, marketer: Api
) -> None:
    program = await make_program(org.id, budget_total=20_000)
    item = decode_id(await make_item(org, name="Coffee card", price=2500), "GiftItem", "i")
    async with unit_of_work() as session:
        await rule_service.create_rule(
            session,
            system_principal(org.id),
            rule_service.RuleSpec(
                name="Welcome back",
                trigger=RuleTrigger.ADVOCATE_LAPSED,
                program_id=program.id or 0,
                item_id=item,
            ),
        )
    await configure(marketer, nudgeChannel="GIFT_THEN_EMAIL")
    advocate = await lapsed_advocate(org)
    await tick(noon())
    [gift_nudge] = await nudges_of(advocate.id or 0)
    assert (gift_nudge.channel, gift_nudge.sent_at is not None) == ("GIFT", True)
    async with unit_of_work() as session:
        event = await session.get_one(RuleEvent, gift_nudge.rule_event_id)
        await engine.evaluate(
            session, org.id, RuleTrigger(event.trigger), advocate.id or 0, event.event_key, None
        )
        sends = list(
            await session.scalars(select(GiftSend).where(GiftSend.advocate_id == advocate.id))
        )
    assert [send.item_id for send in sends] == [item]
    await tick(noon(14))
    assert kinds(await nudges_of(advocate.id or 0)) == [
        (1, "GIFT", "UNANSWERED"),
        (2, "EMAIL", "OPEN"),
    ]


async def test_a_gift_policy_without_a_lapse_rule_sends_nothing(org: Org, marketer: Api) -> None:
    await configure(marketer, nudgeChannel="GIFT")
    advocate = await lapsed_advocate(org)
    await tick(noon())
    assert await nudges_of(advocate.id or 0) == []


async def test_coming_back_closes_the_open_nudge_as_re_engaged(org: Org, marketer: Api) -> None:
    advocate = await lapsed_advocate(org)
    program = await make_program(org.id)
    await tick(noon())
    await deliver_emails(advocate.id or 0)
    await make_milestone(org.id, advocate.id or 0, program.id or 0, approve=True)
    [nudge] = await nudges_of(advocate.id or 0)
    assert (nudge.outcome, nudge.re_engaged_at is not None) == ("RE_ENGAGED", True)
    listed = await marketer(
        """query($a: ID!) { nudges(filter: {advocateId: $a}) { totalCount
             nodes { id channel sequence outcome sentAt reEngagedAt advocate { status } } } }""",
        {"a": encode_id("Advocate", advocate.id or 0)},
    )
    [node] = listed["nudges"]["nodes"]
    assert (node["outcome"], node["advocate"]["status"]) == ("RE_ENGAGED", "ACTIVE")
    assert node["reEngagedAt"] is not None and listed["nudges"]["totalCount"] == 1
    fetched = await marketer("query($id: ID!) { node(id: $id) { id } }", {"id": node["id"]})
    assert fetched["node"] == {"id": node["id"]}


async def test_a_program_policy_overrides_the_organizations_for_its_advocates(
    org: Org, marketer: Api
) -> None:
    quick = await make_program(org.id)
    silent = await make_program(org.id)
    for program, values in ((quick, {"lapseAfterDays": 10}), (silent, {"nudgeChannel": "NONE"})):
        result = await marketer(
            """mutation($input: ConfigureProgramEngagementPolicyInput!) {
                 configureProgramEngagementPolicy(input: $input) {
                   programEngagementPolicy { lapseAfterDays nudgeChannel maxNudges }
                   errors { field code } } }""",
            {"input": {"programId": encode_id("Program", program.id or 0), **values}},
        )
        assert result["configureProgramEngagementPolicy"]["errors"] == []
    in_quick = await make_advocate(org.id)
    in_silent = await make_advocate(org.id)
    elsewhere = await make_advocate(org.id)
    for advocate, program in ((in_quick, quick), (in_silent, silent)):
        await make_milestone(
            org.id, advocate.id or 0, program.id or 0, occurred_at=noon(-15), approve=True
        )
    await engaged_at(elsewhere.id or 0, noon(-15))
    await tick(noon())  # 15 days silent: only the quick program's advocate lapses
    assert [(await advocate_row(a.id or 0)).status for a in (in_quick, in_silent, elsewhere)] == [
        "LAPSED",
        "ACTIVE",
        "ACTIVE",
    ]
    assert len(await nudges_of(in_quick.id or 0)) == 1
    await tick(noon(50))  # 65 days: everyone lapsed; the silent program's advocate gets nothing
    assert (await advocate_row(in_silent.id or 0)).status == "LAPSED"
    assert await nudges_of(in_silent.id or 0) == []
    assert len(await nudges_of(elsewhere.id or 0)) == 1


async def test_daytime_and_timezone_are_organization_wide_and_validated(marketer: Api) -> None:
    program = await make_program_for(marketer)
    refused = await marketer.raw(
        """mutation($p: ID!) { configureProgramEngagementPolicy(input: {programId: $p,
             daytimeStartHour: 3}) { errors { field code } } }""",
        {"p": program},
    )
    assert "daytimeStartHour" in refused["errors"][0]["message"]  # not a program setting
    bad = await marketer.raw(POLICY, {"input": {"daytimeStartHour": 18, "daytimeEndHour": 9}})
    assert bad["data"]["configureEngagementPolicy"]["errors"][0]["field"] == "daytimeStartHour"
    for values, field in (
        ({"defaultTimezone": "Mars/Olympus"}, "defaultTimezone"),
        ({"maxNudges": 99}, "maxNudges"),
        ({"cooldownDays": 0}, "cooldownDays"),
        ({"lapseAfterDays": None}, "lapseAfterDays"),
    ):
        answer = (await marketer(POLICY, {"input": values}))["configureEngagementPolicy"]
        assert [e["field"] for e in answer["errors"]] == [field], values
    unchanged = await marketer("{ engagementPolicy { maxNudges daytimeStartHour } }")
    assert unchanged["engagementPolicy"] == {"maxNudges": 3, "daytimeStartHour": 9}


async def make_program_for(api: Api) -> str:
    created = await api(
        """mutation { createProgram(input: {name: "P", currency: "USD", budgetTotal: 100,
             status: ACTIVE}) { program { id } errors { code } } }"""
    )
    return str(created["createProgram"]["program"]["id"])


TEMPLATE = """mutation($input: UpdateNudgeTemplateInput!) { updateNudgeTemplate(input: $input) {
  template { subject body } errors { field code message } } }"""


async def test_the_nudge_template_is_editable_and_checked(org: Org, marketer: Api) -> None:
    wrong = (await marketer(TEMPLATE, {"input": {"subject": "Hi {frist_name}", "body": "x"}}))[
        "updateNudgeTemplate"
    ]
    assert [(e["field"], e["code"]) for e in wrong["errors"]] == [("subject", "INVALID")]
    assert "frist_name" in wrong["errors"][0]["message"]
    spec = (await marketer(TEMPLATE, {"input": {"subject": "Hi", "body": "{name:>99999}"}}))[
        "updateNudgeTemplate"
    ]
    assert [e["field"] for e in spec["errors"]] == ["body"]
    saved = await marketer(
        TEMPLATE,
        {
            "input": {
                "subject": "News for {account}, {first_name}",
                "body": "We shipped dark mode!\nYour last: {last_milestone}."
                " Share: {referral_link}",
            }
        },
    )
    assert saved["updateNudgeTemplate"]["errors"] == []
    account = await make_account(org.id, name="Acme")
    account_advocate = await lapsed_advocate(org, name="Leo Park", account_id=account.id)
    await tick(noon())
    await deliver_emails(account_advocate.id or 0)
    [email] = await outbox_of(account_advocate.email)
    assert email.subject == "News for Acme, Leo"
    assert email.body.startswith("We shipped dark mode!\nYour last: joining our advocates.")
    assert "Unsubscribe in one click" in email.body  # the template can't drop it
    reset = await marketer(TEMPLATE, {"input": {"subject": None, "body": None}})
    assert reset["updateNudgeTemplate"]["template"]["subject"] == "{first_name}, it's been a while"


async def test_four_nudge_jobs_at_once_nudge_each_advocate_once(org: Org, database: str) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    advocates = [await lapsed_advocate(org) for _ in range(30)]
    async with unit_of_work() as session:
        await lapses.detect_lapses(session, noon())  # lapse first; the racing jobs only nudge

    async def job() -> int:
        async with unit_of_work() as session:
            return await nudges.send_due_nudges(session, noon())

    await asyncio.gather(*(job() for _ in range(4)))
    for advocate in advocates:
        assert [n.sequence for n in await nudges_of(advocate.id or 0)] == [1]


async def test_with_smtp_configured_a_nudge_reaches_a_real_server_with_a_working_link(
    org: Org,
    configure: Callable[..., None],
    smtp_server: tuple[int, Inbox],
    client: httpx.AsyncClient,
) -> None:
    port, inbox = smtp_server
    configure(smtp_url=f"smtp://127.0.0.1:{port}")
    advocate = await lapsed_advocate(org, name="Ada Lovelace")
    await tick(noon())
    assert await deliver_emails(advocate.id or 0) == 1
    [message] = inbox.messages
    assert message["To"] == advocate.email
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(message["List-Unsubscribe"]).strip("<>").removeprefix("http://127.0.0.1:8000")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and link in body.get_content()
    assert (await client.post(link, data=ONE_CLICK)).status_code == 200
    assert (await advocate_row(advocate.id or 0)).nudges_opt_out


async def test_only_the_advocate_can_undo_their_unsubscribe(
    org: Org, marketer: Api, client: httpx.AsyncClient
) -> None:
    advocate = await make_advocate(org.id)
    gid = encode_id("Advocate", advocate.id or 0)
    update = """mutation($a: ID!, $out: Boolean!) { updateAdvocate(input: {id: $a,
        nudgesOptOut: $out}) { advocate { nudgesOptOut unsubscribedAt } errors { field code } } }"""
    by_marketer = await marketer(update, {"a": gid, "out": True})
    assert by_marketer["updateAdvocate"]["advocate"]["unsubscribedAt"] is None
    back = await marketer(
        update, {"a": gid, "out": False}
    )  # a marketer's own opt-out: theirs to undo
    assert back["updateAdvocate"]["errors"] == []
    await client.post(f"/u/{unsubscribe_token(advocate.id or 0)}", data=ONE_CLICK)
    refused = await marketer(update, {"a": gid, "out": False})
    assert refused["updateAdvocate"]["errors"] == [
        {"field": "nudgesOptOut", "code": "INVALID_STATE"}
    ]
    assert (await advocate_row(advocate.id or 0)).nudges_opt_out


async def test_a_cancelled_nudge_neither_counts_nor_starts_a_cooldown(
    org: Org, marketer: Api
) -> None:
    advocate = await lapsed_advocate(org)
    gid = encode_id("Advocate", advocate.id or 0)
    await tick(noon())
    await marketer(PAUSE, {"input": {"advocateId": gid}})
    assert await deliver_emails(advocate.id or 0) == 0  # paused before it left: cancelled
    await marketer(RESUME, {"input": {"advocateId": gid}})
    await tick(noon(1))  # no 14-day wait after a nudge that never went out
    assert kinds(await nudges_of(advocate.id or 0)) == [
        (1, "EMAIL", "CANCELLED"),
        (2, "EMAIL", "OPEN"),
    ]
    assert await deliver_emails(advocate.id or 0) == 1


async def test_lost_nudge_emails_are_rung_again_once_per_five_minutes(org: Org) -> None:
    advocate = await lapsed_advocate(org)
    await tick(noon())
    [nudge] = await nudges_of(advocate.id or 0)
    async with unit_of_work() as session:
        early = await nudges.ring_unsent_email_nudges(session, noon() + dt.timedelta(minutes=4))
    assert nudge.id not in early  # (other tests' nudges may be in the shared database)
    async with unit_of_work() as session:
        rung = await nudges.ring_unsent_email_nudges(session, noon() + dt.timedelta(minutes=6))
    assert nudge.id in rung
    async with unit_of_work() as session:
        again = await nudges.ring_unsent_email_nudges(session, noon() + dt.timedelta(minutes=7))
    assert nudge.id not in again


async def test_each_advocate_counts_only_their_own_nudges(org: Org) -> None:
    """Regression: the nested 'latest lapse' lookup once matched the newest lapse of anyone, so
    the newest lapser's cooldown held everyone else back."""
    first = await lapsed_advocate(org)
    await tick(noon())
    later = await make_advocate(org.id)
    await engaged_at(later.id or 0, noon(-60))
    await tick(noon(1))  # `later` lapses and is nudged: the newest lapse of all
    assert [len(await nudges_of(a.id or 0)) for a in (first, later)] == [1, 1]
    await tick(noon(14))  # first's cooldown is over; later's isn't
    assert [len(await nudges_of(a.id or 0)) for a in (first, later)] == [2, 1]
