"""Asks with an injected clock: timing after joining and after results, one retry, give-up,
responses, one open ask per advocate, scheduleAsk, opt-out and pause, the daytime window,
a stable and even A/B split with response rates, validation, racing jobs."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from advocacy.advocates.models import MilestoneKind
from advocacy.db import unit_of_work
from advocacy.engagement import asks
from advocacy.engagement.models import Ask
from advocacy.graphql.ids import encode_id
from tests.conftest import Org
from tests.engagement.conftest import noon, outbox_of
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_milestone, make_program

ASK_POLICY = """mutation($input: ConfigureAskPolicyInput!) { configureAskPolicy(input: $input) {
  askPolicy { enabled kind askAfterDays retryDays maxTries
              variantA { subject } variantB { subject } }
  errors { field code message } } }"""
SCHEDULE = """mutation($input: ScheduleAskInput!) { scheduleAsk(input: $input) {
  ask { id status kind source dueAt } errors { field code message } } }"""


async def policy(api: Api, program_id: int, **values: Any) -> dict[str, Any]:
    answer = (
        await api(
            ASK_POLICY,
            {"input": {"programId": encode_id("Program", program_id), "kind": "REVIEW", **values}},
        )
    )["configureAskPolicy"]
    assert answer["errors"] == [], answer["errors"]
    return dict(answer["askPolicy"])


async def run(now: dt.datetime) -> tuple[int, int]:
    async with unit_of_work() as session:
        opened = await asks.open_policy_asks(session, now)
    async with unit_of_work() as session:
        sent = await asks.send_due_asks(session, now)
    return opened, sent


async def asks_of(advocate_id: int) -> list[Ask]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(Ask).where(Ask.advocate_id == advocate_id).order_by(Ask.id)  # type: ignore[arg-type]
        )
        return list(rows)


def states(found: list[Ask]) -> list[tuple[str, int, str | None]]:
    return [(str(a.status), a.tries, a.close_reason) for a in found]


async def test_a_policy_asks_after_joining_retries_once_then_waits_for_new_results(
    org: Org, marketer: Api
) -> None:
    program = await make_program(org.id)
    await policy(marketer, program.id or 0, askAfterDays=30, retryDays=21, maxTries=2)
    advocate = await make_advocate(org.id, name="Maya Chen")
    await run(noon(29))
    assert await asks_of(advocate.id or 0) == []  # too early after joining
    await run(noon(31))
    await run(noon(31))  # the job twice: one email
    assert states(await asks_of(advocate.id or 0)) == [("OPEN", 1, None)]
    [email] = await outbox_of(advocate.email)
    assert email.subject == "Maya, would you write us a review?"
    assert "/u/" in email.body and email.headers["List-Unsubscribe-Post"]
    await run(noon(51))
    assert states(await asks_of(advocate.id or 0)) == [("OPEN", 1, None)]
    await run(noon(52))  # 21 days without a response: the one retry
    assert states(await asks_of(advocate.id or 0)) == [("OPEN", 2, None)]
    await run(noon(73))  # no response to the retry either: given up
    await run(noon(120))  # and no new ask without a new result signal
    assert states(await asks_of(advocate.id or 0)) == [("UNANSWERED", 2, "NO_RESPONSE")]
    assert len(await outbox_of(advocate.email)) == 2
    seen = await marketer(
        """mutation($a: ID!, $at: DateTime!) { markResultsSeen(input: {advocateId: $a, at: $at}) {
             advocate { resultsSeenAt } errors { field code } } }""",
        {"a": encode_id("Advocate", advocate.id or 0), "at": noon(120).isoformat()},
    )
    assert seen["markResultsSeen"]["errors"] == []
    await run(noon(149))
    assert len(await asks_of(advocate.id or 0)) == 1  # results seen 29 days ago: not yet
    await run(noon(150))
    assert states(await asks_of(advocate.id or 0))[-1] == ("OPEN", 1, None)


async def test_a_milestone_of_the_asked_kind_answers_it(org: Org, marketer: Api) -> None:
    program = await make_program(org.id)
    await policy(marketer, program.id or 0, askAfterDays=0)
    advocate = await make_advocate(org.id)
    await run(noon(1))
    await make_milestone(org.id, advocate.id or 0, program.id or 0, kind=MilestoneKind.TESTIMONIAL)
    assert states(await asks_of(advocate.id or 0)) == [("OPEN", 1, None)]  # not what we asked
    milestone = await make_milestone(org.id, advocate.id or 0, program.id or 0)
    [ask] = await asks_of(advocate.id or 0)
    assert (ask.status, ask.response_milestone_id) == ("RESPONDED", milestone.id)
    listed = await marketer(
        """query($p: ID!) { node(id: $p) { ... on Program {
             askStats { variant sent responded responseRate }
             asks { nodes { status response { id } advocate { id } } } } } }""",
        {"p": encode_id("Program", program.id or 0)},
    )
    assert listed["node"]["askStats"] == [
        {"variant": "A", "sent": 1, "responded": 1, "responseRate": 1.0},
        {"variant": "B", "sent": 0, "responded": 0, "responseRate": 0.0},
    ]
    [node] = listed["node"]["asks"]["nodes"]
    assert node["response"]["id"] == encode_id("Milestone", milestone.id or 0)


async def test_one_open_ask_per_advocate_and_schedule_ask_rules(org: Org, marketer: Api) -> None:
    program = await make_program(org.id)
    other_program = await make_program(org.id)
    await policy(marketer, other_program.id or 0, askAfterDays=0)
    advocate = await make_advocate(org.id)
    ids = {"advocateId": encode_id("Advocate", advocate.id or 0)}
    no_kind = await marketer(
        SCHEDULE, {"input": {**ids, "programId": encode_id("Program", program.id or 0)}}
    )
    assert [(e["field"], e["code"]) for e in no_kind["scheduleAsk"]["errors"]] == [
        ("kind", "REQUIRED")
    ]
    first = await marketer(
        SCHEDULE,
        {
            "input": {
                **ids,
                "programId": encode_id("Program", program.id or 0),
                "kind": "CASE_STUDY",
            }
        },
    )
    assert first["scheduleAsk"]["ask"]["source"] == "MARKETER"
    again = await marketer(
        SCHEDULE,
        {"input": {**ids, "programId": encode_id("Program", other_program.id or 0)}},
    )
    assert [(e["field"], e["code"]) for e in again["scheduleAsk"]["errors"]] == [
        ("advocateId", "ALREADY_EXISTS")
    ]
    await run(noon(1))  # the other program's policy would ask, but one is open already
    assert [(a.kind, a.tries) for a in await asks_of(advocate.id or 0)] == [("CASE_STUDY", 1)]
    [email] = await outbox_of(advocate.email)
    assert "a case study" in email.subject


async def test_opted_out_advocates_cannot_be_asked_and_paused_ones_wait(
    org: Org, marketer: Api
) -> None:
    program = await make_program(org.id)
    pid = encode_id("Program", program.id or 0)
    opted_out = await make_advocate(org.id, nudges_opt_out=True)
    refused = await marketer(
        SCHEDULE,
        {
            "input": {
                "advocateId": encode_id("Advocate", opted_out.id or 0),
                "programId": pid,
                "kind": "REVIEW",
            }
        },
    )
    assert [(e["field"], e["code"]) for e in refused["scheduleAsk"]["errors"]] == [
        ("advocateId", "INVALID_STATE")
    ]
    paused = await make_advocate(org.id)
    gid = encode_id("Advocate", paused.id or 0)
    await marketer(SCHEDULE, {"input": {"advocateId": gid, "programId": pid, "kind": "REVIEW"}})
    await marketer(
        "mutation($a: ID!) { pauseNudges(input: {advocateId: $a}) { errors { code } } }", {"a": gid}
    )
    await run(noon(1))
    assert states(await asks_of(paused.id or 0)) == [("SCHEDULED", 0, None)]
    await marketer(
        "mutation($a: ID!) { resumeNudges(input: {advocateId: $a}) { errors { code } } }",
        {"a": gid},
    )
    await run(noon(1))
    assert states(await asks_of(paused.id or 0)) == [("OPEN", 1, None)]
    await marketer(
        """mutation($a: ID!) {
             updateAdvocate(input: {id: $a, nudgesOptOut: true}) { errors { code } } }""",
        {"a": gid},
    )
    assert states(await asks_of(paused.id or 0)) == [("CANCELLED", 1, "OPTED_OUT")]


async def test_asks_wait_for_the_advocates_daytime(org: Org, marketer: Api) -> None:
    program = await make_program(org.id)
    advocate = await make_advocate(org.id, timezone="Asia/Tokyo")
    await marketer(
        SCHEDULE,
        {
            "input": {
                "advocateId": encode_id("Advocate", advocate.id or 0),
                "programId": encode_id("Program", program.id or 0),
                "kind": "REFERRAL",
            }
        },
    )
    await run(noon(1).replace(hour=14))  # 23:00 in Tokyo
    assert states(await asks_of(advocate.id or 0)) == [("SCHEDULED", 0, None)]
    await run(noon(2).replace(hour=1))  # 10:00 in Tokyo
    assert states(await asks_of(advocate.id or 0)) == [("OPEN", 1, None)]


def test_the_ab_split_is_stable_and_roughly_even() -> None:
    picks = [asks.variant_for(7, advocate, True) for advocate in range(1, 2001)]
    assert picks == [asks.variant_for(7, advocate, True) for advocate in range(1, 2001)]
    assert 900 <= picks.count("B") <= 1100
    other_program = [asks.variant_for(8, advocate, True) for advocate in range(1, 2001)]
    assert other_program != picks  # programs split independently
    assert {asks.variant_for(7, advocate, False) for advocate in range(1, 50)} == {"A"}


async def test_two_variants_are_sent_and_compared(org: Org, marketer: Api) -> None:
    program = await make_program(org.id)
    await policy(
        marketer,
        program.id or 0,
        askAfterDays=0,
        variantA={"subject": "A: review us, {first_name}?", "body": "Please: {program}"},
        variantB={"subject": "B: tell others, {first_name}", "body": "Thanks! {referral_link}"},
    )
    advocates = [await make_advocate(org.id) for _ in range(12)]
    await run(noon(1))
    by_variant: dict[str, int] = {"A": 0, "B": 0}
    for advocate in advocates:
        [ask] = await asks_of(advocate.id or 0)
        assert ask.variant == asks.variant_for(program.id or 0, advocate.id or 0, True)
        [email] = await outbox_of(advocate.email)
        assert email.subject.startswith(f"{ask.variant}:")
        by_variant[ask.variant] += 1
        if ask.variant == "B":
            await make_milestone(org.id, advocate.id or 0, program.id or 0)
    stats = {s.variant: s for s in await stats_of(program.id or 0)}
    assert (stats["A"].sent, stats["B"].sent) == (by_variant["A"], by_variant["B"])
    assert (stats["A"].responded, stats["B"].responded) == (0, by_variant["B"])


async def stats_of(program_id: int) -> list[asks.VariantStats]:
    async with unit_of_work() as session:
        return await asks.variant_stats(session, program_id)


async def test_ask_policies_are_validated_per_field(org: Org, marketer: Api) -> None:
    program = await make_program(org.id)
    pid = encode_id("Program", program.id or 0)
    for values, fields in (
        ({"maxTries": 0}, ["maxTries"]),
        ({"retryDays": 0, "askAfterDays": -1}, ["askAfterDays", "retryDays"]),
        ({"variantB": {"subject": "Hi", "body": "{nope}"}}, ["variantB.body"]),
        ({"variantA": {"subject": "", "body": "x"}}, ["variantA.subject"]),
    ):
        answer = (
            await marketer(ASK_POLICY, {"input": {"programId": pid, "kind": "REVIEW", **values}})
        )["configureAskPolicy"]
        assert sorted(e["field"] for e in answer["errors"]) == sorted(fields), values
    saved = await policy(marketer, program.id or 0)
    assert saved["variantA"]["subject"] == "{first_name}, would you write us {ask}?"
    assert saved["variantB"] is None


async def test_racing_ask_jobs_open_and_send_each_ask_once(org: Org, database: str) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    program = await make_program(org.id)
    async with unit_of_work() as session:
        from advocacy.engagement import service
        from advocacy.tenancy.principal import system_principal

        await service.configure_ask_policy(
            session,
            system_principal(org.id),
            service.AskPolicyInput(
                program_id=program.id or 0, kind=MilestoneKind.REVIEW, ask_after_days=0
            ),
        )
    advocates = [await make_advocate(org.id) for _ in range(25)]

    async def opener() -> int:
        async with unit_of_work() as session:
            return await asks.open_policy_asks(session, noon(1))

    async def sender() -> int:
        async with unit_of_work() as session:
            return await asks.send_due_asks(session, noon(1))

    await asyncio.gather(*(opener() for _ in range(3)))
    await asyncio.gather(*(sender() for _ in range(3)))
    for advocate in advocates:
        assert states(await asks_of(advocate.id or 0)) == [("OPEN", 1, None)]
        assert len(await outbox_of(advocate.email)) == 1
