"""The unsubscribe page in a real browser (Debian's Chromium), on a phone and a desktop: what
an advocate does after clicking "unsubscribe" in a nudge email. Screenshots land in the
browser artifacts folder for a person to look at."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from advocacy.engagement.unsubscribe import unsubscribe_token
from tests.conftest import Org
from tests.fixtures.browser import PHONE, screenshot_path
from tests.fixtures.factories import make_advocate
from tests.web.accessibility import axe_violations
from tests.web.test_unsubscribe_page import unsubscribed

DESKTOP = {"width": 1280, "height": 800}


@pytest.mark.parametrize("device", ["phone", "desktop"])
async def test_unsubscribe_with_the_keyboard_accessibly_in_two_languages(
    browser: Browser, base_url: str, org: Org, device: str, request: pytest.FixtureRequest
) -> None:
    advocate = await make_advocate(org.id)
    link = f"{base_url}/u/{unsubscribe_token(advocate.id or 0)}"
    viewport = PHONE if device == "phone" else DESKTOP
    # bypass_csp only so axe-core can be injected; the page's own CSP is tested over HTTP.
    context = await browser.new_context(viewport=viewport, locale="de-DE", bypass_csp=True)
    page = await context.new_page()
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Diese E-Mails abbestellen?")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert await axe_violations(page) == [], "ask (de)"
    await page.screenshot(path=screenshot_path(request.node.name, "1-ask-de"), full_page=True)

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Unsubscribe from these emails?"
    )
    await page.screenshot(path=screenshot_path(request.node.name, "2-ask-en"), full_page=True)
    assert not await unsubscribed(advocate.id or 0)

    await page.get_by_role("button", name="Unsubscribe").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
    await expect(page.get_by_role("status")).to_contain_text("Test Org")
    assert await axe_violations(page) == [], "done"
    await page.screenshot(path=screenshot_path(request.node.name, "3-done"), full_page=True)
    assert await unsubscribed(advocate.id or 0)

    await page.goto(f"{base_url}/u/not-a-link")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dieser Link ist ungültig")
    assert await axe_violations(page) == [], "invalid link"
    await context.close()
