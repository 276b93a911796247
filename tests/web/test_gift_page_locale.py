"""The gift page's locale data comes from babel (CLDR): country names in the page's language,
dates the way the visitor's locale writes them, and the language negotiated from
``Accept-Language``. Our own words stay in the JSON catalogs.

Before babel, the German page listed "Germany" and "United States of America" in English, showed
bare codes ("DE, FR") as destinations, and wrote one date format per language whatever the
region ("5 March 2026" for a visitor in the US too)."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest
from playwright.async_api import Browser, expect

from advocacy.web.i18n import Translator, negotiate, translator_for
from advocacy.web.rendering import countries_for
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.browser import PHONE, screenshot_path
from tests.web.gift_data import physical_gift

OPTION = re.compile(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>')


async def test_the_german_page_names_countries_in_german(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    page = (await browser_like.get(gift.path, headers={"accept-language": "de-DE"})).text
    assert '<html lang="de">' in page
    assert OPTION.findall(page) == [
        ("DE", "Deutschland"),
        ("FR", "Frankreich"),
        ("US", "Vereinigte Staaten"),
        ("GB", "Vereinigtes Königreich"),
    ]
    # the mug, a swap option, ships to two countries: named, and listed the German way
    assert "Versand nach: Vereinigtes Königreich und Vereinigte Staaten" in page
    assert "Germany" not in page and "United States" not in page


async def test_the_english_page_names_countries_in_english(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    page = (await browser_like.get(gift.path, headers={"accept-language": "en"})).text
    assert [name for _, name in OPTION.findall(page)] == [
        "France",
        "Germany",
        "United Kingdom",
        "United States",
    ]
    assert "Ships to: United Kingdom and United States" in page


async def test_the_choose_by_date_follows_the_visitors_locale(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    german = (await browser_like.get(gift.path, headers={"accept-language": "de-CH"})).text
    british = (await browser_like.get(gift.path, headers={"accept-language": "en-GB"})).text
    american = (await browser_like.get(gift.path, headers={"accept-language": "en-US"})).text
    day = re.compile(r"Bitte wähle bis zum (\d{1,2}\. \w+ \d{4})\.")
    assert day.search(german), german
    assert re.search(r"Choose by \d{1,2} [A-Z][a-z]+ \d{4}", british), british
    assert re.search(r"Choose by [A-Z][a-z]+ \d{1,2}, \d{4}", american), american


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-CH;q=0.9, en;q=0.5", "de"),
        ("en;q=0.5, de-CH;q=0.9", "de"),
        ("DE-at", "de"),
        ("fr-CH, fr;q=0.9, *;q=0.5", "en"),
        ("de;q=0, en-GB", "en"),
        ("de;q=garbage, en;q=0.1", "en"),
    ],
)
def test_accept_language_is_negotiated(header: str, language: str) -> None:
    assert negotiate(None, header) == language


def test_dates_take_the_region_of_the_negotiated_language() -> None:
    moment = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC)
    assert translator_for(None, "de-CH;q=0.9, en;q=0.5").date(moment) == "5. März 2026"
    assert translator_for(None, "en-GB").date(moment) == "5 March 2026"
    assert translator_for(None, "en-US,en;q=0.9").date(moment) == "March 5, 2026"
    assert translator_for("de", "en-GB").date(moment) == "5. März 2026"  # ?lang= has no region
    assert Translator("de").date(moment) == "5. März 2026"


def test_country_lists_sort_by_the_name_a_reader_sees() -> None:
    names = [name for _, name in countries_for(["AT", "DE", "OM", "ZA"], Translator("de"))]
    assert names == ["Deutschland", "Oman", "Österreich", "Südafrika"]
    assert dict(countries_for([], Translator("de")))["XK"] == "Kosovo"


async def test_a_german_browser_sees_german_country_names_and_date(
    browser: Browser, base_url: str, marketer: Api, org: Org, request: pytest.FixtureRequest
) -> None:
    """Chromium set to Swiss German sends its own ``Accept-Language`` (de-CH, de, …)."""
    gift = await physical_gift(marketer, org)
    context = await browser.new_context(viewport=PHONE, locale="de-CH")
    page = await context.new_page()
    await page.goto(base_url + gift.path)
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Test Org hat dir ein Geschenk geschickt"
    )
    country = page.get_by_label("Land", exact=True)
    await expect(country.locator("option")).to_have_text(
        ["Land wählen", "Deutschland", "Frankreich", "Vereinigte Staaten", "Vereinigtes Königreich"]
    )
    await country.select_option(label="Vereinigte Staaten")
    await expect(country).to_have_value("US")
    await expect(page.locator(".expiry")).to_have_text(re.compile(r"^Bitte wähle bis zum \d"))
    await page.screenshot(path=screenshot_path(request.node.name, "de"), full_page=True)
    await context.close()
