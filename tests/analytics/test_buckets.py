"""Time-series buckets: UTC days, Monday weeks and calendar months, clipped to the period; a row
exactly on a boundary falls in the later bucket; ``from`` is in, ``to`` is out."""

from __future__ import annotations

import datetime as dt

import pytest

from advocacy.advocates.models import Advocate, Milestone, MilestoneStatus
from advocacy.analytics.period import Interval, make_period, ordinal, ordinal_start
from advocacy.graphql.ids import encode_id
from advocacy.kit.db import unit_of_work
from advocacy.programs.models import MilestoneKind
from tests.analytics.data import FAR
from tests.analytics.documents import iso
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_program

UTC = dt.UTC
TICK = dt.timedelta(microseconds=1)
FROM = dt.datetime(2025, 2, 27, 12, tzinfo=UTC)  # a Thursday
TO = dt.datetime(2025, 3, 4, tzinfo=UTC)
MOMENTS = [
    FROM - TICK,  # before the period: not counted
    FROM,
    dt.datetime(2025, 3, 1, tzinfo=UTC) - TICK,  # last instant of February
    dt.datetime(2025, 3, 1, tzinfo=UTC),
    dt.datetime(2025, 3, 3, tzinfo=UTC) - TICK,  # last instant of the week (a Sunday)
    dt.datetime(2025, 3, 3, tzinfo=UTC),  # Monday
    TO - TICK,
    TO,  # the end is exclusive: not counted
]
EXPECTED = {
    "DAY": [
        ("2025-02-27T12:00:00Z", "2025-02-28T00:00:00Z", 1),
        ("2025-02-28T00:00:00Z", "2025-03-01T00:00:00Z", 1),
        ("2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z", 1),
        ("2025-03-02T00:00:00Z", "2025-03-03T00:00:00Z", 1),
        ("2025-03-03T00:00:00Z", "2025-03-04T00:00:00Z", 2),
    ],
    "WEEK": [
        ("2025-02-27T12:00:00Z", "2025-03-03T00:00:00Z", 4),
        ("2025-03-03T00:00:00Z", "2025-03-04T00:00:00Z", 2),
    ],
    "MONTH": [
        ("2025-02-27T12:00:00Z", "2025-03-01T00:00:00Z", 2),
        ("2025-03-01T00:00:00Z", "2025-03-04T00:00:00Z", 4),
    ],
}
QUERY = """
query($program: ID!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval!) {
  programStats(programId: $program, from: $from, to: $to, interval: $interval) {
    from to
    period { start end milestones { recorded } advocates { total new } }
    series { start end milestones { recorded byKind { kind recorded } } advocates { total new } }
  }
  organizationStats(from: $from, to: $to, interval: $interval) {
    period { advocates { total new } }
    series { start advocates { total new } }
  }
}
"""


def _z(moment: str) -> str:
    return moment.replace("+00:00", "Z")


@pytest.fixture
async def program_on_the_edges(org: Org) -> str:
    """One advocate created at each moment, each with a milestone that occurred then."""
    program = await make_program(org.id)
    async with unit_of_work() as session:
        for number, moment in enumerate(MOMENTS):
            advocate = Advocate(
                organization_id=org.id,
                email=f"edge{number}@example.com",
                name=f"Edge {number}",
                referral_code=f"edge{number}{org.slug}",
                last_engaged_at=FAR,  # at rest: no other test's lapse job moves them
                nudges_paused=True,
                created_at=moment,
                updated_at=moment,
            )
            session.add(advocate)
            await session.flush()
            session.add(
                Milestone(
                    organization_id=org.id,
                    advocate_id=advocate.id,
                    program_id=program.id,
                    kind=MilestoneKind.REVIEW,
                    status=MilestoneStatus.SUBMITTED,
                    occurred_at=moment,
                )
            )
    return encode_id("Program", program.id or 0)


@pytest.mark.parametrize("interval", ["DAY", "WEEK", "MONTH"])
async def test_rows_on_boundaries_fall_in_the_later_bucket(
    viewer: Api, program_on_the_edges: str, interval: str
) -> None:
    variables = {
        "program": program_on_the_edges,
        # The same instant as FROM, written with another offset.
        "from": "2025-02-27T07:00:00-05:00",
        "to": iso(TO),
        "interval": interval,
    }
    data = await viewer(QUERY, variables)
    stats = data["programStats"]
    assert (_z(stats["from"]), _z(stats["to"])) == ("2025-02-27T12:00:00Z", "2025-03-04T00:00:00Z")
    series = [(_z(w["start"]), _z(w["end"]), w["milestones"]["recorded"]) for w in stats["series"]]
    assert series == EXPECTED[interval]
    assert stats["period"]["milestones"]["recorded"] == 6
    # The program's advocates join with their milestone: the one before FROM is in the total
    # but not new; the one at TO is neither.
    assert stats["period"]["advocates"] == {"total": 7, "new": 6}
    assert [w["advocates"]["new"] for w in stats["series"]] == [n for *_, n in EXPECTED[interval]]
    running = 1
    for window, (*_, joined) in zip(stats["series"], EXPECTED[interval], strict=True):
        running += joined
        assert window["advocates"]["total"] == running
    organization = data["organizationStats"]
    assert organization["period"]["advocates"] == {"total": 7, "new": 6}


def test_ordinals_round_trip_through_bucket_starts() -> None:
    moment = dt.datetime(1970, 1, 1, tzinfo=UTC)
    for interval in Interval:
        for step in range(0, 3000, 7):
            instant = moment + dt.timedelta(days=step, hours=step % 24)
            number = ordinal(instant, interval)
            start = ordinal_start(number, interval)
            assert start <= instant < ordinal_start(number + 1, interval)
    assert ordinal_start(ordinal(FROM, Interval.WEEK), Interval.WEEK).weekday() == 0


def test_a_period_inside_one_bucket_has_one_partial_bucket() -> None:
    period = make_period(FROM, FROM + dt.timedelta(hours=3), Interval.MONTH)
    assert [(b.start, b.end) for b in period.buckets] == [(FROM, FROM + dt.timedelta(hours=3))]
