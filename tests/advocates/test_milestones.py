"""recordMilestone (idempotent by externalId), approveMilestone, rejectMilestone."""

import asyncio
import datetime as dt
from typing import Any

import pytest

from advocacy.advocates import service
from advocacy.advocates.models import AdvocateStatus
from advocacy.graphql.ids import encode_id
from advocacy.kit.db import unit_of_work
from advocacy.tenancy.principal import system_principal
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_milestone, make_program

RECORD = """
mutation Record($input: RecordMilestoneInput!) {
  recordMilestone(input: $input) {
    replayed
    milestone { id kind status points occurredAt evidenceUrl externalId advocate { id } }
    errors { field code message }
  }
}
"""
APPROVE = """
mutation Approve($id: ID!) {
  approveMilestone(input: {id: $id, note: "thanks!"}) {
    milestone { id status points decidedAt decisionNote advocate { points status lastEngagedAt } }
    errors { field code message }
  }
}
"""
REJECT = """
mutation Reject($id: ID!) {
  rejectMilestone(input: {id: $id, reason: "no evidence"}) {
    milestone { id status points decisionNote }
    errors { field code message }
  }
}
"""


async def _setup(org: Org, **advocate_fields: Any) -> tuple[str, str]:
    program = await make_program(org.id, points_per_kind={"REVIEW": 40})
    advocate = await make_advocate(org.id, **advocate_fields)
    assert program.id is not None and advocate.id is not None
    return encode_id("Advocate", advocate.id), encode_id("Program", program.id)


async def test_record_then_approve_awards_the_programs_points(marketer: Api, org: Org) -> None:
    advocate_id, program_id = await _setup(org)
    occurred = "2026-01-15T10:00:00+00:00"
    recorded = (
        await marketer(
            RECORD,
            {
                "input": {
                    "advocateId": advocate_id,
                    "programId": program_id,
                    "kind": "REVIEW",
                    "occurredAt": occurred,
                    "evidenceUrl": "https://g2.example/review/1",
                }
            },
        )
    )["recordMilestone"]
    assert recorded["errors"] == []
    milestone = recorded["milestone"]
    assert milestone["status"] == "SUBMITTED" and milestone["points"] == 0
    assert milestone["advocate"]["id"] == advocate_id

    approved = (await marketer(APPROVE, {"id": milestone["id"]}))["approveMilestone"]
    assert approved["errors"] == []
    assert approved["milestone"]["status"] == "APPROVED"
    assert approved["milestone"]["points"] == 40
    assert approved["milestone"]["decisionNote"] == "thanks!"
    advocate = approved["milestone"]["advocate"]
    assert advocate["points"] == 40
    assert dt.datetime.fromisoformat(advocate["lastEngagedAt"]) == dt.datetime.fromisoformat(
        occurred
    )


async def test_approval_moves_a_lapsed_advocate_back_to_active(marketer: Api, org: Org) -> None:
    advocate_id, program_id = await _setup(org, status=AdvocateStatus.LAPSED)
    recorded = await marketer(
        RECORD, {"input": {"advocateId": advocate_id, "programId": program_id, "kind": "REVIEW"}}
    )
    approved = await marketer(APPROVE, {"id": recorded["recordMilestone"]["milestone"]["id"]})
    assert approved["approveMilestone"]["milestone"]["advocate"]["status"] == "ACTIVE"


async def test_older_milestone_does_not_move_last_engaged_backwards(
    marketer: Api, org: Org
) -> None:
    program = await make_program(org.id)
    advocate = await make_advocate(org.id)
    assert program.id and advocate.id
    recent = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    await make_milestone(org.id, advocate.id, program.id, occurred_at=recent, approve=True)
    old = await make_milestone(org.id, advocate.id, program.id, occurred_at=recent.replace(month=1))
    approved = await marketer(APPROVE, {"id": encode_id("Milestone", old.id or 0)})
    last = approved["approveMilestone"]["milestone"]["advocate"]["lastEngagedAt"]
    assert dt.datetime.fromisoformat(last) == recent


