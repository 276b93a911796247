"""createProgram / updateProgram and the program queries."""

from advocacy.graphql.ids import encode_id
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_milestone, make_program

CREATE = """
mutation Create($input: CreateProgramInput!) {
  createProgram(input: $input) {
    program { id name status goal budget { total currency } startsOn endsOn
              pointsPerKind { kind points } kpiTargets { name target } }
    errors { field code message }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateProgramInput!) {
  updateProgram(input: $input) {
    program { id name status budget { total currency } pointsPerKind { kind points } }
    errors { field code message }
  }
}
"""


async def test_create_program_with_budget_points_and_kpis(marketer: Api, org: Org) -> None:
    result = await marketer(
        CREATE,
        {
            "input": {
                "name": "Champions 2027",
                "currency": "eur",
                "budgetTotal": 5_000_000_000,
                "goal": "More reviews",
                "startsOn": "2027-01-01",
                "endsOn": "2027-12-31",
                "pointsPerKind": [{"kind": "REVIEW", "points": 70}],
                "kpiTargets": [{"name": "reviews", "target": 50}],
            }
        },
    )
    program = result["createProgram"]["program"]
    assert result["createProgram"]["errors"] == []
    assert program["budget"] == {"total": 5_000_000_000, "currency": "EUR"}
    assert program["status"] == "DRAFT"
    points = {p["kind"]: p["points"] for p in program["pointsPerKind"]}
    assert points["REVIEW"] == 70 and points["CASE_STUDY"] == 200
    assert program["kpiTargets"] == [{"name": "reviews", "target": 50}]


async def test_program_status_moves_only_forward(marketer: Api, org: Org) -> None:
    program = await make_program(org.id, status="DRAFT")
    gid = encode_id("Program", program.id or 0)
    for status, ok in [("ACTIVE", True), ("PAUSED", True), ("ACTIVE", True), ("DRAFT", False)]:
        result = (await marketer(UPDATE, {"input": {"id": gid, "status": status}}))["updateProgram"]
        assert (result["errors"] == []) is ok, (status, result)
    ended = (await marketer(UPDATE, {"input": {"id": gid, "status": "ENDED"}}))["updateProgram"]
    assert ended["program"]["status"] == "ENDED"
    revived = (await marketer(UPDATE, {"input": {"id": gid, "status": "ACTIVE"}}))["updateProgram"]
    assert revived["errors"][0]["code"] == "INVALID_STATE"


async def test_update_keeps_points_of_unnamed_kinds(marketer: Api, org: Org) -> None:
    program = await make_program(org.id, points_per_kind={"REFERRAL": 500})
    gid = encode_id("Program", program.id or 0)
    result = await marketer(
        UPDATE,
        {"input": {"id": gid, "pointsPerKind": [{"kind": "REVIEW", "points": 5}]}},
    )
    points = {p["kind"]: p["points"] for p in result["updateProgram"]["program"]["pointsPerKind"]}
    assert points["REVIEW"] == 5 and points["REFERRAL"] == 500


async def test_currency_is_fixed_once_the_program_is_active(marketer: Api, org: Org) -> None:
    program = await make_program(org.id)
    gid = encode_id("Program", program.id or 0)
    result = (await marketer(UPDATE, {"input": {"id": gid, "currency": "GBP"}}))["updateProgram"]
    assert result["errors"][0]["field"] == "currency"
    assert result["errors"][0]["code"] == "INVALID_STATE"


async def test_program_names_are_unique_per_organization(marketer: Api, org: Org) -> None:
    await make_program(org.id, name="Same")
    result = await marketer(CREATE, {"input": {"name": "Same", "currency": "USD"}})
    assert result["createProgram"]["errors"][0] == {
        "field": "name",
        "code": "ALREADY_EXISTS",
        "message": "a program named 'Same' exists",
    }


async def test_programs_list_and_nested_milestones(viewer: Api, org: Org) -> None:
    active = await make_program(org.id, name="Live")
    await make_program(org.id, name="Draft", status="DRAFT")
    advocate = await make_advocate(org.id)
    await make_milestone(org.id, advocate.id or 0, active.id or 0, kind="CASE_STUDY")
    data = await viewer(
        """{ programs(statuses: [ACTIVE]) { totalCount
             nodes { name milestones { totalCount nodes { kind advocate { id } } } } } }"""
    )
    assert data["programs"]["totalCount"] == 1
    node = data["programs"]["nodes"][0]
    assert node["name"] == "Live"
    assert node["milestones"]["totalCount"] == 1
    assert node["milestones"]["nodes"][0]["kind"] == "CASE_STUDY"
    single = await viewer(
        "query($id: ID!) { program(id: $id) { name } }",
        {"id": encode_id("Program", active.id or 0)},
    )
    assert single["program"] == {"name": "Live"}
