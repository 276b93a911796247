"""KPIs cost a fixed number of statements, whatever the data and however many advocates a page
asks stats for: aggregates in SQL, never rows to Python."""

from __future__ import annotations

import httpx
import pytest

from advocacy.graphql.ids import encode_id
from advocacy.tenancy.models import Role
from tests.analytics.data import seed_world
from tests.analytics.documents import ADVOCATE_WINDOW, ORGANIZATION_STATS, PROGRAM_STATS
from tests.conftest import create_org
from tests.fixtures.api import Api
from tests.fixtures.statements import count_statements

PERIOD = {"from": "2024-12-01T00:00:00Z", "to": "2025-06-01T00:00:00Z", "interval": "WEEK"}
PAGE = f"""
query($first: Int!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval!) {{
  advocates(first: $first) {{ nodes {{ id
    stats(from: $from, to: $to, interval: $interval) {{
      period {{ {ADVOCATE_WINDOW} }} series {{ {ADVOCATE_WINDOW} }} }} }} }}
}}
"""

PROGRAM_STATEMENTS = 15
"""Authentication, the program check; membership (statuses, re-engagement, clicks, nudges) 1,
participation 1, milestones 1, referrals 2, gifts 1, budget 1, asks 1, the two leaderboards;
the leaders' advocates and the program (loaders)."""


async def _counted(api: Api, query: str, variables: dict[str, object]) -> int:
    """Statements the query sent; reads only (``WITH`` starts a statement with a CTE)."""
    await api("{ viewer { role } }")  # the token's first use records last_used_at once
    with count_statements() as counts:
        await api(query, variables)
    assert set(counts) <= {"SELECT", "WITH"}, counts
    return sum(counts.values())


@pytest.mark.parametrize("size", [1, 3])
async def test_program_stats_cost_the_same_statements_for_more_data(
    client: httpx.AsyncClient, size: int
) -> None:
    org = await create_org("Counted")
    world = await seed_world(org.id, seed=99, size=size)
    api = Api(client, org.tokens[Role.VIEWER])
    program = encode_id("Program", next(iter(world.programs)))
    counts = await _counted(api, PROGRAM_STATS, {**PERIOD, "program": program})
    assert counts == PROGRAM_STATEMENTS
    assert await _counted(api, ORGANIZATION_STATS, PERIOD) == PROGRAM_STATEMENTS - 2


@pytest.mark.parametrize("first", [2, 40])
async def test_a_page_of_advocate_stats_costs_one_statement_per_family(
    client: httpx.AsyncClient, first: int
) -> None:
    org = await create_org("Counted page")
    await seed_world(org.id, seed=5)
    api = Api(client, org.tokens[Role.VIEWER])
    counts = await _counted(api, PAGE, {**PERIOD, "first": first})
    # authentication, the page, then milestones 1, referrals 2, gifts 1, spend 1, asks 1,
    # nudges 1 for all the page's advocates at once
    assert counts == 9
