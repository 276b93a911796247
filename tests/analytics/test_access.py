"""Who may read KPIs, and what they may see: every role reads, nobody without a token, and a
token of another organization sees none of this organization's numbers through any path."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from advocacy.graphql.ids import encode_id
from advocacy.tenancy.models import Role
from tests.analytics.data import seed_world
from tests.analytics.documents import ORGANIZATION_STATS, PROGRAM_STATS
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate

PERIOD = {"from": "2024-12-01T00:00:00Z", "to": "2025-06-01T00:00:00Z", "interval": "MONTH"}
SUMMARY = """
query($program: ID!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval!) {
  programStats(programId: $program, from: $from, to: $to, interval: $interval) {
    period { milestones { recorded } advocates { total } }
  }
}
"""


@pytest.fixture
async def program(org: Org) -> str:
    world = await seed_world(org.id, seed=7)
    return encode_id("Program", next(iter(world.programs)))


@pytest.mark.parametrize("role", list(Role))
async def test_every_role_reads_kpis(
    client: httpx.AsyncClient, org: Org, program: str, role: Role
) -> None:
    api = Api(client, org.tokens[role])
    data = await api(SUMMARY, {**PERIOD, "program": program})
    assert data["programStats"]["period"]["milestones"]["recorded"] > 0
    organization = await api(ORGANIZATION_STATS, PERIOD)
    assert organization["organizationStats"]["period"]["advocates"]["total"] == 40


async def test_kpis_need_a_token(anonymous: Api, program: str) -> None:
    assert await anonymous.error_code(SUMMARY, {**PERIOD, "program": program}) == (
        "UNAUTHENTICATED"
    )
    assert await anonymous.error_code(ORGANIZATION_STATS, PERIOD) == "UNAUTHENTICATED"


async def test_another_organization_sees_none_of_the_numbers(
    viewer: Api, outsider: Api, other_org: Org, program: str
) -> None:
    body = await outsider.raw(PROGRAM_STATS, {**PERIOD, "program": program})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "no program of this organization" in body["errors"][0]["message"]

    ours = (await viewer(ORGANIZATION_STATS, PERIOD))["organizationStats"]
    theirs = (await outsider(ORGANIZATION_STATS, PERIOD))["organizationStats"]
    assert ours["period"]["milestones"]["recorded"] > 0
    for window in [theirs["period"], *theirs["series"]]:
        assert window["advocates"]["total"] == 0
        assert window["milestones"]["recorded"] == 0
        assert window["referrals"]["clicks"] == window["referrals"]["signups"] == 0
        assert window["gifts"]["offered"] == 0
        assert window["budget"] == []
        assert window["asks"]["sent"] == window["nudges"]["sent"] == 0
    assert theirs["topByPoints"] == theirs["topByReferredRevenue"] == []

    # An advocate of theirs next to ours: still only their own rows.
    mine = await make_advocate(other_org.id)
    query = """query($id: ID!) { node(id: $id) { ... on Advocate {
        stats(from: "2024-12-01T00:00:00Z", to: "2025-06-01T00:00:00Z", interval: MONTH) {
          period { milestones { recorded } gifts { offered } referrals { clicks } } } } } }"""
    node = (await outsider(query, {"id": encode_id("Advocate", mine.id or 0)}))["node"]
    assert node["stats"]["period"] == {
        "milestones": {"recorded": 0},
        "gifts": {"offered": 0},
        "referrals": {"clicks": 0},
    }


async def test_an_advocate_of_another_organization_is_out_of_reach(outsider: Api, org: Org) -> None:
    theirs = await make_advocate(org.id)
    query = """query($id: ID!) { node(id: $id) { ... on Advocate {
        stats(from: "2025-01-01T00:00:00Z", to: "2025-02-01T00:00:00Z", interval: DAY) {
          period { milestones { recorded } } } } } }"""
    data = await outsider(query, {"id": encode_id("Advocate", theirs.id or 0)})
    assert data["node"] is None


async def test_stats_of_a_program_without_rows_are_zeros(admin: Api, org: Org) -> None:
    created = await admin(
        'mutation { createProgram(input: {name: "Empty", currency: "JPY", budgetTotal: 9000}) '
        "{ program { id } } }"
    )
    program = created["createProgram"]["program"]["id"]
    stats = (await admin(PROGRAM_STATS, {**PERIOD, "program": program}))["programStats"]
    period = stats["period"]
    assert period["advocates"]["total"] == 0 and period["advocates"]["participationRate"] == 0
    assert period["gifts"]["medianSecondsToRedemption"] is None
    assert period["budget"] == [
        {
            "currency": "JPY",
            "total": 9000,
            "spent": 0,
            "spentToDate": 0,
            "reserved": 0,
            "remaining": 9000,
            "costPerConvertedReferral": None,
        }
    ]
    assert len(stats["series"]) == 6
    assert dt.datetime.fromisoformat(stats["series"][0]["start"]).month == 12
