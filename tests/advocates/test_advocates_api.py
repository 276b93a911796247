"""Accounts and advocates: create, update, import, list with filters and ordering."""

import datetime as dt
from typing import Any

from advocacy.graphql.ids import encode_id
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_account, make_advocate, make_milestone, make_program

CREATE = """
mutation Create($input: CreateAdvocateInput!) {
  createAdvocate(input: $input) {
    advocate { id email name title interests status points referralCode timezone locale
               externalId nudgesOptOut account { name } }
    errors { field code message }
  }
}
"""
UPDATE = """
mutation Update($input: UpdateAdvocateInput!) {
  updateAdvocate(input: $input) {
    advocate { id email name title interests status timezone account { name } }
    errors { field code message }
  }
}
"""
IMPORT = """
mutation Import($rows: [AdvocateImportRow!]!) {
  importAdvocates(input: {rows: $rows}) {
    createdCount updatedCount
    advocates { email name account { name } interests }
    errors { field code message }
  }
}
"""
LIST = """
query List($filter: AdvocateFilterInput, $order: AdvocateOrderBy, $first: Int, $after: String) {
  advocates(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { name email points }
  }
}
"""


async def test_create_account_and_advocate(marketer: Api, org: Org) -> None:
    account = await marketer(
        'mutation { createAccount(input: {name: "Acme", domain: "ACME.example", crmId: "0015"}) '
        "{ account { id name domain crmId } errors { field } } }"
    )
    created_account = account["createAccount"]["account"]
    assert created_account["domain"] == "acme.example"
    result = await marketer(
        CREATE,
        {
            "input": {
                "email": "  Ada@Example.COM ",
                "name": "Ada Lovelace",
                "title": "CTO",
                "accountId": created_account["id"],
                "interests": ["Coffee", "books", "coffee"],
                "timezone": "Europe/London",
                "locale": "en-GB",
                "externalId": "crm-1",
            }
        },
    )
    advocate = result["createAdvocate"]["advocate"]
    assert result["createAdvocate"]["errors"] == []
    assert advocate["email"] == "ada@example.com"
    assert advocate["interests"] == ["coffee", "books"]
    assert advocate["status"] == "ACTIVE" and advocate["points"] == 0
    assert advocate["account"] == {"name": "Acme"}
    assert len(advocate["referralCode"]) == 10


async def test_duplicate_email_is_refused(marketer: Api, org: Org) -> None:
    await make_advocate(org.id, email="dup@example.com")
    result = await marketer(CREATE, {"input": {"email": "DUP@example.com", "name": "Again"}})
    assert result["createAdvocate"]["errors"] == [
        {"field": "email", "code": "ALREADY_EXISTS", "message": "another advocate has this email"}
    ]


async def test_same_email_in_two_organizations_is_fine(
    marketer: Api, outsider: Api, org: Org
) -> None:
    await marketer(CREATE, {"input": {"email": "shared@example.com", "name": "Org A"}})
    other = await outsider(CREATE, {"input": {"email": "shared@example.com", "name": "Org B"}})
    assert other["createAdvocate"]["errors"] == []


async def test_update_changes_only_given_fields(marketer: Api, org: Org) -> None:
    account = await make_account(org.id, name="Globex")
    advocate = await make_advocate(org.id, title="Engineer", interests=["tech"])
    gid = encode_id("Advocate", advocate.id or 0)
    result = await marketer(
        UPDATE,
        {
            "input": {
                "id": gid,
                "name": "Renamed",
                "accountId": encode_id("Account", account.id or 0),
                "status": "LAPSED",
            }
        },
    )
    updated = result["updateAdvocate"]["advocate"]
    assert result["updateAdvocate"]["errors"] == []
    assert updated["name"] == "Renamed" and updated["title"] == "Engineer"
    assert updated["interests"] == ["tech"] and updated["status"] == "LAPSED"
    assert updated["account"] == {"name": "Globex"}
    cleared = await marketer(UPDATE, {"input": {"id": gid, "title": None, "accountId": None}})
    assert cleared["updateAdvocate"]["advocate"]["title"] is None
    assert cleared["updateAdvocate"]["advocate"]["account"] is None


async def test_import_creates_then_updates_by_email(marketer: Api, org: Org) -> None:
    rows: list[dict[str, Any]] = [
        {"email": f"p{i}@corp.example", "name": f"Person {i}", "accountName": f"Corp {i % 2}"}
        for i in range(5)
    ]
    first = (await marketer(IMPORT, {"rows": rows}))["importAdvocates"]
    assert (first["createdCount"], first["updatedCount"], first["errors"]) == (5, 0, [])
    rows[0]["name"] = "Person Zero"
    rows[1]["interests"] = ["hiking"]
    again = (await marketer(IMPORT, {"rows": rows}))["importAdvocates"]
    assert (again["createdCount"], again["updatedCount"]) == (0, 5)
    listed = await marketer(LIST, {"first": 100})
    assert listed["advocates"]["totalCount"] == 5
    names = {a["name"] for a in listed["advocates"]["nodes"]}
    assert "Person Zero" in names
    accounts = await marketer("{ accounts { totalCount nodes { name advocates { totalCount } } } }")
    assert accounts["accounts"]["totalCount"] == 2
    assert sorted(n["advocates"]["totalCount"] for n in accounts["accounts"]["nodes"]) == [2, 3]


