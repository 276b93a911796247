"""A fixed-window attempt counter per client fingerprint, for the gift page.

With Redis configured every API process shares the count (``INCR`` + ``EXPIRE``); the embedded
setup (no Redis, one process) counts in memory. Either way a window's count resets by itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from redis.asyncio import Redis

from advocacy.config import get_settings


@dataclass
class AttemptCounter:
    limit: int
    window_seconds: int
    redis: Redis | None = None
    prefix: str = "advocacy:gift-page:attempts"
    _memory: dict[str, tuple[int, int]] = field(default_factory=dict)

    def _window(self) -> int:
        return int(time.time()) // self.window_seconds

    async def hit(self, client: str) -> bool:
        """Count one attempt of ``client``; False once it is over the limit in this window."""
        window = self._window()
        if self.redis is not None:
            key = f"{self.prefix}:{client}:{window}"
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self.window_seconds)
                count, _ = await pipe.execute()
            return int(count) <= self.limit
        seen_window, count = self._memory.get(client, (window, 0))
        count = count + 1 if seen_window == window else 1
        if len(self._memory) > 100_000:  # bounded under a spray of addresses
            self._memory = {k: v for k, v in self._memory.items() if v[0] == window}
        self._memory[client] = (window, count)
        return count <= self.limit

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def attempt_counter() -> AttemptCounter:
    settings = get_settings()
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    return AttemptCounter(
        limit=settings.gift_page_attempts,
        window_seconds=settings.gift_page_window_seconds,
        redis=redis,
    )
