"""Fixtures for the reliability tests: real API, worker and scheduler processes on PostgreSQL
and Redis, and the real local HTTP fulfilment provider."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.fixtures.database import TEST_REDIS_URL_ENV, services_missing
from tests.fixtures.processes import Process, Processes, running_processes, service_env
from tests.fixtures.provider_server import ProviderState, running_provider

PROVIDER_SECRET = "reliability-provider-secret"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = services_missing()
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def redis_url() -> str:
    """The test Redis, emptied: no message of an earlier test (say, one a killed worker held)
    reaches this test's worker. ADVOCACY_TEST_REDIS_URL must name a database the tests own."""
    url = os.environ[TEST_REDIS_URL_ENV]
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    with running_processes(tmp_path) as started:
        yield started


@pytest.fixture(scope="module")
async def api_server(
    database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Process, str]]:
    """``advocacy serve`` on the test database and Redis: what marketers and advocates call.
    Its mutations enqueue to Redis after commit, for the worker processes."""
    with running_processes(tmp_path_factory.mktemp("api")) as started:
        yield await started.api(service_env(database, os.environ[TEST_REDIS_URL_ENV]))


@pytest.fixture
async def http(api_server: tuple[Process, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api_server[1], timeout=30) as client:
        yield client


@pytest.fixture
def provider() -> Iterator[tuple[str, ProviderState]]:
    with running_provider(PROVIDER_SECRET) as (url, state):
        yield url, state
