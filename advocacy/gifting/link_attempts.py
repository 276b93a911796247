"""Failed attempts with gift links, counted per client: the brake on guessing links.

A link token is 256 random-looking bits, so guessing is hopeless already; this makes it
visibly so and keeps a sprayer from loading the database. A *miss* is a lookup of an unknown
link or a move refused with ``GIFT_LINK_INVALID``, through the gift page or ``/graphql`` alike
(the advocate resolvers count them). A move that lost a race on an open link
(``GIFT_CHANGED``) is no miss: the link is real. Once a client has more misses than the limit in the
current fixed window, every gift-link operation of theirs is refused until the window ends —
hits included, so the answer tells a guesser nothing.

Clients are told apart by a keyed hash of their address (IPv6 by its /64, which one host can
rotate within); the address itself is never kept. With Redis configured every API process
shares the count (``INCR`` + ``EXPIRE``); embedded (one process) it is counted in memory. If
Redis fails, the brake is off and a warning logged: the token's entropy still protects the
gifts, and advocates keep their page.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from dataclasses import dataclass, field

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from starlette.requests import HTTPConnection

from advocacy.config import get_settings
from advocacy.kit.signing import Purpose, keyed_hex

log = logging.getLogger("advocacy.gifting.link_attempts")
MEMORY_CLIENTS = 100_000
"""Clients the in-memory count follows per window; more are let through uncounted."""


def client_fingerprint(connection: HTTPConnection) -> str:
    """A keyed hash of the client's address (an IPv6 one by its /64 network)."""
    address = connection.client.host if connection.client else "unknown"
    try:
        parsed = ipaddress.ip_address(address)
        if parsed.version == 6:
            address = str(ipaddress.ip_network(f"{address}/64", strict=False))
    except ValueError:
        pass
    return keyed_hex(Purpose.GIFT_LINK_ATTEMPTS, address, length=32)


@dataclass
class AttemptCounter:
    limit: int
    window_seconds: int
    redis: Redis | None = None
    prefix: str = "advocacy:gift-link:misses"
    _window: int = -1
    _memory: dict[str, int] = field(default_factory=dict)

    def _current(self) -> int:
        return int(time.time()) // self.window_seconds

    def retry_after(self) -> int:
        """Seconds until the current window ends."""
        return self.window_seconds - int(time.time()) % self.window_seconds

    def _key(self, client: str) -> str:
        return f"{self.prefix}:{client}:{self._current()}"

    def _memory_for_now(self) -> dict[str, int]:
        window = self._current()
        if window != self._window:  # a fixed window: the last one's counts are worth nothing
            self._window, self._memory = window, {}
        return self._memory

    async def take(self, client: str) -> bool:
        """Count one attempt of ``client`` up front (so concurrent ones can't all slip under
        the limit); False when it is over the limit. ``refund`` it when the link worked."""
        return await self._add(client, 1) <= self.limit

    async def refund(self, client: str) -> None:
        await self._add(client, -1)

    async def _add(self, client: str, amount: int) -> int:
        if self.redis is None:
            memory = self._memory_for_now()
            if client not in memory and len(memory) >= MEMORY_CLIENTS:
                return 0  # too many to follow: let it through uncounted
            memory[client] = memory.get(client, 0) + amount
            return memory[client]
        key = self._key(client)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incrby(key, amount)
                pipe.expire(key, self.window_seconds)
                count, _ = await pipe.execute()
        except RedisError as error:
            log.warning("gift-link attempts not counted (Redis: %s)", error)
            return 0
        return int(count)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def brake_redis(url: str) -> Redis:
    """A client that gives up fast: with Redis down, a gift page waits half a second for the
    brake at most, not redis-py's retries."""
    return Redis.from_url(
        url, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )


def attempt_counter() -> AttemptCounter:
    settings = get_settings()
    redis = brake_redis(settings.redis_url) if settings.redis_url else None
    return AttemptCounter(
        limit=settings.gift_link_misses,
        window_seconds=settings.gift_link_window_seconds,
        redis=redis,
    )
