"""Timing one Dramatiq worker through a batch of messages, and what the batch cost whom.

``drain`` enqueues every message (the worker starts on them meanwhile), polls until the work
of all is done and none is left unacked, and reads the CPU the worker's processes and the bench
database's backends spent meanwhile. ``Probe`` is the benchmark's own connection to the bench
database; it counts its statements so they can be left out of the worker's.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from bench import cpu
from bench.config import BENCH_DATABASE, BenchConfig, BenchError

DRAIN_TIMEOUT = 300.0
LOST_AFTER_S = 2.0


@dataclass(frozen=True)
class Drain:
    """One timed drain of ``messages`` messages."""

    messages: int
    enqueue_s: float
    """Enqueueing them all (the worker starts meanwhile)."""
    first_done_s: float | None
    """From the first enqueue until the first message's work was done: the worker's pick-up
    delay (an idle Dramatiq consumer polls at up to 1 s intervals)."""
    seconds: float
    """From the first enqueue until all were done and acked."""
    worker_cpu_s: float
    """CPU of the worker's processes over the drain."""
    postgres_cpu_s: float | None
    """CPU of the bench database's backends but the benchmark's own, over the drain (None when
    PostgreSQL isn't on this machine)."""

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def per_message_ms(self, seconds: float | None) -> str:
        return "n/a" if seconds is None else f"{seconds / self.messages * 1000:.2f}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"msgs_per_s": self.rate}


def enqueue(broker: RedisBroker, actor: str, queue: str, kwargs: list[dict[str, int]]) -> float:
    """Enqueue one message per ``kwargs`` for ``actor`` on ``queue``; the seconds it took."""
    started = time.perf_counter()
    for each in kwargs:
        broker.enqueue(dramatiq.Message(queue, actor, (), each, {}))
    return time.perf_counter() - started


def messages_waiting(client: redis.Redis, queue: str) -> int:
    """Enqueued or fetched but not yet acked, including retries waiting on the delay queue."""
    waiting = client.hlen(f"dramatiq:{queue}.msgs")
    delayed = client.hlen(f"dramatiq:{queue}.DQ.msgs")
    return int(waiting) + int(delayed)


async def wait_until(
    check: Callable[[], Awaitable[bool]],
    worker: subprocess.Popen[bytes],
    what: str,
    limit_s: float,
    poll_s: float,
) -> float:
    """Poll ``check`` until true; the ``perf_counter`` time it was first seen true."""
    deadline = time.perf_counter() + limit_s
    while not await check():
        if worker.poll() is not None:
            raise BenchError(f"the worker exited ({worker.returncode}) while {what}")
        if time.perf_counter() > deadline:
            raise BenchError(f"timed out after {limit_s:.0f}s {what}")
        await asyncio.sleep(poll_s)
    return time.perf_counter()


@dataclass(frozen=True)
class Watch:
    """One drain: how to enqueue its messages and follow them, with cheap checks polled every
    ``poll_s``."""

    queue: str
    messages: int
    enqueue: Callable[[], float]
    """Enqueue every message; the seconds it took."""
    done: Callable[[], Awaitable[bool]]
    """Every message's work is done."""
    first_done_at: Callable[[], Awaitable[float | None]]
    """When (``time.time()``) the first message's work was done; asked after the drain."""
    postgres_pids: Callable[[], Awaitable[list[int]]]
    """The bench database's backends but the one asking."""
    poll_s: float


async def drain(
    worker: subprocess.Popen[bytes], client: redis.Redis, watch: Watch, log_hint: str
) -> Drain:
    """Enqueue every message (the worker starts on them meanwhile), then wait until every
    message's work is done and no message is left unacked on the queue."""
    worker_cpu = cpu.group_seconds(worker.pid)
    postgres_cpu = cpu.per_process_seconds(await watch.postgres_pids())
    started_at, started = time.time(), time.perf_counter()
    enqueue_s = watch.enqueue()

    what = f"draining {watch.messages} messages from queue {watch.queue!r} ({log_hint})"
    lost_since: float | None = None

    async def finished() -> bool:
        nonlocal lost_since
        waiting = messages_waiting(client, watch.queue)
        if await watch.done():
            return waiting == 0
        # Work left but no message for it: they left Redis without being run.
        lost_since = (lost_since or time.perf_counter()) if waiting == 0 else None
        if lost_since is not None and time.perf_counter() - lost_since > LOST_AFTER_S:
            raise BenchError(
                f"messages vanished from Redis while {what}: is something else using this "
                "Redis database (BENCH_REDIS_URL)?"
            )
        return False

    done = await wait_until(finished, worker, what, DRAIN_TIMEOUT, watch.poll_s)
    postgres_after = cpu.per_process_seconds(await watch.postgres_pids())
    first_done_at = await watch.first_done_at()
    return Drain(
        messages=watch.messages,
        enqueue_s=enqueue_s,
        first_done_s=None if first_done_at is None else first_done_at - started_at,
        seconds=done - started,
        worker_cpu_s=cpu.group_seconds(worker.pid) - worker_cpu,
        postgres_cpu_s=cpu.spent_since(postgres_cpu, postgres_after) if postgres_after else None,
    )


BACKENDS = """
SELECT coalesce(array_agg(pid), '{}') FROM pg_stat_activity
WHERE datname = $1 AND pid <> pg_backend_pid()
"""


@dataclass
class Probe:
    """The benchmark's own connection to the bench database. It counts its statements, to
    leave them out of the worker's."""

    connection: asyncpg.Connection
    local: bool
    """PostgreSQL runs on this machine, so its backends' CPU can be read."""
    statements: int = 0

    async def holds(self, statement: str, *args: Any) -> bool:
        return bool(await self.value(statement, *args))

    async def value(self, statement: str, *args: Any) -> Any:
        self.statements += 1
        return await self.connection.fetchval(statement, *args)

    async def backends(self) -> list[int]:
        if not self.local:
            return []
        self.statements += 1
        return list(await self.connection.fetchval(BACKENDS, BENCH_DATABASE))


@asynccontextmanager
async def probe(config: BenchConfig) -> AsyncIterator[Probe]:
    connection = await asyncpg.connect(config.dsn(BENCH_DATABASE), timeout=5)
    try:
        yield Probe(connection, config.pg_host in {"127.0.0.1", "localhost", "::1"})
    finally:
        await connection.close()
