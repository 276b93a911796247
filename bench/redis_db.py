"""The Redis database the gifting benchmarks own (``BENCH_REDIS_URL``)."""

from __future__ import annotations

import redis

from bench.config import BenchError

OUR_PREFIXES = (b"dramatiq:", b"bench:")


def emptied(url: str) -> redis.Redis:
    """A client of the benchmarks' Redis database, emptied (FLUSHDB). Warns when it held keys
    no benchmark writes: something else may be using it, and would disturb the benchmarks."""
    client = redis.Redis.from_url(url)
    try:
        foreign = [key for key in client.scan_iter(count=1000) if not key.startswith(OUR_PREFIXES)]
        client.flushdb()
    except redis.RedisError as error:
        raise BenchError(f"can't use Redis at {url} (BENCH_REDIS_URL): {error}") from error
    if foreign:
        print(
            f"bench: warning: Redis {url} held {len(foreign)} keys of something else "
            f"(e.g. {foreign[0]!r}); emptied it. Set BENCH_REDIS_URL to a database of its own."
        )
    return client
