"""Gift rules: each trigger, exactly once per event (also when the job runs twice or twice at
once), caps, the approval step, the deterministic interest match, and what a rule records when
it can't act."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from advocacy.advocates import milestone_service
from advocacy.advocates.models import Advocate
from advocacy.gifting.models import GiftSend, GiftSendStatus
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.kit import jobs
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.programs.models import MilestoneKind
from advocacy.rules import engine
from advocacy.rules import service as rule_service
from advocacy.rules.models import GiftRuleRun, RuleTrigger
from advocacy.tenancy.principal import system_principal
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_milestone, make_program
from tests.fixtures.gifting import assert_ledger_balances, make_item
from tests.webhooks.test_event_coverage import event_types, subscribe_to_everything

CREATE = """
mutation($input: CreateGiftRuleInput!) {
  createGiftRule(input: $input) { giftRule { id name trigger status } errors { field code } }
}
"""
RUNS = """
query($id: ID!) {
  giftRule(id: $id) {
    runs { totalCount nodes { event outcome reason giftSend { status message } } }
  }
}
"""


async def rule(org: Org, **fields: Any) -> int:
    spec = rule_service.RuleSpec(**{"name": f"rule-{utcnow().timestamp()}", **fields})
    async with unit_of_work() as session:
        created = await rule_service.create_rule(session, system_principal(org.id), spec)
    return created.id or 0


async def approve(org: Org, advocate_id: int, program_id: int, kind: MilestoneKind) -> int:
    milestone = await make_milestone(org.id, advocate_id, program_id, kind=kind)
    async with unit_of_work() as session:
        await milestone_service.approve_milestone(
            session, system_principal(org.id), milestone.id or 0
        )
    return milestone.id or 0


async def evaluate(
    org: Org, trigger: RuleTrigger, advocate_id: int, key: str, kind: str | None = None
) -> list[GiftRuleRun]:
    async with unit_of_work() as session:
        return await engine.evaluate(session, org.id, trigger, advocate_id, key, kind)


async def sends_of(org: Org) -> list[GiftSend]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(GiftSend).where(GiftSend.organization_id == org.id).order_by(GiftSend.id)  # type: ignore[arg-type]
        )
        return list(rows)


@pytest.fixture
async def world(org: Org) -> dict[str, int]:
    program = await make_program(org.id, budget_total=20_000)
    advocate = await make_advocate(org.id, name="Maya Chen", interests=["coffee", "hiking"])
    item = decode_id(await make_item(org, name="Coffee card", price=2500), "GiftItem", "i")
    return {"program": program.id or 0, "advocate": advocate.id or 0, "item": item}


async def test_a_milestone_rule_fires_once_per_event_with_its_message(
    org: Org, world: dict[str, int]
) -> None:
    await rule(
        org,
        trigger=RuleTrigger.MILESTONE_APPROVED,
        milestone_kinds=[MilestoneKind.REVIEW],
        program_id=world["program"],
        item_id=world["item"],
        message_template="Thanks for the {milestone_kind}, {first_name}!",
    )
    milestone = await approve(org, world["advocate"], world["program"], MilestoneKind.REVIEW)
    key = f"milestone:{milestone}"
    for _ in range(2):  # the job run twice
        await evaluate(org, RuleTrigger.MILESTONE_APPROVED, world["advocate"], key, "REVIEW")
    other = await approve(org, world["advocate"], world["program"], MilestoneKind.TESTIMONIAL)
    await evaluate(
        org, RuleTrigger.MILESTONE_APPROVED, world["advocate"], f"milestone:{other}", "TESTIMONIAL"
    )
    [send] = await sends_of(org)
    assert send.reason == "RULE" and send.status == GiftSendStatus.OFFERED
    assert send.message == "Thanks for the review, Maya!"
    await assert_ledger_balances(org.id)


async def test_concurrent_runs_of_one_event_send_once(
    org: Org, world: dict[str, int], database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    await rule(
        org,
        trigger=RuleTrigger.REFERRAL_CONVERTED,
        program_id=world["program"],
        item_id=world["item"],
    )
    await asyncio.gather(
        *(
            evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:1")
            for _ in range(6)
        )
    )
    assert len(await sends_of(org)) == 1
    await assert_ledger_balances(org.id)


async def test_points_threshold_fires_when_crossed_and_only_once(
    org: Org, world: dict[str, int]
) -> None:
    await rule(
        org,
        trigger=RuleTrigger.POINTS_THRESHOLD,
        threshold=100,
        program_id=world["program"],
        item_id=world["item"],
    )
    for number in range(4):  # REVIEW earns 50 points by default
        milestone = await approve(org, world["advocate"], world["program"], MilestoneKind.REVIEW)
        await evaluate(
            org,
            RuleTrigger.MILESTONE_APPROVED,
            world["advocate"],
            f"milestone:{milestone}",
            "REVIEW",
        )
        assert len(await sends_of(org)) == (0 if number == 0 else 1)


async def test_the_interest_match_is_deterministic_and_spreads_ties(
    org: Org, world: dict[str, int]
) -> None:
    await make_item(org, name="Mug", price=2000, tags=["coffee"])
    both_a = decode_id(
        await make_item(org, name="Trail coffee kit", price=3000, tags=["coffee", "hiking"]),
        "GiftItem",
        "i",
    )
    both_b = decode_id(
        await make_item(org, name="Camp espresso", price=3000, tags=["hiking", "coffee"]),
        "GiftItem",
        "i",
    )
    await make_item(org, name="Tea set", price=1000, tags=["tea"])
    await make_item(org, name="Fancy boots", price=9000, tags=["hiking", "coffee"])
    await rule(
        org, trigger=RuleTrigger.REFERRAL_CONVERTED, program_id=world["program"], price_cap=5000
    )
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:1")
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:2")
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:3")
    assert [send.item_id for send in await sends_of(org)] == [both_a, both_b, both_a]


async def test_caps_budget_and_no_match_are_recorded_on_the_rule(
    org: Org, marketer: Api, world: dict[str, int]
) -> None:
    capped = await rule(
        org,
        name="capped",
        trigger=RuleTrigger.REFERRAL_CONVERTED,
        program_id=world["program"],
        item_id=world["item"],
        cap_count=1,
        cap_days=30,
    )
    nothing = await rule(
        org,
        name="nothing fits",
        trigger=RuleTrigger.REFERRAL_CONVERTED,
        program_id=world["program"],
        price_cap=100,
    )
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:1")
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:2")
    runs = (await marketer(RUNS, {"id": encode_id("GiftRule", capped)}))["giftRule"]["runs"]
    assert [(n["outcome"], n["event"]) for n in runs["nodes"]] == [
        ("SKIPPED", "referral:2"),
        ("SENT", "referral:1"),
    ]
    assert runs["nodes"][0]["reason"].startswith("cap reached")
    misses = (await marketer(RUNS, {"id": encode_id("GiftRule", nothing)}))["giftRule"]["runs"]
    assert {n["reason"] for n in misses["nodes"]} == {
        "no catalog item matches the advocate's interests under the price cap"
    }
    broke = await make_program(org.id, budget_total=1000)
    poor = await rule(
        org,
        name="poor",
        trigger=RuleTrigger.ADVOCATE_LAPSED,
        program_id=broke.id,
        item_id=world["item"],
    )
    await evaluate(org, RuleTrigger.ADVOCATE_LAPSED, world["advocate"], "lapse:x")
    runs = (await marketer(RUNS, {"id": encode_id("GiftRule", poor)}))["giftRule"]["runs"]["nodes"]
    assert runs[0]["outcome"] == "SKIPPED" and "budget" in runs[0]["reason"]
    await assert_ledger_balances(org.id)


async def test_the_approval_step_holds_the_gift_until_a_marketer_decides(
    org: Org, admin: Api, marketer: Api, world: dict[str, int]
) -> None:
    await subscribe_to_everything(admin)
    await rule(
        org,
        trigger=RuleTrigger.REFERRAL_CONVERTED,
        program_id=world["program"],
        item_id=world["item"],
        requires_approval=True,
    )
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:1")
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:2")
    first, second = await sends_of(org)
    assert first.status == second.status == GiftSendStatus.PENDING_APPROVAL
    budget = await marketer(
        "query($id: ID!) { program(id: $id) { budget { reserved } } }",
        {"id": encode_id("Program", world["program"])},
    )
    assert budget["program"]["budget"]["reserved"] == 5000
    decide = (
        "mutation($id: ID!) { %s(input: {id: $id}) { giftSend { status } errors { field code } } }"
    )
    approved = await marketer(
        decide % "approveGiftSend", {"id": encode_id("GiftSend", first.id or 0)}
    )
    assert approved["approveGiftSend"]["giftSend"]["status"] == "OFFERED"
    rejected = await marketer(
        decide % "rejectGiftSend", {"id": encode_id("GiftSend", second.id or 0)}
    )
    assert rejected["rejectGiftSend"]["giftSend"]["status"] == "CANCELLED"
    again = await marketer(
        decide % "approveGiftSend", {"id": encode_id("GiftSend", second.id or 0)}
    )
    assert again["approveGiftSend"]["errors"] == [{"field": "id", "code": "INVALID_STATE"}]
    await assert_ledger_balances(org.id)
    # A CRM hears of both: waiting for approval, then offered or cancelled (issue 15).
    gift_events = [t for t in await event_types(org.id) if t.startswith("gift.")]
    assert gift_events == [
        "gift.pending_approval",
        "gift.pending_approval",
        "gift.offered",
        "gift.cancelled",
    ]


async def test_anniversaries_fire_once_for_advocates_who_joined_long_enough_ago(
    org: Org, world: dict[str, int]
) -> None:
    await rule(
        org,
        trigger=RuleTrigger.ANNIVERSARY,
        threshold=365,
        program_id=world["program"],
        item_id=world["item"],
    )
    newcomer = await make_advocate(org.id)
    async with unit_of_work() as session:
        await session.execute(
            update(Advocate)
            .where(Advocate.id == world["advocate"])  # type: ignore[arg-type]
            .values(created_at=utcnow() - dt.timedelta(days=400))
        )
    for _ in range(2):
        async with unit_of_work() as session:
            await engine.fire_anniversaries(session)
    assert [send.advocate_id for send in await sends_of(org)] == [world["advocate"]]
    assert newcomer.id != world["advocate"]


async def test_a_lapse_fires_gift_rules_through_the_nudge_job_in_the_worker(
    org: Org, marketer: Api, world: dict[str, int], job_engine: None
) -> None:
    """updateAdvocate → LAPSED is a lapse; with a GIFT nudge policy the nudge job (run by the
    in-process worker, as the scheduler would ring it) rings the ADVOCATE_LAPSED rules."""
    await rule(
        org, trigger=RuleTrigger.ADVOCATE_LAPSED, program_id=world["program"], item_id=world["item"]
    )
    configured = await marketer(
        """mutation { configureEngagementPolicy(input: {nudgeChannel: GIFT,
             daytimeStartHour: 0, daytimeEndHour: 24}) { errors { field code } } }"""
    )
    assert configured["configureEngagementPolicy"]["errors"] == []
    worker = jobs.start_embedded_worker(threads=1)
    assert worker is not None
    try:
        changed = await marketer(
            """mutation($id: ID!) {
              updateAdvocate(input: {id: $id, status: LAPSED}) { errors { code } }
            }""",
            {"id": encode_id("Advocate", world["advocate"])},
        )
        assert changed["updateAdvocate"]["errors"] == []
        from advocacy.engagement.jobs import send_nudges

        send_nudges.send()
        for _ in range(200):
            if await sends_of(org):
                break
            await asyncio.sleep(0.05)
    finally:
        worker.stop()
    [send] = await sends_of(org)
    assert send.advocate_id == world["advocate"]


async def test_paused_rules_do_not_fire_and_deleted_rules_are_gone(
    org: Org, marketer: Api, world: dict[str, int]
) -> None:
    rule_id = await rule(
        org,
        trigger=RuleTrigger.REFERRAL_CONVERTED,
        program_id=world["program"],
        item_id=world["item"],
    )
    gid = encode_id("GiftRule", rule_id)
    paused = await marketer(
        "mutation($id: ID!) { pauseGiftRule(input: {id: $id}) { giftRule { status } } }",
        {"id": gid},
    )
    assert paused["pauseGiftRule"]["giftRule"]["status"] == "PAUSED"
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:1")
    assert await sends_of(org) == []
    deleted = await marketer(
        "mutation($id: ID!) { deleteGiftRule(input: {id: $id}) { deletedId } }", {"id": gid}
    )
    assert deleted["deleteGiftRule"]["deletedId"] == gid
    assert (await marketer("{ giftRules { totalCount } }"))["giftRules"]["totalCount"] == 0


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"trigger": "POINTS_THRESHOLD"}, "threshold", "REQUIRED"),
        ({"messageTemplate": "Hi {nickname}"}, "messageTemplate", "INVALID"),
        ({"messageTemplate": "Hi {first_name"}, "messageTemplate", "INVALID"),
        ({"messageTemplate": "You have {points:d} points"}, "messageTemplate", "INVALID"),
        ({"messageTemplate": "Hi {name:>99999999}"}, "messageTemplate", "INVALID"),
        ({"itemId": None}, "itemId", "REQUIRED"),
        ({"capCount": 2}, "capDays", "REQUIRED"),
        ({"name": " "}, "name", "REQUIRED"),
    ],
)
async def test_bad_rules_are_refused_naming_the_field(
    marketer: Api, world: dict[str, int], changes: dict[str, Any], field: str, code: str
) -> None:
    base = {
        "name": "Thank reviewers",
        "trigger": "MILESTONE_APPROVED",
        "programId": encode_id("Program", world["program"]),
        "itemId": encode_id("GiftItem", world["item"]),
    }
    result = (await marketer(CREATE, {"input": {**base, **changes}}))["createGiftRule"]
    assert result["errors"] == [{"field": field, "code": code}]
    assert (await marketer("{ giftRules { totalCount } }"))["giftRules"]["totalCount"] == 0


async def test_other_organizations_programs_and_rules_are_out_of_reach(
    outsider: Api, marketer: Api, world: dict[str, int]
) -> None:
    refused = await outsider(
        CREATE,
        {
            "input": {
                "name": "x",
                "trigger": "MILESTONE_APPROVED",
                "programId": encode_id("Program", world["program"]),
                "priceCap": 100,
            }
        },
    )
    assert refused["createGiftRule"]["errors"] == [{"field": "programId", "code": "NOT_FOUND"}]
    made = await marketer(
        CREATE,
        {
            "input": {
                "name": "mine",
                "trigger": "MILESTONE_APPROVED",
                "programId": encode_id("Program", world["program"]),
                "priceCap": 100,
            }
        },
    )
    gid = made["createGiftRule"]["giftRule"]["id"]
    seen = await outsider(
        "query($id: ID!) { giftRule(id: $id) { id } node(id: $id) { id } }", {"id": gid}
    )
    assert seen == {"giftRule": None, "node": None}


async def test_the_cap_holds_when_events_arrive_at_once(
    org: Org, world: dict[str, int], database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    await rule(
        org,
        trigger=RuleTrigger.REFERRAL_CONVERTED,
        program_id=world["program"],
        item_id=world["item"],
        cap_count=1,
        cap_days=30,
    )
    await asyncio.gather(
        *(
            evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], f"referral:{n}")
            for n in range(4)
        )
    )
    assert len(await sends_of(org)) == 1


async def test_an_opted_out_advocates_pending_gift_cannot_be_approved(
    org: Org, marketer: Api, world: dict[str, int]
) -> None:
    await rule(
        org,
        trigger=RuleTrigger.REFERRAL_CONVERTED,
        program_id=world["program"],
        item_id=world["item"],
        requires_approval=True,
    )
    await evaluate(org, RuleTrigger.REFERRAL_CONVERTED, world["advocate"], "referral:1")
    [pending] = await sends_of(org)
    await marketer(
        """mutation($id: ID!) {
          updateAdvocate(input: {id: $id, status: OPTED_OUT}) { errors { code } }
        }""",
        {"id": encode_id("Advocate", world["advocate"])},
    )
    refused = await marketer(
        "mutation($id: ID!) { approveGiftSend(input: {id: $id}) { errors { field code } } }",
        {"id": encode_id("GiftSend", pending.id or 0)},
    )
    assert refused["approveGiftSend"]["errors"] == [{"field": "id", "code": "INVALID_STATE"}]


async def test_a_lost_message_is_found_by_the_sweep_and_acts_once(
    org: Org, world: dict[str, int], job_engine: None
) -> None:
    """The event row is the truth: a message lost with the broker is rung again by the sweep,
    and the evaluation claims the event, so running it twice sends once."""
    from advocacy.rules import jobs as rule_jobs
    from advocacy.rules.models import RuleEvent

    await rule(
        org,
        trigger=RuleTrigger.REFERRAL_CONVERTED,
        program_id=world["program"],
        item_id=world["item"],
    )
    async with unit_of_work() as session:
        event = RuleEvent(
            organization_id=org.id,
            trigger=RuleTrigger.REFERRAL_CONVERTED,
            advocate_id=world["advocate"],
            event_key="referral:lost",
            created_at=utcnow() - dt.timedelta(hours=1),
        )
        session.add(event)
    queue = rule_jobs.evaluate.broker.queues["default"]
    before = queue.qsize()
    await rule_jobs.sweep_events.fn.__wrapped__()  # the job itself, in this event loop
    assert queue.qsize() > before  # rung again
    for _ in range(2):
        await rule_jobs.evaluate.fn.__wrapped__(event_id=event.id)
    assert len(await sends_of(org)) == 1
    async with unit_of_work() as session:
        stored = await session.get(RuleEvent, event.id)
    assert stored is not None and stored.processed_at is not None
