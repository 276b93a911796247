"""The brake on guessing gift links, on both of its stores: Redis (shared by every API
process) and memory (the embedded setup)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from advocacy.gifting.link_attempts import AttemptCounter, brake_redis, client_fingerprint
from tests.fixtures.database import TEST_REDIS_URL_ENV
from tests.fixtures.provider_server import free_port


@pytest.fixture(params=["memory", "redis"])
async def counter(request: pytest.FixtureRequest) -> AsyncIterator[AttemptCounter]:
    redis = None
    if request.param == "redis":
        url = os.environ.get(TEST_REDIS_URL_ENV)
        if not url:
            pytest.skip(f"needs Redis: set {TEST_REDIS_URL_ENV}")
        redis = Redis.from_url(url)
    counter = AttemptCounter(
        limit=3, window_seconds=600, redis=redis, prefix=f"test:{uuid.uuid4().hex}"
    )
    yield counter
    await counter.close()


async def test_attempts_past_the_limit_are_refused_and_refunds_give_them_back(
    counter: AttemptCounter,
) -> None:
    assert [await counter.take("a") for _ in range(3)] == [True, True, True]
    assert await counter.take("a") is False
    assert await counter.take("b") is True  # another client has its own count
    await counter.refund("a")
    await counter.refund("a")
    assert await counter.take("a") is True


async def test_a_new_window_starts_from_zero(
    counter: AttemptCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = 1_000_000_000.0
    monkeypatch.setattr("advocacy.gifting.link_attempts.time.time", lambda: now)
    for _ in range(4):
        await counter.take("a")
    assert await counter.take("a") is False
    assert counter.retry_after() == 600 - int(now) % 600
    now += 600
    assert await counter.take("a") is True


async def test_without_redis_the_brake_is_off_not_the_page() -> None:
    redis = brake_redis(f"redis://127.0.0.1:{free_port()}/0")
    down = AttemptCounter(limit=1, window_seconds=600, redis=redis)
    assert [await down.take("a") for _ in range(3)] == [True, True, True]
    await down.refund("a")
    await down.close()


def _connection(host: str) -> HTTPConnection:
    return HTTPConnection({"type": "http", "client": (host, 1234), "headers": []})


def test_clients_are_a_keyed_hash_and_ipv6_counts_by_its_64() -> None:
    first = client_fingerprint(_connection("2001:db8:1:2::1"))
    assert first == client_fingerprint(_connection("2001:db8:1:2:ffff::9"))
    assert first != client_fingerprint(_connection("2001:db8:1:3::1"))
    assert "203.0.113.7" not in client_fingerprint(_connection("203.0.113.7"))
    assert client_fingerprint(_connection("203.0.113.7")) != client_fingerprint(
        _connection("203.0.113.8")
    )
