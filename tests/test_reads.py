"""The direct read path returns exactly what the session would."""

import datetime as dt

import pytest
from sqlalchemy import select

from advocacy.advocates.queries import ADVOCATE, MILESTONE, rows_by_ids
from advocacy.kit.db import new_session
from advocacy.kit.reads import fetch_rows
from tests.conftest import Org
from tests.fixtures.factories import make_advocate, make_milestone, make_program
from tests.fixtures.statements import count_statements


async def test_direct_rows_equal_session_rows(org: Org) -> None:
    program = await make_program(org.id)
    advocate = await make_advocate(org.id, interests=["coffee", "books"], timezone="Asia/Tokyo")
    assert advocate.id and program.id
    occurred = dt.datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=dt.UTC)
    await make_milestone(org.id, advocate.id, program.id, occurred_at=occurred, approve=True)
    statement = (
        select(ADVOCATE, MILESTONE.c.occurred_at.label("milestone_occurred_at"))
        .join(MILESTONE, MILESTONE.c.advocate_id == ADVOCATE.c.id)
        .where(ADVOCATE.c.organization_id == org.id)
    )
    session = new_session()
    try:
        direct = await fetch_rows(session, statement)
        through_session = (await session.execute(statement)).all()
    finally:
        await session.close()
    assert [tuple(row) for row in direct] == [tuple(row) for row in through_session]
    row = direct[0]
    assert row.interests == ["coffee", "books"]
    assert row.milestone_occurred_at == occurred and row.milestone_occurred_at.tzinfo is not None
    assert row.last_engaged_at == occurred


async def test_direct_reads_are_counted(org: Org) -> None:
    advocate = await make_advocate(org.id)
    session = new_session()
    try:
        with count_statements() as counts:
            found = await rows_by_ids(session, ADVOCATE, org.id, [advocate.id or 0, 0])
    finally:
        await session.close()
    assert list(found) == [advocate.id]
    assert counts["SELECT"] == 1


async def test_other_organizations_rows_are_not_returned(org: Org, other_org: Org) -> None:
    mine = await make_advocate(org.id)
    theirs = await make_advocate(other_org.id)
    session = new_session()
    try:
        found = await rows_by_ids(session, ADVOCATE, org.id, [mine.id or 0, theirs.id or 0])
    finally:
        await session.close()
    assert list(found) == [mine.id]


@pytest.mark.parametrize("ids", [[], [0]])
async def test_no_ids_finds_nothing(org: Org, ids: list[int]) -> None:
    session = new_session()
    try:
        assert await rows_by_ids(session, ADVOCATE, org.id, ids) == {}
    finally:
        await session.close()
