"""Bad KPI arguments get a clear top-level error naming what is wrong, and nothing is read."""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.graphql.ids import encode_id
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_program

PROGRAM = """
query($program: ID!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval!) {
  programStats(programId: $program, from: $from, to: $to, interval: $interval) {
    period { milestones { recorded } }
  }
}
"""
ORGANIZATION = """
query($from: DateTime!, $to: DateTime!, $interval: StatsInterval!) {
  organizationStats(from: $from, to: $to, interval: $interval) { period { start } }
}
"""
ADVOCATE = """
query($id: ID!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval!) {
  node(id: $id) { ... on Advocate { stats(from: $from, to: $to, interval: $interval) {
    period { start } } } }
}
"""
GOOD = {"from": "2025-01-01T00:00:00Z", "to": "2025-02-01T00:00:00Z", "interval": "DAY"}


@pytest.fixture
async def program(org: Org) -> str:
    return encode_id("Program", (await make_program(org.id)).id or 0)


async def _error(api: Api, query: str, variables: dict[str, Any]) -> tuple[str, str]:
    body = await api.raw(query, variables)
    assert body.get("errors"), body
    error = body["errors"][0]
    return str(error.get("extensions", {}).get("code")), error["message"]


CASES = [
    pytest.param(
        {"from": "2025-02-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"},
        "from must be before to",
        id="from-after-to",
    ),
    pytest.param(
        {"from": "2025-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"},
        "from must be before to",
        id="empty-period",
    ),
    pytest.param({"from": "2025-01-01T00:00:00"}, "from needs a UTC offset", id="naive-from"),
    pytest.param({"to": "2025-02-01T00:00:00"}, "to needs a UTC offset", id="naive-to"),
    pytest.param({"from": "2023-01-01T00:00:00Z"}, "at most 400 buckets", id="too-many-days"),
    pytest.param(
        {"from": "1960-01-01T00:00:00Z", "interval": "MONTH"},
        "from must not be before 1970-01-01",
        id="before-1970",
    ),
]


@pytest.mark.parametrize(("change", "message"), CASES)
async def test_bad_periods_are_refused_everywhere(
    viewer: Api, org: Org, program: str, change: dict[str, str], message: str
) -> None:
    advocate = encode_id("Advocate", (await make_advocate(org.id)).id or 0)
    variables = {**GOOD, **change}
    for query, extra in (
        (PROGRAM, {"program": program}),
        (ORGANIZATION, {}),
        (ADVOCATE, {"id": advocate}),
    ):
        code, text = await _error(viewer, query, {**variables, **extra})
        assert code == "BAD_USER_INPUT", (query, text)
        assert message in text


async def test_the_longest_series_is_400_buckets(viewer: Api) -> None:
    ok = {"from": "2024-01-01T00:00:00Z", "to": "2025-02-04T00:00:00Z", "interval": "DAY"}
    data = await viewer(ORGANIZATION.replace("period { start }", "series { start }"), ok)
    assert len(data["organizationStats"]["series"]) == 400
    code, text = await _error(viewer, ORGANIZATION, {**ok, "to": "2025-02-04T00:00:01Z"})
    assert code == "BAD_USER_INPUT" and "401 days" in text
    weeks = await viewer(ORGANIZATION, {**ok, "to": "2030-01-01T00:00:00Z", "interval": "WEEK"})
    assert weeks["organizationStats"]["period"]["start"].startswith("2024-01-01")


async def test_an_unknown_interval_is_refused(viewer: Api, program: str) -> None:
    body = await viewer.raw(PROGRAM, {**GOOD, "program": program, "interval": "YEAR"})
    assert body["errors"] and "YEAR" in body["errors"][0]["message"]
    assert body.get("data") is None


@pytest.mark.parametrize(
    "bad_id",
    ["nope", encode_id("Advocate", 1), encode_id("Program", 2_000_000_000), ""],
    ids=["garbage", "another-type", "unknown", "empty"],
)
async def test_a_bad_program_id_is_named(viewer: Api, bad_id: str) -> None:
    code, text = await _error(viewer, PROGRAM, {**GOOD, "program": bad_id})
    assert code == "BAD_USER_INPUT"
    assert "programId" in text


@pytest.mark.parametrize("first", [0, 101, -1])
async def test_leaderboard_size_is_capped(viewer: Api, first: int) -> None:
    query = """query($first: Int!) { organizationStats(from: "2025-01-01T00:00:00Z",
        to: "2025-02-01T00:00:00Z", interval: WEEK) { topByPoints(first: $first) { rank } } }"""
    code, text = await _error(viewer, query, {"first": first})
    assert code == "BAD_USER_INPUT" and "first must be between 1 and 100" in text
