"""Engine, sessions and the unit of work.

One engine per process, created lazily from settings. Services receive an ``AsyncSession``,
flush but never commit; ``unit_of_work`` commits on success and rolls back on any exception.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator

from advocacy.config import get_settings

_clock_at: ContextVar[dt.datetime | None] = ContextVar("advocacy_clock_at", default=None)


def utcnow() -> dt.datetime:
    """Now, in UTC — moved forward by ``ADVOCACY_CLOCK_OFFSET_DAYS`` in a demo, or the moment
    ``clock_at`` holds in this task."""
    pinned = _clock_at.get()
    if pinned is not None:
        return pinned
    offset = get_settings().clock_offset_days
    now = dt.datetime.now(dt.UTC)
    return now + dt.timedelta(days=offset) if offset else now


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Within this block (this task only), every service stamps ``moment`` as "now". The demo
    plays its history through the real services this way, so each row, event and ledger entry
    carries the time the story says, consistently; nothing else uses it."""
    if moment.tzinfo is None:
        raise ValueError("clock_at needs a timezone-aware moment")
    token = _clock_at.set(moment.astimezone(dt.UTC))
    try:
        yield
    finally:
        _clock_at.reset(token)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    PostgreSQL stores ``timestamptz``; SQLite stores text without an offset, so values are
    normalised to UTC on the way in and tagged as UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class RequestSession(AsyncSession):
    """An ``AsyncSession`` that runs one statement at a time.

    GraphQL resolves sibling fields concurrently, and an AsyncSession must not be used by two
    coroutines at once. Statements queue on a lock instead; loaders keep the count of
    statements small, so the queueing costs nothing measurable. (``scalars`` goes through
    ``execute``, so it is not locked twice.)

    Ending the transaction (``commit``, ``rollback``, ``close``) gives the connection back to
    the pool, so it waits for the statement in flight too. That statement may belong to a task
    that outlives the one closing: when an operation is cancelled (a subscriber sends
    ``complete`` or goes away), ``asyncio.gather`` raises in the operation as soon as one
    field's task has stopped, while its siblings may still be running a statement or, having
    been cancelled inside SQLAlchemy, terminating their connection. Handing that connection
    back then would give the next request a busy or closed connection.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statement_lock = asyncio.Lock()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self.statement_lock:
            return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        async with self.statement_lock:
            return await super().scalar(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        async with self.statement_lock:
            return await super().get(*args, **kwargs)

    async def commit(self) -> None:
        async with self.statement_lock:
            await super().commit()

    async def rollback(self) -> None:
        async with self.statement_lock:
            await super().rollback()

    async def close(self) -> None:
        async with self.statement_lock:
            await super().close()


WRITE_INTENT = "advocacy_write_intent"


WRITE_OPTIONS_BY_DIALECT: dict[str, dict[str, Any]] = {
    # Reads run in autocommit (see make_engine); a writer gets a real transaction.
    "postgresql": {WRITE_INTENT: True, "isolation_level": "READ COMMITTED"},
}


async def begin_write(session: AsyncSession) -> None:
    """Start the session's transaction as a writer: a READ COMMITTED transaction on
    PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite. Every unit of work that writes starts here
    (``unit_of_work``, the GraphQL mutation runner), before its first statement."""
    bind = session.bind
    dialect = bind.dialect.name if bind is not None else "sqlite"
    options = WRITE_OPTIONS_BY_DIALECT.get(dialect, {WRITE_INTENT: True})
    await session.connection(execution_options=options)


def _prepare_sqlite(engine: AsyncEngine, url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)

    # pysqlite opens transactions lazily and breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself
    # (the documented recipe), so nested transactions and rollbacks behave as on PostgreSQL.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A transaction that will write takes the write lock up front: SQLite refuses (rather
        # than waits) when a reading transaction tries to become a writer while another
        # writer is active.
        if connection.get_execution_options().get(WRITE_INTENT):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def make_engine(
    url: str, *, pool_size: int | None = None, autocommit_reads: bool = True
) -> AsyncEngine:
    """The process's engine. On PostgreSQL, connections default to autocommit so a read-only
    request costs no BEGIN/ROLLBACK round trips (each statement sees committed data, as READ
    COMMITTED would); ``begin_write`` opens a real transaction for anything that writes.
    Migrations pass ``autocommit_reads=False`` to keep transactional DDL."""
    kwargs: dict[str, Any] = {"pool_pre_ping": False}
    if not url.startswith("sqlite"):
        kwargs["pool_size"] = pool_size or get_settings().db_pool_size
        kwargs["max_overflow"] = 5
        if autocommit_reads:
            kwargs["isolation_level"] = "AUTOCOMMIT"
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        _prepare_sqlite(engine, url)
    return engine


_engine: AsyncEngine | None = None
_session_factory: async_sessionmaker[AsyncSession] | None = None


def get_engine() -> AsyncEngine:
    global _engine, _session_factory
    if _engine is None:
        _engine = make_engine(get_settings().database_url)
        _session_factory = async_sessionmaker(
            _engine, class_=RequestSession, expire_on_commit=False
        )
    return _engine


def set_engine(engine: AsyncEngine) -> None:
    """Point the process at another engine (tests, the CLI's ``--database-url``)."""
    global _engine, _session_factory
    _engine = engine
    _session_factory = async_sessionmaker(engine, class_=RequestSession, expire_on_commit=False)


async def dispose_engine() -> None:
    global _engine, _session_factory
    if _engine is not None:
        await _engine.dispose()
    _engine = None
    _session_factory = None


def new_session() -> AsyncSession:
    get_engine()
    assert _session_factory is not None
    return _session_factory()


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[AsyncSession]:
    """A session whose work commits together on success and is rolled back on any exception."""
    async with committing(new_session()) as session:
        yield session


@asynccontextmanager
async def committing(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Run ``session`` as one write transaction: commit on success, roll back on any
    exception, close either way (requests' and jobs' units of work alike)."""
    try:
        await begin_write(session)
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        await session.close()
