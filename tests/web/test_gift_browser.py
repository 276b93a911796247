"""The gift page in a real browser (Debian's Chromium, phone-sized): what an advocate does
after clicking the link in their email."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from advocacy.gifting.models import GiftSendStatus
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.browser import PHONE, screenshot_path
from tests.fixtures.gifting import expire
from tests.fixtures.processes import Process
from tests.web.accessibility import axe_violations
from tests.web.gift_data import NOTE, physical_gift, set_status

STATUS = "query($token: String!) { gift(token: $token) { status item { name } } }"


async def shot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    await page.screenshot(path=screenshot_path(request.node.name, step), full_page=True)


async def fits_the_screen(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


async def test_swap_then_redeem_with_an_address_on_a_phone(
    page: Page,
    base_url: str,
    marketer: Api,
    anonymous: Api,
    org: Org,
    request: pytest.FixtureRequest,
) -> None:
    gift = await physical_gift(marketer, org)
    await page.goto(base_url + gift.path)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Test Org sent you a gift")
    await expect(page.get_by_text(NOTE)).to_be_visible()
    assert await fits_the_screen(page)
    await shot(page, request, "1-offered")

    await page.get_by_role("button", name="Swap to Enamel mug").click()
    await expect(page.get_by_role("status")).to_contain_text("your gift is now Enamel mug")
    await shot(page, request, "2-swapped")

    # A name of spaces passes the browser's own check; the server's message lands by the field.
    await page.get_by_label("Full name").fill("   ")
    await page.get_by_label("Street and number").fill("1 Analytical St")
    await page.get_by_label("City").fill("London")
    await page.get_by_label("Country").select_option("GB")
    await page.get_by_role("button", name="Accept and ship it to me").click()
    name = page.get_by_label("Full name")
    await expect(name).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#field-name-error")).to_have_text("Please fill this in.")
    await expect(page.get_by_label("Street and number")).to_have_value("1 Analytical St")
    await shot(page, request, "3-validation")

    await name.fill("Ada Lovelace")
    await name.press("Enter")  # the keyboard submits the form
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your gift is on its way")
    await expect(page.get_by_text("ship it to the address you gave")).to_be_visible()
    await shot(page, request, "4-redeemed")
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your gift is on its way")
    assert await page.get_by_role("button").count() == 0  # nothing left to do twice
    gift_now = (await anonymous(STATUS, {"token": gift.token}))["gift"]
    assert gift_now["item"]["name"] == "Enamel mug"
    assert gift_now["status"] in {"REDEEMED", "FULFILLING", "FULFILLED"}  # a worker may be quick


async def test_decline(page: Page, base_url: str, marketer: Api, anonymous: Api, org: Org) -> None:
    gift = await physical_gift(marketer, org)
    await page.goto(base_url + gift.path)
    decline = page.get_by_role("button", name="No thanks, decline this gift")
    await decline.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("You declined this gift")
    assert (await anonymous(STATUS, {"token": gift.token}))["gift"]["status"] == "DECLINED"


async def test_an_expired_link(page: Page, base_url: str, marketer: Api, org: Org) -> None:
    gift = await physical_gift(marketer, org)
    await expire(gift.sent)
    await page.goto(base_url + gift.path)
    await expect(page.get_by_role("heading", level=1)).to_have_text("This gift has expired")
    assert await page.locator("form").count() == 0


async def test_an_invalid_link(page: Page, base_url: str) -> None:
    response = await page.goto(f"{base_url}/gift/not-a-real-link")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("This link isn't valid")


async def test_german_for_a_german_browser(
    browser: Browser, base_url: str, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    context = await browser.new_context(viewport=PHONE, locale="de-DE")
    page = await context.new_page()
    await page.goto(base_url + gift.path)
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Test Org hat dir ein Geschenk geschickt"
    )
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Test Org sent you a gift")
    await context.close()


async def test_the_server_never_logged_a_link_token(
    web_server: tuple[Process, str], page: Page, marketer: Api, org: Org
) -> None:
    """Runs after the walks above (same server): its log holds none of their tokens."""
    gift = await physical_gift(marketer, org)
    await page.goto(web_server[1] + gift.path)
    await page.get_by_role("button", name="No thanks, decline this gift").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("You declined this gift")
    output = web_server[0].output()
    assert "gift page: decline done" in output  # it does log what happened…
    assert gift.token not in output and "/gift/" not in output  # …but never which link


async def test_every_state_passes_the_accessibility_rules(
    browser: Browser, base_url: str, marketer: Api, org: Org
) -> None:
    """axe-core on the offer, the offer with field errors, a later state and an invalid link,
    on a phone and on a desktop."""
    offered, redeemed = await physical_gift(marketer, org), await physical_gift(marketer, org)
    await set_status(redeemed, GiftSendStatus.FULFILLED)
    for viewport in (PHONE, {"width": 1280, "height": 800}):
        context = await browser.new_context(viewport=viewport, bypass_csp=True)
        page = await context.new_page()
        await page.goto(base_url + offered.path)
        assert await axe_violations(page) == [], "offer"
        await page.get_by_label("Full name").fill("  ")
        await page.get_by_label("Street and number").fill("x")
        await page.get_by_label("City").fill("y")
        await page.get_by_label("Country").select_option("DE")
        await page.get_by_role("button", name="Accept and ship it to me").click()
        await expect(page.locator("#field-name-error")).to_be_visible()
        assert await axe_violations(page) == [], "offer with errors"
        await page.goto(base_url + redeemed.path)
        assert await axe_violations(page) == [], "delivered"
        await page.goto(f"{base_url}/gift/not-a-link")
        assert await axe_violations(page) == [], "invalid link"
        await context.close()


async def test_the_accessibility_check_does_find_problems(page: Page) -> None:
    await page.set_content("<html><body><input type='text'><a href='#'></a></body></html>")
    found = " ".join(await axe_violations(page))
    assert "label" in found and "html-has-lang" in found