async def test_import_saves_valid_rows_and_reports_each_bad_one(marketer: Api, org: Org) -> None:
    rows = [
        {"email": "good1@example.com", "name": "Good One"},
        {"email": "not-an-email", "name": "Bad Email"},
        {"email": "good2@example.com", "name": ""},
        {"email": "good1@example.com", "name": "Duplicate"},
        {"email": "good3@example.com", "name": "Good Three", "timezone": "Mars/Olympus"},
        {"email": "good4@example.com", "name": "Good Four"},
    ]
    result = (await marketer(IMPORT, {"rows": rows}))["importAdvocates"]
    assert result["createdCount"] == 2
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("rows.1.email", "INVALID"),
        ("rows.2.name", "REQUIRED"),
        ("rows.3.email", "ALREADY_EXISTS"),
        ("rows.4.timezone", "INVALID"),
    ]
    listed = await marketer(LIST, {"first": 10})
    assert sorted(a["email"] for a in listed["advocates"]["nodes"]) == [
        "good1@example.com",
        "good4@example.com",
    ]


async def test_advocate_filters(viewer: Api, org: Org) -> None:
    account = await make_account(org.id)
    program = await make_program(org.id)
    alice = await make_advocate(
        org.id, name="Alice Smith", account_id=account.id, interests=["coffee", "books"]
    )
    await make_advocate(org.id, name="Bob Jones", interests=["hiking"], status="LAPSED")
    await make_advocate(org.id, name="Carol Smith", email="carol@smith.example")
    assert alice.id and program.id
    engaged = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    await make_milestone(org.id, alice.id, program.id, occurred_at=engaged, approve=True)

    async def names(flt: dict[str, Any]) -> list[str]:
        data = await viewer(LIST, {"filter": flt})
        return sorted(node["name"] for node in data["advocates"]["nodes"])

    assert await names({"statuses": ["LAPSED"]}) == ["Bob Jones"]
    assert await names({"accountId": encode_id("Account", account.id or 0)}) == ["Alice Smith"]
    assert await names({"interest": "Coffee"}) == ["Alice Smith"]
    assert await names({"search": "smith"}) == ["Alice Smith", "Carol Smith"]
    assert await names({"search": "100%"}) == []
    assert await names({"engagedAfter": "2026-03-01T00:00:00Z"}) == ["Alice Smith"]
    assert await names({"engagedBefore": "2026-03-01T00:00:00Z"}) == []
    assert await names({"statuses": ["ACTIVE"], "search": "carol"}) == ["Carol Smith"]


async def test_advocate_ordering_and_paging(viewer: Api, org: Org) -> None:
    program = await make_program(org.id, points_per_kind={"REVIEW": 10})
    for index, name in enumerate(["Dora", "Ann", "Cid", "Bea"]):
        advocate = await make_advocate(org.id, name=name)
        for _ in range(index):
            await make_milestone(org.id, advocate.id or 0, program.id or 0, approve=True)

    async def order(field: str, direction: str) -> list[str]:
        data = await viewer(LIST, {"order": {"field": field, "direction": direction}})
        return [node["name"] for node in data["advocates"]["nodes"]]

    assert await order("NAME", "ASC") == ["Ann", "Bea", "Cid", "Dora"]
    assert await order("POINTS", "DESC") == ["Bea", "Cid", "Ann", "Dora"]
    assert await order("CREATED", "DESC") == ["Bea", "Cid", "Ann", "Dora"]
    assert (await order("LAST_ENGAGED", "ASC"))[-1] == "Dora"  # never engaged: nulls last

    first = (await viewer(LIST, {"first": 3}))["advocates"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    rest = (await viewer(LIST, {"first": 3, "after": first["pageInfo"]["endCursor"]}))["advocates"]
    assert [n["name"] for n in rest["nodes"]] == ["Dora"]
    assert rest["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "endCursor": rest["pageInfo"]["endCursor"],
    }
    assert rest["totalCount"] == 4


async def test_nested_milestones_page_and_count(viewer: Api, org: Org) -> None:
    program = await make_program(org.id)
    advocate = await make_advocate(org.id)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for day in range(5):
        await make_milestone(
            org.id, advocate.id or 0, program.id or 0, occurred_at=base + dt.timedelta(days=day)
        )
    query = """query($id: ID!, $after: String) { advocate(id: $id) {
        milestones(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
          nodes { occurredAt } } } }"""
    gid = encode_id("Advocate", advocate.id or 0)
    page = (await viewer(query, {"id": gid}))["advocate"]["milestones"]
    assert page["totalCount"] == 5 and page["pageInfo"]["hasNextPage"] is True
    assert [n["occurredAt"][:10] for n in page["nodes"]] == ["2026-01-05", "2026-01-04"]
    after = page["pageInfo"]["endCursor"]
    second = (await viewer(query, {"id": gid, "after": after}))["advocate"]["milestones"]
    assert [n["occurredAt"][:10] for n in second["nodes"]] == ["2026-01-03", "2026-01-02"]
