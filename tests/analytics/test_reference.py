"""programStats, organizationStats and advocate.stats agree with the slow reference on a random
(seeded) history, for the period and every bucket of day, week and month series."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from advocacy.graphql.ids import encode_id
from advocacy.tenancy.models import Role
from tests.analytics.data import World, seed_world
from tests.analytics.documents import (
    ADVOCATE_STATS,
    ORGANIZATION_STATS,
    PROGRAM_STATS,
    differences,
    iso,
    parse,
)
from tests.analytics.reference import Reference, Who
from tests.conftest import create_org
from tests.fixtures.api import Api

UTC = dt.UTC
PERIODS = [
    pytest.param(
        dt.datetime(2024, 12, 1, tzinfo=UTC),
        dt.datetime(2025, 5, 1, tzinfo=UTC),
        "MONTH",
        id="months",
    ),
    pytest.param(
        dt.datetime(2025, 1, 3, 13, 30, tzinfo=UTC),
        dt.datetime(2025, 3, 19, 6, tzinfo=UTC),
        "WEEK",
        id="weeks-ragged-edges",
    ),
    pytest.param(
        dt.datetime(2025, 2, 1, tzinfo=UTC),
        dt.datetime(2025, 3, 13, tzinfo=UTC),
        "DAY",
        id="days",
    ),
    pytest.param(
        dt.datetime(2025, 2, 10, 8, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime(2025, 4, 2, 17, 45, tzinfo=UTC),
        "MONTH",
        id="months-offset-start",
    ),
]


@dataclass
class Seeded:
    world: World
    reference: Reference
    api: Api


@pytest.fixture(scope="module")
async def seeded(client: httpx.AsyncClient) -> AsyncIterator[Seeded]:
    org = await create_org("KPI Org")
    world = await seed_world(org.id, seed=20250101)
    yield Seeded(world, Reference(world), Api(client, org.tokens[Role.VIEWER]))


def _variables(start: dt.datetime, end: dt.datetime, interval: str) -> dict[str, Any]:
    return {"from": iso(start), "to": iso(end), "interval": interval, "top": 5}


def _check_windows(stats: dict[str, Any], reference: Reference, who: Who) -> None:
    start, end = parse(stats["from"]), parse(stats["to"])
    windows = [stats["period"], *stats["series"]]
    assert parse(stats["period"]["start"]) == start and parse(stats["period"]["end"]) == end
    assert parse(stats["series"][0]["start"]) == start
    assert parse(stats["series"][-1]["end"]) == end
    for before, after in zip(stats["series"], stats["series"][1:], strict=False):
        assert before["end"] == after["start"]
    problems = []
    for number, window in enumerate(windows):
        expected = reference.window(who, parse(window["start"]), parse(window["end"]))
        label = "period" if number == 0 else f"series[{number - 1}] {window['start']}"
        problems += [f"{label}{p}" for p in differences(window, expected)]
    assert not problems, "\n".join(problems[:40])


def _leaders(stats: dict[str, Any], reference: Reference, who: Who) -> None:
    start, end = parse(stats["from"]), parse(stats["to"])
    for entry in [*stats["topByPoints"], *stats["topByReferredRevenue"]]:
        entry["advocateId"] = int(_pk(entry.pop("advocate")["id"]))
    assert stats["topByPoints"] == reference.top_by_points(who, start, end, 5)
    assert stats["topByReferredRevenue"] == reference.top_by_revenue(who, start, end, 5)


def _pk(global_id: str) -> int:
    import base64

    return int(base64.b64decode(global_id).decode().split(":")[1])


@pytest.mark.parametrize(("start", "end", "interval"), PERIODS)
async def test_program_stats_agree_with_the_reference(
    seeded: Seeded, start: dt.datetime, end: dt.datetime, interval: str
) -> None:
    for program_id in seeded.world.programs:
        variables = _variables(start, end, interval) | {"program": encode_id("Program", program_id)}
        stats = (await seeded.api(PROGRAM_STATS, variables))["programStats"]
        assert stats["program"]["id"] == variables["program"]
        assert stats["interval"] == interval
        who = Who(program_id=program_id)
        _check_windows(stats, seeded.reference, who)
        _leaders(stats, seeded.reference, who)


@pytest.mark.parametrize(("start", "end", "interval"), PERIODS)
async def test_organization_stats_agree_with_the_reference(
    seeded: Seeded, start: dt.datetime, end: dt.datetime, interval: str
) -> None:
    stats = (await seeded.api(ORGANIZATION_STATS, _variables(start, end, interval)))[
        "organizationStats"
    ]
    assert [entry["currency"] for entry in stats["period"]["budget"]] == ["EUR", "USD"]
    _check_windows(stats, seeded.reference, Who())
    _leaders(stats, seeded.reference, Who())


@pytest.mark.parametrize(("start", "end", "interval"), PERIODS[:3])
async def test_advocate_stats_agree_with_the_reference(
    seeded: Seeded, start: dt.datetime, end: dt.datetime, interval: str
) -> None:
    advocates = seeded.world.advocates[:12]
    variables = _variables(start, end, interval) | {
        "ids": [encode_id("Advocate", a.id or 0) for a in advocates]
    }
    variables.pop("top")
    nodes = (await seeded.api(ADVOCATE_STATS, variables))["nodes"]
    assert len(nodes) == len(advocates)
    for advocate, node in zip(advocates, nodes, strict=True):
        _check_windows(node["stats"], seeded.reference, Who(advocate_id=advocate.id))


async def test_the_random_history_exercises_every_figure(seeded: Seeded) -> None:
    """Guards the generator: a comparison of zeros with zeros would prove nothing."""
    reference, who = seeded.reference, Who()
    start, end = dt.datetime(2024, 11, 1, tzinfo=UTC), dt.datetime(2025, 7, 1, tzinfo=UTC)
    window = reference.window(who, start, end)
    advocates, gifts, referrals = window["advocates"], window["gifts"], window["referrals"]
    assert all(advocates[k] > 0 for k in ("invited", "active", "lapsed", "optedOut", "new"))
    assert 0 < advocates["reEngaged"] < advocates["nudgedLapses"]
    assert all(
        gifts[k] > 0
        for k in (
            "offered",
            "swapped",
            "redeemed",
            "donated",
            "declined",
            "expired",
            "cancelled",
            "fulfilled",
            "failed",
        )
    )
    assert gifts["medianSecondsToRedemption"] < gifts["p90SecondsToRedemption"]
    assert referrals["rejected"] > 0 and None in {
        r["reason"] for r in referrals["rejectedByReason"]
    }
    assert len(referrals["referredRevenue"]) == 2
    assert window["asks"]["responded"] > 0 and window["nudges"]["responded"] > 0
    assert all(b["spent"] > 0 and b["reserved"] > 0 for b in window["budget"])
    program = Who(program_id=next(iter(seeded.world.programs)))
    late = reference.advocates_figures(program, start, end)
    assert 0 < late["total"] < advocates["total"], "program membership should be a subset"
