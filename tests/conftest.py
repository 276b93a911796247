from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from advocacy.app import create_app
from advocacy.config import get_settings
from advocacy.gifting.link_attempts import AttemptCounter
from advocacy.graphql.ids import encode_id
from advocacy.kit import jobs
from advocacy.kit.db import dispose_engine, make_engine, set_engine, unit_of_work
from advocacy.tenancy import service as tenancy_service
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import system_principal
from tests.fixtures.api import Api
from tests.fixtures.database import prepare_database, test_database_url
from tests.fixtures.smtp import smtp_server  # noqa: F401  (a fixture for every test module)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return test_database_url(Path(tmp_path_factory.mktemp("db")))


@pytest.fixture(scope="session", autouse=True)
async def database(database_url: str) -> AsyncIterator[str]:
    await prepare_database(database_url)
    engine = make_engine(database_url, pool_size=20)
    set_engine(engine)
    yield database_url
    await dispose_engine()


@pytest.fixture(scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The app every test shares. All its requests come from one address, so the brake on
    guessing gift links would add up every test's misses: it gets a limit no run reaches
    (the brake's own tests build an app of their own)."""
    app = create_app()
    app.state.gift_attempts = AttemptCounter(limit=10**9, window_seconds=3600)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@dataclass
class Org:
    """A fresh organization per test: rows of other tests are in other organizations, so tests
    are isolated by the same tenancy rules the product enforces."""

    id: int
    slug: str
    gid: str
    tokens: dict[Role, str]


async def create_org(name: str = "Test Org") -> Org:
    slug = f"t-{uuid.uuid4().hex[:12]}"
    async with unit_of_work() as session:
        organization = await tenancy_service.create_organization(session, slug=slug, name=name)
        assert organization.id is not None
        tokens = {}
        for role in Role:
            issued = await tenancy_service.create_api_token(
                session, system_principal(organization.id), name=f"{role}-token", role=role
            )
            tokens[role] = issued.secret
    return Org(organization.id, slug, encode_id("Organization", organization.id), tokens)


@pytest.fixture
async def org() -> Org:
    return await create_org()


@pytest.fixture
async def other_org() -> Org:
    return await create_org("Other Org")


@pytest.fixture
def admin(client: httpx.AsyncClient, org: Org) -> Api:
    return Api(client, org.tokens[Role.ADMIN])


@pytest.fixture
def marketer(client: httpx.AsyncClient, org: Org) -> Api:
    return Api(client, org.tokens[Role.MARKETER])


@pytest.fixture
def viewer(client: httpx.AsyncClient, org: Org) -> Api:
    return Api(client, org.tokens[Role.VIEWER])


@pytest.fixture
def anonymous(client: httpx.AsyncClient) -> Api:
    return Api(client, None)


@pytest.fixture
def outsider(client: httpx.AsyncClient, other_org: Org) -> Api:
    """An admin of another organization."""
    return Api(client, other_org.tokens[Role.ADMIN])


@pytest.fixture
async def job_engine(database: str) -> AsyncIterator[None]:
    """Jobs (fulfilment, emails, periodic) run in this process against the test database."""
    engine = make_engine(database, pool_size=4)
    jobs.use_job_engine(engine)
    yield
    jobs.use_job_engine(None)
    # An in-process worker may have opened connections on its own event loop; closing them
    # from this one fails, so let them go without a goodbye.
    await engine.dispose(close=False)


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """``configure(fulfilment_url=…, fulfil_max_attempts=…)``: settings for this test only."""

    def apply(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"ADVOCACY_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()
