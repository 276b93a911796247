"""Asks with an injected clock: timing after joining and after results, one retry, give-up,
responses, one open ask per advocate, scheduleAsk, opt-out and pause, the daytime window,
a stable and even A/B split with response rates, validation, racing jobs."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from advocacy.advocates import milestone_service
from advocacy.advocates.models import Advocate
from advocacy.engagement import asks
from advocacy.engagement.models import Ask
from advocacy.graphql.ids import encode_id
from advocacy.kit.db import unit_of_work
from advocacy.programs.models import MilestoneKind
from advocacy.tenancy.principal import system_principal
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


async def run(now: dt.datetime) -> int:
    """The ask job at ``now``, then the email jobs it rang (the worker would run them)."""
    async with unit_of_work() as session:
        await asks.open_policy_asks(session, now)
    async with unit_of_work() as session:
        claimed = await asks.claim_due_asks(session, now)
    async with unit_of_work() as session:
        waiting = (
            await session.execute(
                select(Ask.id, Ask.tries).where(
                    Ask.status == "OPEN",  # type: ignore[arg-type]
                    Ask.emailed_tries < Ask.tries,  # type: ignore[arg-type,operator]
                )
            )
        ).all()
    for ask_id, attempt in waiting:
        async with unit_of_work() as session:
            await asks.send_ask_email(session, ask_id, attempt, now)
    return claimed


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
    mark = """mutation($a: ID!, $at: DateTime) { markResultsSeen(input: {advocateId: $a, at: $at}) {
             advocate { resultsSeenAt } errors { field code } } }"""
    gid = encode_id("Advocate", advocate.id or 0)
    future = await marketer(mark, {"a": gid, "at": noon(120).isoformat()})
    assert future["markResultsSeen"]["errors"] == [{"field": "at", "code": "OUT_OF_RANGE"}]
    now = await marketer(mark, {"a": gid})
    assert now["markResultsSeen"]["advocate"]["resultsSeenAt"] is not None
    async with unit_of_work() as session:  # as if marked on day 120 of the injected clock
        await session.execute(
            update(Advocate).where(Advocate.id == advocate.id).values(results_seen_at=noon(120))  # type: ignore[arg-type]
        )
    await run(noon(149))
    assert len(await asks_of(advocate.id or 0)) == 1  # results seen 29 days ago: not yet
    await run(noon(150))
    assert states(await asks_of(advocate.id or 0))[-1] == ("OPEN", 1, None)


async def test_a_milestone_of_the_asked_kind_answers_it(org: Org, marketer: Api) -> None:
    program = await make_program(org.id)
    await policy(marketer, program.id or 0, askAfterDays=0)
    advocate = await make_advocate(org.id)
    await run(noon(1))
    await make_milestone(
        org.id, advocate.id or 0, program.id or 0, kind=MilestoneKind.TESTIMONIAL, approve=True
    )
    other_program = await make_program(org.id)
    await make_milestone(org.id, advocate.id or 0, other_program.id or 0, approve=True)
    rejected = await make_milestone(org.id, advocate.id or 0, program.id or 0)
    async with unit_of_work() as session:
        await milestone_service.reject_milestone(
            session, system_principal(org.id), rejected.id or 0, "not a real review"
        )
    pending = await make_milestone(org.id, advocate.id or 0, program.id or 0)
    # another kind, another program, rejected, not yet approved: none of them answers it
    assert states(await asks_of(advocate.id or 0)) == [("OPEN", 1, None)]
    async with unit_of_work() as session:
        milestone = await milestone_service.approve_milestone(
            session, system_principal(org.id), pending.id or 0
        )
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
            await make_milestone(org.id, advocate.id or 0, program.id or 0, approve=True)
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

    async def claimer() -> int:
        async with unit_of_work() as session:
            return await asks.claim_due_asks(session, noon(1))

    async def email(ask: Ask) -> bool:
        async with unit_of_work() as session:
            return await asks.send_ask_email(session, ask.id or 0, 1, noon(1))

    await asyncio.gather(*(opener() for _ in range(3)))
    assert sum(await asyncio.gather(*(claimer() for _ in range(3)))) == len(advocates)
    mine = [ask for advocate in advocates for ask in await asks_of(advocate.id or 0)]
    sent = await asyncio.gather(*(email(ask) for ask in mine for _ in range(2)))
    assert sum(sent) == len(advocates)  # each email job ran twice at once: one email each
    for advocate in advocates:
        assert states(await asks_of(advocate.id or 0)) == [("OPEN", 1, None)]
        assert len(await outbox_of(advocate.email)) == 1


async def test_paused_asks_wait_without_holding_up_everyone_elses(
    org: Org, marketer: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = await make_program(org.id)
    pid = encode_id("Program", program.id or 0)
    paused = [await make_advocate(org.id) for _ in range(3)]
    for advocate in paused:
        gid = encode_id("Advocate", advocate.id or 0)
        await marketer(SCHEDULE, {"input": {"advocateId": gid, "programId": pid, "kind": "REVIEW"}})
        await marketer(PAUSE_ONE, {"a": gid})
    waiting = await make_advocate(org.id)
    await marketer(
        SCHEDULE,
        {
            "input": {
                "advocateId": encode_id("Advocate", waiting.id or 0),
                "programId": pid,
                "kind": "REVIEW",
            }
        },
    )
    monkeypatch.setattr(asks, "BATCH", 2)  # fewer than the paused asks due before it
    await run(noon(1))
    assert states(await asks_of(waiting.id or 0)) == [("OPEN", 1, None)]
    assert [states(await asks_of(a.id or 0)) for a in paused] == [[("SCHEDULED", 0, None)]] * 3


PAUSE_ONE = "mutation($a: ID!) { pauseNudges(input: {advocateId: $a}) { errors { code } } }"


async def test_an_ask_outside_the_daytime_moves_to_when_it_opens(org: Org, marketer: Api) -> None:
    program = await make_program(org.id)
    advocate = await make_advocate(org.id, timezone="America/New_York")
    await marketer(
        SCHEDULE,
        {
            "input": {
                "advocateId": encode_id("Advocate", advocate.id or 0),
                "programId": encode_id("Program", program.id or 0),
                "kind": "REVIEW",
            }
        },
    )
    late = dt.datetime(2027, 3, 14, 3, 0, tzinfo=dt.UTC)  # 22:00 on the 13th in New York (EST)
    await run(late)
    [ask] = await asks_of(advocate.id or 0)
    # 09:00 on Sunday 14 March, the day clocks go forward: 13:00 UTC, not 14:00
    assert (ask.status, ask.due_at) == ("SCHEDULED", dt.datetime(2027, 3, 14, 13, 0, tzinfo=dt.UTC))


async def test_one_refused_address_costs_one_email_not_the_batch(
    org: Org,
    marketer: Api,
    configure: Any,
    smtp_server: tuple[int, Any],
) -> None:
    port, inbox = smtp_server
    configure(smtp_url=f"smtp://127.0.0.1:{port}")
    program = await make_program(org.id)
    await policy(marketer, program.id or 0, askAfterDays=0)
    good = await make_advocate(org.id, email="good@example.com")
    bad = await make_advocate(org.id, email="bounce@example.com")
    inbox.refuse = {"bounce@example.com"}
    for _ in range(2):  # the job and its retry
        async with unit_of_work() as session:
            await asks.open_policy_asks(session, noon(1))
        async with unit_of_work() as session:
            await asks.claim_due_asks(session, noon(1))
        for advocate in (good, bad):
            [ask] = await asks_of(advocate.id or 0)
            try:
                async with unit_of_work() as session:
                    await asks.send_ask_email(session, ask.id or 0, ask.tries, noon(1))
            except Exception:  # the refused one fails its own job, and is retried alone
                assert advocate is bad
    assert [m["To"] for m in inbox.messages] == ["good@example.com"]
    assert [(a.tries, a.emailed_tries) for a in await asks_of(good.id or 0)] == [(1, 1)]
    assert [(a.tries, a.emailed_tries) for a in await asks_of(bad.id or 0)] == [(1, 0)]
    [bad_ask] = await asks_of(bad.id or 0)
    async with unit_of_work() as session:
        assert bad_ask.id in await asks.ring_unsent_asks(session, noon(1) + dt.timedelta(minutes=6))
    async with unit_of_work() as session:  # rung once per five minutes, not once per tick
        later = await asks.ring_unsent_asks(session, noon(1) + dt.timedelta(minutes=7))
    assert bad_ask.id not in later