async def test_same_external_id_replays_the_first_result(marketer: Api, org: Org) -> None:
    advocate_id, program_id = await _setup(org)
    payload = {
        "advocateId": advocate_id,
        "programId": program_id,
        "kind": "TESTIMONIAL",
        "occurredAt": "2026-03-01T09:30:00+00:00",
        "externalId": "crm-42",
    }
    first = (await marketer(RECORD, {"input": payload}))["recordMilestone"]
    again = (await marketer(RECORD, {"input": payload}))["recordMilestone"]
    assert first["replayed"] is False and again["replayed"] is True
    assert again["milestone"] == first["milestone"]
    listed = await marketer(
        "query($a: ID!) { milestones(filter: {advocateId: $a}) { totalCount } }", {"a": advocate_id}
    )
    assert listed["milestones"]["totalCount"] == 1


async def test_same_external_id_with_different_data_is_refused(marketer: Api, org: Org) -> None:
    advocate_id, program_id = await _setup(org)
    payload = {
        "advocateId": advocate_id,
        "programId": program_id,
        "kind": "REVIEW",
        "occurredAt": "2026-03-01T09:30:00+00:00",
        "externalId": "crm-7",
    }
    await marketer(RECORD, {"input": payload})
    changed = (await marketer(RECORD, {"input": {**payload, "kind": "CASE_STUDY"}}))[
        "recordMilestone"
    ]
    assert changed["milestone"] is None
    assert changed["errors"] == [
        {
            "field": "externalId",
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "this externalId was already used for a different milestone",
        }
    ]


async def test_concurrent_records_with_one_external_id_create_one_milestone(
    marketer: Api, org: Org
) -> None:
    advocate_id, program_id = await _setup(org)
    payload = {
        "advocateId": advocate_id,
        "programId": program_id,
        "kind": "REVIEW",
        "occurredAt": "2026-03-01T09:30:00+00:00",
        "externalId": "webhook-retry",
    }
    results = await asyncio.gather(*(marketer(RECORD, {"input": payload}) for _ in range(8)))
    ids = {r["recordMilestone"]["milestone"]["id"] for r in results}
    assert len(ids) == 1
    assert [r["recordMilestone"]["errors"] for r in results] == [[]] * 8


async def test_reject_then_approve_is_refused_and_awards_nothing(marketer: Api, org: Org) -> None:
    advocate_id, program_id = await _setup(org)
    recorded = await marketer(
        RECORD, {"input": {"advocateId": advocate_id, "programId": program_id, "kind": "REVIEW"}}
    )
    milestone_id = recorded["recordMilestone"]["milestone"]["id"]
    rejected = (await marketer(REJECT, {"id": milestone_id}))["rejectMilestone"]
    assert rejected["milestone"]["status"] == "REJECTED"
    assert rejected["milestone"]["decisionNote"] == "no evidence"

    approved = (await marketer(APPROVE, {"id": milestone_id}))["approveMilestone"]
    assert approved["milestone"] is None
    assert approved["errors"][0]["code"] == "INVALID_STATE"
    points = await marketer("query($id: ID!) { advocate(id: $id) { points } }", {"id": advocate_id})
    assert points["advocate"]["points"] == 0


async def test_approving_twice_awards_points_once(marketer: Api, org: Org) -> None:
    advocate_id, program_id = await _setup(org)
    recorded = await marketer(
        RECORD, {"input": {"advocateId": advocate_id, "programId": program_id, "kind": "REVIEW"}}
    )
    milestone_id = recorded["recordMilestone"]["milestone"]["id"]
    await marketer(APPROVE, {"id": milestone_id})
    second = (await marketer(APPROVE, {"id": milestone_id}))["approveMilestone"]
    assert second["errors"] == [
        {"field": "id", "code": "INVALID_STATE", "message": "the milestone is already APPROVED"}
    ]
    points = await marketer("query($id: ID!) { advocate(id: $id) { points } }", {"id": advocate_id})
    assert points["advocate"]["points"] == 40


