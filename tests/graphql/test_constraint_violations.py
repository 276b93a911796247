"""Only a unique-key race is retried and answered "try again"; any other constraint violation
(NOT NULL, foreign key, check) is a bug that surfaces as the masked internal error, with its
traceback in the log, not as ``ALREADY_EXISTS``. And the blank time zone that used to reach
the database as NULL is refused at the edge, naming ``defaultTimezone``."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any, cast

import pytest
import strawberry
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from advocacy.engagement.models import EngagementPolicy
from advocacy.graphql.context import Context, Info
from advocacy.graphql.errors import MaskInternalErrors
from advocacy.graphql.mutations import Refused, run_transaction
from advocacy.kit.db import new_session, unit_of_work, utcnow
from advocacy.kit.dialect import is_unique_violation
from advocacy.kit.errors import ErrorCode
from tests.conftest import Org
from tests.fixtures.api import Api

CONFIGURE = """mutation($tz: String) {
  configureEngagementPolicy(input: {defaultTimezone: $tz}) {
    engagementPolicy { defaultTimezone } errors { field code message } } }"""


@pytest.mark.parametrize(
    ("zone", "code"),
    [("", "REQUIRED"), ("   ", "REQUIRED"), ("Mars/Olympus", "INVALID"), ("localtime", "INVALID")],
)
async def test_a_blank_or_unknown_default_timezone_is_refused_naming_the_field(
    marketer: Api, zone: str, code: str
) -> None:
    answer = (await marketer(CONFIGURE, {"tz": zone}))["configureEngagementPolicy"]
    assert answer["engagementPolicy"] is None
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [("defaultTimezone", code)]
    assert "defaultTimezone" in answer["errors"][0]["message"]


async def test_a_real_default_timezone_is_kept(marketer: Api) -> None:
    answer = (await marketer(CONFIGURE, {"tz": "Europe/Berlin"}))["configureEngagementPolicy"]
    assert answer == {"engagementPolicy": {"defaultTimezone": "Europe/Berlin"}, "errors": []}


def _info(session: AsyncSession) -> Info:
    """What ``run_transaction`` reads from strawberry's ``Info``: the request's context."""
    context = Context(base_session=session, principal=None, request_id="req-constraint")
    return cast(Info, SimpleNamespace(context=context))


async def test_a_not_null_violation_is_not_retried_nor_called_a_conflict(
    org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    attempts = 0

    async def work(session: AsyncSession) -> None:
        nonlocal attempts
        attempts += 1
        policy = await session.get(EngagementPolicy, org.id)
        assert policy is not None
        policy.default_timezone = cast(Any, None)  # what a blank time zone used to become
        await session.flush()

    async with unit_of_work() as setup:
        setup.add(EngagementPolicy(organization_id=org.id))
    session = new_session()
    try:
        with (
            caplog.at_level(logging.ERROR, "advocacy.graphql"),
            pytest.raises(IntegrityError) as raised,
        ):
            await run_transaction(_info(session), work)
    finally:
        await session.close()
    assert attempts == 1
    assert not is_unique_violation(raised.value)
    assert "req-constraint" in caplog.text


async def test_a_unique_violation_is_retried_once_then_called_a_conflict(org: Org) -> None:
    attempts = 0

    async def work(session: AsyncSession) -> None:
        nonlocal attempts
        attempts += 1
        await session.execute(
            insert(EngagementPolicy).values(organization_id=org.id, updated_at=utcnow())
        )  # twice: the same primary key again
        await session.execute(
            insert(EngagementPolicy).values(organization_id=org.id, updated_at=utcnow())
        )

    session = new_session()
    try:
        result = await run_transaction(_info(session), work)
    finally:
        await session.close()
    assert attempts == 2
    assert isinstance(result, Refused)
    assert [e.code for e in result.errors] == [ErrorCode.ALREADY_EXISTS]


async def test_sqlite_unique_and_not_null_violations_are_told_apart() -> None:
    """The embedded database reports constraints differently; the same rule holds there."""
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("CREATE TABLE t (a INTEGER UNIQUE, b INTEGER NOT NULL)"))
            await connection.execute(text("INSERT INTO t VALUES (1, 1)"))
            caught: list[IntegrityError] = []
            for statement in ("INSERT INTO t VALUES (1, 2)", "INSERT INTO t VALUES (2, NULL)"):
                with pytest.raises(IntegrityError) as raised:
                    await connection.execute(text(statement))
                caught.append(raised.value)
    finally:
        await engine.dispose()
    assert [is_unique_violation(error) for error in caught] == [True, False]


async def test_a_masked_error_gives_the_client_the_request_id_the_log_has(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What the constraint violation above becomes for a client: "internal error" with the
    request id, and the traceback in the log under that id."""

    @strawberry.type
    class Query:
        @strawberry.field
        def broken(self) -> int:
            raise RuntimeError("a bug, with details the client must not see")

    schema = strawberry.Schema(query=Query, extensions=[MaskInternalErrors])
    session = new_session()
    try:
        context = Context(base_session=session, principal=None, request_id="req-42")
        with caplog.at_level(logging.ERROR, "advocacy.graphql"):
            result = await schema.execute("{ broken }", context_value=context)
    finally:
        await session.close()
    [error] = result.errors or []
    assert error.message == "internal error"
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42"}
    [record] = [r for r in caplog.records if "req-42" in r.getMessage()]
    assert record.exc_info is not None and "a bug, with details" in str(record.exc_info[1])
