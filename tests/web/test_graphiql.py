"""GraphiQL at ``/graphql`` is our own page: every script and style from ``/static`` (vendored
from package-lock.json), a CSP that allows nothing else, and it works — in a real Chromium a
query runs with a pasted token and its result shows."""

from __future__ import annotations

import json
import re

import httpx
from playwright.async_api import BrowserContext, Page, expect

from advocacy.tenancy.models import Role
from tests.conftest import Org
from tests.fixtures.browser import screenshot_path

HTML = {"accept": "text/html"}


async def test_the_page_loads_only_our_own_files(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp
    assert "https:" not in csp and "unsafe" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert "unpkg" not in page.text and "cdn" not in page.text.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/") or a.startswith("data:") for a in assets)
    for asset in (a for a in assets if a.startswith("/static/")):
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert served.content, asset
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it


async def test_a_query_runs_in_graphiql_in_a_browser(
    page: Page, context: BrowserContext, base_url: str, org: Org
) -> None:
    """As a person would: open /graphql, the token in the Headers tab (GraphiQL keeps the
    headers in localStorage, where we put them), run the welcome query, read the result."""
    headers = json.dumps({"Authorization": f"Bearer {org.tokens[Role.ADMIN]}"})
    await context.add_init_script(
        f"window.localStorage.setItem('graphiql:headers', {json.dumps(headers)});"
    )
    await page.set_viewport_size({"width": 1280, "height": 800})
    answer = await page.goto(f"{base_url}/graphql")
    assert answer is not None and answer.status == 200
    await expect(page.locator(".graphiql-container")).to_be_visible()
    await expect(page.locator(".graphiql-query-editor")).to_contain_text("viewer")
    async with page.expect_response(
        lambda response: (
            response.url.endswith("/graphql")
            and response.request.method == "POST"
            and "viewer" in (response.request.post_data or "")
        )
    ) as ran:
        await page.locator(".graphiql-execute-button").click()
    assert (await ran.value).status == 200
    result = page.locator(".graphiql-response")
    await expect(result).to_contain_text('"role": "ADMIN"')
    await expect(result).to_contain_text('"name": "Test Org"')
    await page.screenshot(path=screenshot_path("graphiql", "query-result"), full_page=True)
