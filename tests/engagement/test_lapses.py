"""Lapse detection with an injected clock: who lapses when, once, recorded, and back to ACTIVE
on a milestone."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, update

from advocacy.advocates import milestone_service
from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.engagement import lapses
from advocacy.engagement.models import AdvocateStatusChange, EngagementPolicy
from advocacy.graphql.ids import encode_id
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.programs.models import MilestoneKind
from advocacy.rules.models import RuleEvent
from advocacy.tenancy.principal import system_principal
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_milestone, make_program


async def engaged(advocate_id: int, days_ago: int) -> None:
    async with unit_of_work() as session:
        await session.execute(
            update(Advocate)
            .where(Advocate.id == advocate_id)  # type: ignore[arg-type]
            .values(last_engaged_at=utcnow() - dt.timedelta(days=days_ago))
        )


async def status_of(advocate_id: int) -> str:
    async with unit_of_work() as session:
        return str(await session.scalar(select(Advocate.status).where(Advocate.id == advocate_id)))  # type: ignore[arg-type]


async def changes_of(advocate_id: int) -> list[tuple[str, str, str]]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(AdvocateStatusChange)
            .where(AdvocateStatusChange.advocate_id == advocate_id)
            .order_by(AdvocateStatusChange.id)  # type: ignore[arg-type]
        )
        return [(c.from_status, c.to_status, c.reason) for c in rows]


async def run(now: dt.datetime | None = None) -> int:
    async with unit_of_work() as session:
        return await lapses.detect_lapses(session, now)


async def test_active_advocates_lapse_after_the_policy_and_only_they(org: Org) -> None:
    quiet = await make_advocate(org.id)
    recent = await make_advocate(org.id)
    invited = await make_advocate(org.id, status=AdvocateStatus.INVITED)
    opted_out = await make_advocate(org.id, status=AdvocateStatus.OPTED_OUT)
    await engaged(quiet.id or 0, 61)
    await engaged(recent.id or 0, 59)
    for other in (invited, opted_out):
        await engaged(other.id or 0, 400)
    await run()
    assert await status_of(quiet.id or 0) == "LAPSED"
    assert [await status_of(a.id or 0) for a in (recent, invited, opted_out)] == [
        "ACTIVE",
        "INVITED",
        "OPTED_OUT",
    ]
    await run(utcnow() + dt.timedelta(days=2))  # the clock moves: now the recent one too
    assert await status_of(recent.id or 0) == "LAPSED"
    assert await changes_of(quiet.id or 0) == [("ACTIVE", "LAPSED", "NO_ENGAGEMENT")]
    async with unit_of_work() as session:
        events = list(
            await session.scalars(select(RuleEvent).where(RuleEvent.advocate_id == quiet.id))
        )
    assert events == []  # what a lapse leads to is the nudge job's decision (test_nudges)


async def test_an_organizations_policy_sets_its_own_threshold(org: Org, other_org: Org) -> None:
    async with unit_of_work() as session:
        session.add(EngagementPolicy(organization_id=org.id, lapse_after_days=10))
    mine = await make_advocate(org.id)
    theirs = await make_advocate(other_org.id)
    for advocate in (mine, theirs):
        await engaged(advocate.id or 0, 11)
    await run()
    assert await status_of(mine.id or 0) == "LAPSED"
    assert await status_of(theirs.id or 0) == "ACTIVE"  # the default 60 days


async def test_running_twice_at_once_lapses_each_advocate_once(org: Org, database: str) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    quiet = [await make_advocate(org.id) for _ in range(20)]
    for advocate in quiet:
        await engaged(advocate.id or 0, 90)
    await asyncio.gather(*(run() for _ in range(4)))
    for advocate in quiet:
        assert await changes_of(advocate.id or 0) == [("ACTIVE", "LAPSED", "NO_ENGAGEMENT")]


async def test_an_approved_milestone_brings_a_lapsed_advocate_back(org: Org) -> None:
    program = await make_program(org.id)
    advocate = await make_advocate(org.id)
    await engaged(advocate.id or 0, 100)
    await run()
    milestone = await make_milestone(
        org.id, advocate.id or 0, program.id or 0, kind=MilestoneKind.REVIEW
    )
    async with unit_of_work() as session:
        await milestone_service.approve_milestone(
            session, system_principal(org.id), milestone.id or 0
        )
    assert await status_of(advocate.id or 0) == "ACTIVE"
    assert await changes_of(advocate.id or 0) == [
        ("ACTIVE", "LAPSED", "NO_ENGAGEMENT"),
        ("LAPSED", "ACTIVE", "MILESTONE_APPROVED"),
    ]


POLICY = "{ engagementPolicy { lapseAfterDays } }"
CONFIGURE = """
mutation($days: Int!) {
  configureEngagementPolicy(input: {lapseAfterDays: $days}) {
    engagementPolicy { lapseAfterDays } errors { field code }
  }
}
"""


async def test_the_policy_and_the_history_through_graphql(
    marketer: Api, viewer: Api, outsider: Api, org: Org
) -> None:
    assert await marketer(POLICY) == {"engagementPolicy": {"lapseAfterDays": 60}}
    bad = await marketer(CONFIGURE, {"days": 0})
    assert bad["configureEngagementPolicy"]["errors"] == [
        {"field": "lapseAfterDays", "code": "OUT_OF_RANGE"}
    ]
    done = await marketer(CONFIGURE, {"days": 30})
    assert done["configureEngagementPolicy"]["engagementPolicy"] == {"lapseAfterDays": 30}
    assert await outsider(POLICY) == {"engagementPolicy": {"lapseAfterDays": 60}}
    assert await viewer.error_code(CONFIGURE, {"days": 10}) == "FORBIDDEN"

    advocate = await make_advocate(org.id)
    await engaged(advocate.id or 0, 31)
    await run()
    history = await marketer(
        """query($id: ID!) {
          advocate(id: $id) { status statusChanges { fromStatus toStatus reason actor } }
        }""",
        {"id": encode_id("Advocate", advocate.id or 0)},
    )
    assert history["advocate"] == {
        "status": "LAPSED",
        "statusChanges": [
            {
                "fromStatus": "ACTIVE",
                "toStatus": "LAPSED",
                "reason": "NO_ENGAGEMENT",
                "actor": "system",
            }
        ],
    }
