"""Health endpoints and GraphQL limits."""

import os

import httpx
import pytest

from advocacy.app import create_app
from advocacy.config import Settings
from advocacy.graphql.schema import build_schema
from advocacy.kit import jobs
from advocacy.kit.db import get_engine, make_engine, set_engine
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.database import TEST_REDIS_URL_ENV


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_reports_database_and_broker(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(client: httpx.AsyncClient) -> None:
    working = get_engine()
    broken = make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/nothing")
    set_engine(broken)
    try:
        response = await client.get("/readyz")
    finally:
        set_engine(working)
        await broken.dispose()
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("unreachable")


@pytest.fixture
def broker_at(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Point the process's broker at a Redis URL for one test."""

    def configure(url: str) -> None:
        from advocacy.config import get_settings

        monkeypatch.setattr(get_settings(), "redis_url", url)
        monkeypatch.setattr(jobs, "_broker", None)

    yield configure
    jobs._broker = None


async def test_readyz_pings_redis_when_configured(client: httpx.AsyncClient, broker_at) -> None:  # type: ignore[no-untyped-def]
    url = os.environ.get(TEST_REDIS_URL_ENV)
    if not url:
        pytest.skip(f"{TEST_REDIS_URL_ENV} is not set (CI sets it)")
    broker_at(url)
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["broker"] == "ok"


async def test_readyz_is_503_when_redis_is_unreachable(
    client: httpx.AsyncClient, broker_at
) -> None:  # type: ignore[no-untyped-def]
    broker_at("redis://127.0.0.1:1/0")
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("unreachable")


async def test_query_depth_is_limited(viewer: Api) -> None:
    deep = "{ advocates { nodes { account { advocates { nodes { account { advocates { nodes { account { advocates { nodes { name } } } } } } } } } } } }"  # noqa: E501
    body = await viewer.raw(deep)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert body.get("data") is None


async def test_aliases_are_limited(viewer: Api) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(20)) + " }"
    body = await viewer.raw(query)
    assert "aliases found" in body["errors"][0]["message"]


async def test_token_count_is_limited(viewer: Api) -> None:
    query = "{ viewer { " + " ".join(["role"] * 3000) + " } }"
    body = await viewer.raw(query)
    assert "more than 2000 tokens" in body["errors"][0]["message"]


async def test_first_is_capped(viewer: Api) -> None:
    assert await viewer.error_code("{ advocates(first: 101) { totalCount } }") == "BAD_USER_INPUT"


async def test_unexpected_errors_are_masked(viewer: Api, org: Org) -> None:
    body = await viewer.raw('{ advocates(after: "bm90IGEgY3Vyc29y") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"  # a bad cursor is ours


async def test_introspection_is_off_in_production_unless_enabled(org: Org) -> None:
    settings = Settings(environment="production", secret_key="x" * 40, public_url="https://x.test")
    production = build_schema(settings)
    app = create_app(production)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        api = Api(http, org.tokens[next(iter(org.tokens))])
        body = await api.raw("{ __schema { types { name } } }")
        assert "introspection" in body["errors"][0]["message"].lower()
        assert (await api("{ viewer { role } }"))["viewer"]["role"]
    enabled = build_schema(
        Settings(
            environment="production",
            secret_key="x" * 40,
            public_url="https://x.test",
            graphql_introspection=True,
        )
    )
    result = await enabled.execute("{ __schema { queryType { name } } }")
    assert result.errors is None


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(ValueError, match="ADVOCACY_SECRET_KEY"):
        Settings(environment="production")


async def test_database_engine_is_the_test_one(database: str) -> None:
    assert str(get_engine().url).split("://")[0] == database.split("://")[0]
