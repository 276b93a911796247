"""Background jobs: broker setup, the house ``actor`` wrapper, and the after-commit buffer.

Redis is the broker when ``ADVOCACY_REDIS_URL`` is set; otherwise Dramatiq's in-memory broker
with an in-process worker thread, so the embedded setup runs everything in one process.

The database is the source of truth and a message is only a doorbell (DESIGN.md §2): actors
take ids, reload rows, and must be idempotent. Services never enqueue directly: they call
``enqueue_after_commit``, and the message leaves only once the unit of work has committed (a
rollback discards it), so a job never sees data that was not saved.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware.asyncio import AsyncIO
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from advocacy.config import get_settings
from advocacy.kit.db import RequestSession, committing, make_engine

log = logging.getLogger("advocacy.jobs")

_broker: dramatiq.Broker | None = None


def get_broker() -> dramatiq.Broker:
    """The process's broker, created and installed as Dramatiq's global broker on first use."""
    global _broker
    if _broker is None:
        url = get_settings().redis_url
        if url:
            from dramatiq.brokers.redis import RedisBroker

            _broker = RedisBroker(url=url)
        else:
            _broker = StubBroker()
            _broker.emit_after("process_boot")
        _broker.add_middleware(AsyncIO())
        dramatiq.set_broker(_broker)
    return _broker


def broker_is_embedded() -> bool:
    return isinstance(get_broker(), StubBroker)


def ping_broker() -> None:
    """Raise if the broker can't be reached (``/readyz``)."""
    broker: Any = get_broker()
    if isinstance(broker, StubBroker):
        return
    broker.client.ping()


def start_embedded_worker(threads: int = 2) -> dramatiq.Worker | None:
    """An in-process worker for the embedded broker; None when a real broker is configured
    (then ``advocacy worker`` processes do the work)."""
    broker = get_broker()
    if not isinstance(broker, StubBroker):
        return None
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    log.info("embedded worker started with %d threads", threads)
    return worker


# -- after-commit buffer ----------------------------------------------------------------------

_PENDING = "advocacy.pending_messages"
Pending = list[tuple[Any, str, Callable[[], object]]]
"""(the innermost transaction when added, what it is, what to do), in order."""


def _innermost(session: Session) -> Any:
    return session.get_nested_transaction() or session.get_transaction()


def enqueue_after_commit(
    session: AsyncSession, actor: dramatiq.Actor[Any, Any], **ids: Any
) -> None:
    """Send ``actor(**ids)`` once ``session``'s outermost transaction commits; drop it if that
    transaction, or the savepoint it was enqueued in, rolls back."""
    message = actor.message(**ids)
    run_after_commit(session, message.actor_name, functools.partial(actor.broker.enqueue, message))


def run_after_commit(session: AsyncSession, what: str, action: Callable[[], object]) -> None:
    """Do ``action`` once ``session``'s outermost transaction commits, with the same savepoint
    rules as ``enqueue_after_commit`` (which is this, for a message). For quick, non-blocking
    actions: a failure is logged, never raised — the change is committed either way."""
    sync = session.sync_session
    pending: Pending = sync.info.setdefault(_PENDING, [])
    pending.append((_innermost(sync), what, action))


# SQLAlchemy fires after_commit / after_rollback for savepoints too (while the savepoint is
# still the session's innermost transaction): a released savepoint hands its messages to the
# enclosing transaction, a rolled-back one drops only its own, and only the outermost commit
# sends anything.


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        pending: Pending = session.info.get(_PENDING, [])
        session.info[_PENDING] = [
            (savepoint.parent if tx is savepoint else tx, what, action)
            for tx, what, action in pending
        ]
        return
    for _tx, what, action in session.info.pop(_PENDING, []):
        try:
            action()
        except Exception:
            # The work is committed and its rows say what's left to do; the sweeper finds them
            # again. Failing the request now would report a committed change as failed.
            log.warning(
                "after commit, %s failed (the sweeper will pick it up)", what, exc_info=True
            )


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is not None:
        pending: Pending = session.info.get(_PENDING, [])
        session.info[_PENDING] = [entry for entry in pending if entry[0] is not savepoint]
        return
    dropped = session.info.pop(_PENDING, [])
    if dropped:
        log.debug("rollback dropped %d pending job(s)", len(dropped))


# -- the house actor --------------------------------------------------------------------------

Job = Callable[..., Awaitable[None]]
"""``async def job(session, **ids)``: runs inside its own unit of work."""

_job_sessions: async_sessionmaker[AsyncSession] | None = None
_job_engine: AsyncEngine | None = None


def _job_session_factory() -> async_sessionmaker[AsyncSession]:
    """Sessions for jobs, on an engine of their own: async actors run on Dramatiq's event-loop
    thread, and database connections can't move between event loops (in the embedded setup
    the API's loop is another one)."""
    global _job_sessions, _job_engine
    if _job_sessions is None:
        _job_engine = make_engine(get_settings().database_url)
        _job_sessions = async_sessionmaker(
            _job_engine, class_=RequestSession, expire_on_commit=False
        )
    return _job_sessions


def use_job_engine(engine: AsyncEngine | None) -> None:
    """Point jobs at another engine (tests); ``None`` goes back to the settings' database."""
    global _job_sessions, _job_engine
    _job_engine = engine
    _job_sessions = (
        None
        if engine is None
        else async_sessionmaker(engine, class_=RequestSession, expire_on_commit=False)
    )


@asynccontextmanager
async def job_unit_of_work() -> AsyncIterator[AsyncSession]:
    async with committing(_job_session_factory()()) as session:
        yield session


def actor(
    name: str,
    *,
    queue: str = "default",
    max_retries: int = 10,
    min_backoff_ms: int = 1_000,
    max_backoff_ms: int = 5 * 60_000,
    time_limit_ms: int = 60_000,
    broker: dramatiq.Broker | None = None,
    transactional: bool = True,
) -> Callable[[Job], dramatiq.Actor[Any, Any]]:
    """Declare a job as ``domain.event``: ids in, one unit of work around it, retries with
    exponential backoff on any exception, a time limit. The job must be idempotent: a retry,
    a duplicate message or the sweeper may run it again.

    ``transactional=False`` is for jobs that must commit in steps around a slow outside call
    (fulfilment): they get only the ids and open ``job_unit_of_work()`` themselves."""

    def decorate(job: Job) -> dramatiq.Actor[Any, Any]:
        async def run(**ids: Any) -> None:
            if not transactional:
                await job(**ids)
                return
            async with job_unit_of_work() as session:
                await job(session, **ids)

        run.__name__ = run.__qualname__ = name.replace(".", "_")
        run.__doc__ = job.__doc__
        declare = dramatiq.actor(
            actor_name=name,
            queue_name=queue,
            broker=broker or get_broker(),
            max_retries=max_retries,
            min_backoff=min_backoff_ms,
            max_backoff=max_backoff_ms,
            time_limit=time_limit_ms,
        )
        return declare(run)

    return decorate