async def test_concurrent_approvals_award_points_exactly_once(
    marketer: Api, org: Org, database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    advocate_id, program_id = await _setup(org)
    recorded = await marketer(
        RECORD, {"input": {"advocateId": advocate_id, "programId": program_id, "kind": "REVIEW"}}
    )
    milestone_id = recorded["recordMilestone"]["milestone"]["id"]
    results = await asyncio.gather(*(marketer(APPROVE, {"id": milestone_id}) for _ in range(10)))
    winners = [r for r in results if r["approveMilestone"]["errors"] == []]
    assert len(winners) == 1
    points = await marketer("query($id: ID!) { advocate(id: $id) { points } }", {"id": advocate_id})
    assert points["advocate"]["points"] == 40


async def test_milestones_cannot_be_recorded_in_an_ended_program(marketer: Api, org: Org) -> None:
    program = await make_program(org.id)
    advocate = await make_advocate(org.id)
    assert program.id and advocate.id
    ended = await marketer(
        "mutation($id: ID!) { updateProgram(input: {id: $id, status: ENDED}) { errors { code } } }",
        {"id": encode_id("Program", program.id)},
    )
    assert ended["updateProgram"]["errors"] == []
    result = await marketer(
        RECORD,
        {
            "input": {
                "advocateId": encode_id("Advocate", advocate.id),
                "programId": encode_id("Program", program.id),
                "kind": "REVIEW",
            }
        },
    )
    assert result["recordMilestone"]["errors"][0]["code"] == "INVALID_STATE"
    assert result["recordMilestone"]["errors"][0]["field"] == "programId"


async def test_milestones_query_filters(viewer: Api, org: Org) -> None:
    program = await make_program(org.id)
    other_program = await make_program(org.id)
    advocate = await make_advocate(org.id)
    assert program.id and other_program.id and advocate.id
    base = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    await make_milestone(org.id, advocate.id, program.id, kind="REVIEW", occurred_at=base)
    await make_milestone(
        org.id,
        advocate.id,
        program.id,
        kind="REFERRAL",
        occurred_at=base + dt.timedelta(days=10),
        approve=True,
    )
    await make_milestone(org.id, advocate.id, other_program.id, kind="REVIEW", occurred_at=base)
    query = """query($f: MilestoneFilterInput) {
        milestones(filter: $f) { totalCount nodes { kind status program { name } } } }"""

    async def count(flt: dict[str, Any]) -> int:
        return int((await viewer(query, {"f": flt}))["milestones"]["totalCount"])

    program_gid = encode_id("Program", program.id)
    assert await count({}) == 3
    assert await count({"programId": program_gid}) == 2
    assert await count({"kinds": ["REFERRAL"]}) == 1
    assert await count({"statuses": ["APPROVED"]}) == 1
    assert await count({"occurredAfter": "2026-05-05T00:00:00Z"}) == 1
    assert await count({"occurredBefore": "2026-05-05T00:00:00Z"}) == 2
    assert await count({"advocateId": encode_id("Advocate", advocate.id), "kinds": ["REVIEW"]}) == 2


async def test_opted_out_advocates_can_still_have_milestones_recorded(org: Org) -> None:
    advocate = await make_advocate(org.id, status=AdvocateStatus.OPTED_OUT)
    program = await make_program(org.id)
    assert advocate.id and program.id
    milestone = await make_milestone(org.id, advocate.id, program.id)
    assert milestone.status == "SUBMITTED"
    async with unit_of_work() as session:
        reloaded = await service.get_advocate(session, system_principal(org.id), advocate.id)
    assert reloaded.status == AdvocateStatus.OPTED_OUT
