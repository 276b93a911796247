"""A subscription cancelled in the middle of its reads gives its connections back to the pool
idle and open (PostgreSQL: the race is between asyncpg statements and the pool).

When a subscriber sends ``complete`` (or goes away) while the fields of an update are being
read, strawberry cancels the operation's task. ``asyncio.gather`` raises in that task as soon
as one field's task has stopped, so the operation closed its session while sibling field tasks
were still running a statement on its connection, or terminating that connection after
SQLAlchemy saw the cancellation. The connection went back to the pool busy or closed, and a
later, unrelated request that drew it failed in ``authenticate`` with "another operation is in
progress" or "connection is closed".

Cancelling a few milliseconds into the reads, over and over, hit that window in most rounds; the
pool is checked at each check-in, which is where the damage was done.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event

from advocacy.app import create_app
from advocacy.graphql.ids import encode_id
from advocacy.kit import reads
from advocacy.kit.db import get_engine, utcnow
from advocacy.tenancy.models import Role
from advocacy.web.dashboard import dashboard_operations
from tests.conftest import Org
from tests.fixtures.database import TEST_DATABASE_URL_ENV, is_postgres
from tests.fixtures.factories import make_program
from tests.fixtures.ws import AsgiWebSocket

pytestmark = pytest.mark.skipif(
    not is_postgres(os.environ.get(TEST_DATABASE_URL_ENV, "")),
    reason=f"needs PostgreSQL (asyncpg): set {TEST_DATABASE_URL_ENV}",
)

ROUNDS = 24
SUBSCRIPTIONS = 4
"""Per round, on one websocket: each reads the dashboard's KPIs on a session of its own."""


def _state_at_checkin(dbapi_connection: Any) -> str | None:
    """What is wrong with a connection coming back to the pool, if anything."""
    if dbapi_connection is None:  # invalidated: the pool will open a new one
        return None
    driver = dbapi_connection.driver_connection
    if driver.is_closed():
        return "closed"
    # asyncpg's guard against concurrent use; held while a statement runs on the connection.
    if driver._stmt_exclusive_section._acquired:
        return "statement in flight"
    return None


async def test_cancelling_subscriptions_mid_read_leaves_the_pool_healthy(org: Org) -> None:
    program = await make_program(org.id)
    now = utcnow()
    variables = {
        "programId": encode_id("Program", program.id or 0),
        "from": (now.replace(day=1)).isoformat(),
        "to": now.isoformat(),
        "interval": "DAY",
    }
    document = dashboard_operations()["DashboardProgramStatsUpdated"]
    app = create_app()

    damaged: Counter[str] = Counter()
    reading = asyncio.Event()

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        problem = _state_at_checkin(dbapi_connection)
        if problem is not None:
            damaged[problem] += 1

    def on_statement(*_: Any) -> None:
        reading.set()

    engine = get_engine().sync_engine
    event.listen(engine, "checkin", on_checkin)
    event.listen(engine, "before_cursor_execute", on_statement)
    reads.statement_observers.append(on_statement)
    try:
        for round_ in range(ROUNDS):
            async with AsgiWebSocket(app) as ws:
                assert (await ws.init(org.tokens[Role.VIEWER]))["type"] == "connection_ack"
                reading.clear()
                for op_id in range(SUBSCRIPTIONS):
                    await ws.subscribe(document, variables, op_id=str(op_id))
                await asyncio.wait_for(reading.wait(), 5)
                await asyncio.sleep(0.004 * (round_ % 4))  # at different points of the reads
                for op_id in range(SUBSCRIPTIONS):
                    await ws.send({"id": str(op_id), "type": "complete"})
                await asyncio.sleep(0.05)  # the cancelled reads wind down
    finally:
        reads.statement_observers.remove(on_statement)
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "checkin", on_checkin)

    assert not damaged, f"connections returned to the pool in a bad state: {dict(damaged)}"
