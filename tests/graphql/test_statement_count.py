"""The advocates page with accounts and latest milestones costs a constant number of SELECTs."""

import pytest

from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_account, make_advocate, make_milestone, make_program
from tests.fixtures.statements import count_statements

PAGE_QUERY = """
query Page($first: Int!) {
  advocates(first: $first) {
    edges {
      cursor
      node {
        id name
        account { id name }
        milestones(first: 3) { nodes { id kind occurredAt program { name } } }
      }
    }
    nodes { email }
  }
}
"""


@pytest.fixture
async def populated_org(org: Org) -> Org:
    program = await make_program(org.id)
    accounts = [await make_account(org.id) for _ in range(4)]
    for index in range(30):
        advocate = await make_advocate(org.id, account_id=accounts[index % 4].id)
        for _ in range(index % 5):
            assert advocate.id is not None and program.id is not None
            await make_milestone(org.id, advocate.id, program.id)
    return org


@pytest.mark.parametrize("first", [1, 10, 30, 100])
async def test_advocates_page_uses_at_most_four_selects(
    admin: Api, populated_org: Org, first: int
) -> None:
    await admin("{ viewer { role } }")  # the token's first use records last_used_at once
    with count_statements() as counts:
        data = await admin(PAGE_QUERY, {"first": first})
    edges = data["advocates"]["edges"]
    assert len(edges) == min(first, 30)
    assert any(edge["node"]["milestones"]["nodes"] for edge in edges) or first < 5
    # authentication, advocates page, accounts batch, milestones batch (+ programs batch, which
    # this query asks for on top of the issue's shape)
    assert counts["SELECT"] <= 5, counts
    assert set(counts) <= {"SELECT"}, counts


async def test_issue_query_shape_uses_at_most_four_selects(admin: Api, populated_org: Org) -> None:
    query = """{ advocates(first: 100) { nodes { name account { name }
        milestones(first: 3) { nodes { kind status } } } } }"""
    await admin("{ viewer { role } }")
    with count_statements() as counts:
        data = await admin(query)
    assert len(data["advocates"]["nodes"]) == 30
    assert counts["SELECT"] <= 4, counts
