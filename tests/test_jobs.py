"""The jobs layer: messages leave only after commit, jobs run in their own unit of work and
are retried, on a real Dramatiq worker (in-process, on a broker of the test's own)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware.asyncio import AsyncIO
from sqlalchemy import select, update

from advocacy.advocates.models import Advocate
from advocacy.kit import jobs
from advocacy.kit.db import make_engine, unit_of_work
from tests.conftest import Org
from tests.fixtures.factories import make_advocate

attempts: dict[int, int] = {}
seen_titles: dict[int, list[str | None]] = {}
attempts_lock = threading.Lock()


@pytest.fixture
def broker(database: str) -> Iterator[StubBroker]:
    stub = StubBroker()
    stub.add_middleware(AsyncIO())
    stub.emit_after("process_boot")
    jobs.use_job_engine(make_engine(database, pool_size=2))
    yield stub
    stub.close()
    jobs.use_job_engine(None)


@pytest.fixture
def worker(broker: StubBroker) -> Iterator[dramatiq.Worker]:
    running = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    running.start()
    yield running
    running.stop()


def declare(broker: StubBroker, *, fail_first: bool = False) -> dramatiq.Actor[Any, Any]:
    @jobs.actor("tests.retitle", broker=broker, min_backoff_ms=10, max_backoff_ms=50)
    async def retitle(session: Any, advocate_id: int, title: str) -> None:
        """Set an advocate's title; with ``fail_first``, the first attempt writes something
        else and then fails, so its write must be rolled back."""
        current = await session.scalar(select(Advocate.title).where(Advocate.id == advocate_id))
        with attempts_lock:
            attempts[advocate_id] = attempts.get(advocate_id, 0) + 1
            seen_titles.setdefault(advocate_id, []).append(current)
            first = attempts[advocate_id] == 1
        failing = fail_first and first
        await session.execute(
            update(Advocate)
            .where(Advocate.id == advocate_id)  # type: ignore[arg-type]
            .values(title="half-written" if failing else title)
        )
        if failing:
            raise RuntimeError("provider hiccup")

    return retitle


async def title_of(advocate_id: int) -> str | None:
    async with unit_of_work() as session:
        return await session.scalar(select(Advocate.title).where(Advocate.id == advocate_id))


async def test_message_leaves_only_after_commit(broker: StubBroker, org: Org) -> None:
    retitle = declare(broker)
    advocate = await make_advocate(org.id)
    async with unit_of_work() as session:
        jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="Champion")
        assert broker.queues["default"].qsize() == 0
    assert broker.queues["default"].qsize() == 1


async def test_rollback_drops_the_message(broker: StubBroker, org: Org) -> None:
    retitle = declare(broker)
    advocate = await make_advocate(org.id)
    with pytest.raises(RuntimeError):
        async with unit_of_work() as session:
            jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="Never")
            raise RuntimeError("the unit of work fails")
    assert broker.queues["default"].qsize() == 0
    async with unit_of_work() as session:
        assert session.sync_session.info.get("advocacy.pending_messages") is None


async def test_worker_runs_the_job_in_its_own_unit_of_work(
    broker: StubBroker, worker: dramatiq.Worker, org: Org
) -> None:
    retitle = declare(broker)
    advocate = await make_advocate(org.id, title="Engineer")
    assert advocate.id is not None
    async with unit_of_work() as session:
        jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="Champion")
    broker.join("default", fail_fast=True)
    worker.join()
    assert await title_of(advocate.id) == "Champion"
    assert attempts[advocate.id] == 1


async def test_a_failed_attempt_is_rolled_back_and_retried(
    broker: StubBroker, worker: dramatiq.Worker, org: Org
) -> None:
    retitle = declare(broker, fail_first=True)
    advocate = await make_advocate(org.id, title="Engineer")
    assert advocate.id is not None
    async with unit_of_work() as session:
        jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="Champion")
    broker.join("default")
    worker.join()
    assert attempts[advocate.id] == 2
    assert seen_titles[advocate.id] == ["Engineer", "Engineer"]  # the failed write rolled back
    assert await title_of(advocate.id) == "Champion"


class UnreachableBroker(StubBroker):
    def enqueue(self, message: Any, *, delay: int | None = None) -> Any:
        raise ConnectionError("broker down")


async def test_a_broker_outage_after_commit_does_not_undo_or_fail_the_work(org: Org) -> None:
    """The rows are committed and say what is left to do; the sweeper rings again later."""
    down = UnreachableBroker()
    down.add_middleware(AsyncIO())
    retitle = declare(down)
    advocate = await make_advocate(org.id, title="Engineer")
    async with unit_of_work() as session:
        await session.execute(
            update(Advocate).where(Advocate.id == advocate.id).values(title="Saved")  # type: ignore[arg-type]
        )
        jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="Champion")
    assert await title_of(advocate.id or 0) == "Saved"
    down.close()


async def test_savepoints_keep_released_messages_and_drop_rolled_back_ones(
    broker: StubBroker, org: Org
) -> None:
    """sendGifts and the reward/rule jobs send inside savepoints: a released savepoint's message
    waits for the outer commit, a rolled-back one's is dropped, the others survive it."""
    retitle = declare(broker)
    advocate = await make_advocate(org.id)
    queue = broker.queues["default"]
    async with unit_of_work() as session:
        jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="outer")
        async with session.begin_nested():
            jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="kept")
        assert queue.qsize() == 0  # releasing a savepoint sends nothing yet
        with pytest.raises(RuntimeError):
            async with session.begin_nested():
                jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="gone")
                raise RuntimeError("this advocate's send fails")
        async with session.begin_nested(), session.begin_nested():
            jobs.enqueue_after_commit(session, retitle, advocate_id=advocate.id, title="deep")
        assert queue.qsize() == 0
    sent = [broker.queues["default"].get_nowait() for _ in range(queue.qsize())]
    titles = [dramatiq.Message.decode(raw).kwargs["title"] for raw in sent]
    assert titles == ["outer", "kept", "deep"]
