"""Fixtures for the browser tests: one ``advocacy serve`` process on the test database and
Redis, one headless Chromium, and a fresh browser context (phone-sized) per test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    async_playwright,
)

from tests.fixtures.browser import PHONE, launch, screenshot_path
from tests.fixtures.database import TEST_REDIS_URL_ENV, services_missing
from tests.fixtures.processes import Process, running_processes, service_env


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need the served app (a browser's) need PostgreSQL and Redis; the others here
    run on whatever database the suite has."""
    reason = services_missing()
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        needs_server = "web_server" in getattr(item, "fixturenames", ())
        if here in item.path.parents and needs_server:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
async def web_server(
    database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Process, str]]:
    """``advocacy serve`` as a browser reaches it: its process and base URL."""
    with running_processes(tmp_path_factory.mktemp("web")) as started:
        yield await started.api(service_env(database, os.environ[TEST_REDIS_URL_ENV]))


@pytest.fixture(scope="session")
def base_url(web_server: tuple[Process, str]) -> str:
    return web_server[1]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport=PHONE, locale="en-US")
    yield context
    await context.close()


@pytest.fixture
async def page(context: BrowserContext, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A page whose script errors, CSP violations and failed subresources (a script, style or
    image that didn't load) fail the test, with a screenshot of where it ended. A page itself
    may answer 4xx: an invalid gift link is meant to."""
    page = await context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def on_response(response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    if not page.is_closed():
        await page.screenshot(path=screenshot_path(request.node.name, "end"), full_page=True)
    assert problems == [], f"the page logged errors: {problems}"


@pytest.fixture
async def browser_like(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client with its own cookie jar, on the app, like one browser (no redirects followed)."""
    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://test", follow_redirects=False
    ) as http:
        yield http
