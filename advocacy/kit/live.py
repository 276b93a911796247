"""Live updates for GraphQL subscriptions: a small publish/subscribe bus.

Services say what changed with ``publish_after_commit`` (nothing leaves before the change is
committed, nothing at all after a rollback). With ``ADVOCACY_REDIS_URL`` the messages go
through Redis pub/sub, so a subscriber on any API process hears what any worker or API
process changed; embedded (no Redis), an in-process bus carries them between the worker
thread and the API's event loop. Messages are hints ("gift send 42 of program 7 changed"):
subscribers read the current state from the database, so a lost or duplicated message costs
at most a missed or repeated refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import threading
from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.config import get_settings
from advocacy.kit.jobs import run_after_commit

log = logging.getLogger("advocacy.live")

CHANNEL_PREFIX = "advocacy:live:"
INTERRUPTED = {"kind": "interrupted"}
"""Put in a subscriber's queue when its feed broke (Redis went away): it ends the
subscription with an error, so the client resubscribes instead of waiting forever."""


def _offer(queue: asyncio.Queue[Any], message: dict[str, Any]) -> None:
    """A full queue means a subscriber far behind: drop the hint (they are refreshes, and the
    next one carries the news)."""
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(message)


def channel_of(organization_id: int) -> str:
    return f"{CHANNEL_PREFIX}{organization_id}"


def publish_after_commit(session: AsyncSession, organization_id: int, **message: Any) -> None:
    """Publish once the change commits, under the same savepoint rules as job messages (a
    rolled-back savepoint's hints are dropped with it)."""
    run_after_commit(
        session,
        "live update",
        functools.partial(bus().publish, channel_of(organization_id), message),
    )


class LocalBus:
    """In-process fan-out, safe to publish to from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[
            str, list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]]
        ] = {}

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers.get(channel, []))
        for loop, inbox in targets:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(_offer, inbox, message)

    def listeners(self, channel: str) -> int:
        """How many subscriptions listen on ``channel`` now."""
        with self._lock:
            return len(self._subscribers.get(channel, []))

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue[Any]]:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1000)
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.setdefault(channel, []).append(entry)
        try:
            yield queue
        finally:
            with self._lock:
                self._subscribers[channel].remove(entry)


class RedisBus:
    """Redis pub/sub. Publishing hands the message to a background thread (the commit hook
    runs on the event loop, and a Redis that is slow or down must not stall requests); each
    subscription holds its own asyncio connection, forwarding into a queue."""

    def __init__(self, url: str) -> None:
        import redis

        self._url = url
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._outbox: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        threading.Thread(target=self._publisher, name="live-publisher", daemon=True).start()

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        self._outbox.put((channel, orjson.dumps(message)))

    def _publisher(self) -> None:
        while True:
            channel, data = self._outbox.get()
            try:
                self._client.publish(channel, data)
            except Exception:
                log.warning("could not publish a live update to Redis", exc_info=True)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue[Any]]:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self._url)
        pubsub = client.pubsub()
        await pubsub.subscribe(channel)
        # Wait for Redis to confirm, so nothing published after we return is missed.
        while (await pubsub.get_message(timeout=2.0)) is None:
            pass
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1000)

        async def forward() -> None:
            try:
                async for raw in pubsub.listen():
                    if raw.get("type") == "message":
                        _offer(queue, orjson.loads(raw["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live updates from Redis interrupted", exc_info=True)
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(INTERRUPTED)

        task = asyncio.create_task(forward())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe(channel)
                await pubsub.aclose()
                await client.aclose()


_bus: LocalBus | RedisBus | None = None


def bus() -> LocalBus | RedisBus:
    global _bus
    if _bus is None:
        url = get_settings().redis_url
        _bus = RedisBus(url) if url else LocalBus()
    return _bus
