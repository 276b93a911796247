"""The gift page's words: every language has every key, every key a template names exists,
and the language is picked the way a browser asks for it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from advocacy.gifting.models import GiftItemKind
from advocacy.web.i18n import Translator, catalogs, negotiate
from advocacy.web.rendering import TEMPLATES_DIR

LITERAL_KEY = re.compile(r"""\bt\(\s*'([a-z_.]+)'""")


def test_every_language_has_the_same_keys() -> None:
    english = set(catalogs()["en"])
    assert len(catalogs()) >= 2
    for language, catalog in catalogs().items():
        assert set(catalog) == english, language


def test_every_key_a_template_names_is_in_the_catalog() -> None:
    used = {
        key
        for path in TEMPLATES_DIR.rglob("*.html")
        for key in LITERAL_KEY.findall(path.read_text())
    }
    assert used, "no t('…') calls found: has the template syntax changed?"
    whole = {key for key in used if not key.endswith(".")}  # 'kind.' ~ item.kind is below
    assert whole - set(catalogs()["en"]) == set()


def test_every_item_kind_has_a_name() -> None:
    assert {f"kind.{kind}" for kind in GiftItemKind} <= set(catalogs()["en"])


def test_placeholders_match_across_languages() -> None:
    placeholders = re.compile(r"{(\w+)}")
    for key, text in catalogs()["en"].items():
        if isinstance(text, str):
            for language, catalog in catalogs().items():
                other = catalog[key]
                assert isinstance(other, str)
                assert set(placeholders.findall(other)) == set(placeholders.findall(text)), (
                    language,
                    key,
                )


@pytest.mark.parametrize(
    ("asked", "header", "language"),
    [
        (None, "de-DE,de;q=0.9,en;q=0.8", "de"),
        (None, "fr-FR, en;q=0.3, de;q=0.7", "de"),
        (None, "fr-FR", "en"),
        (None, None, "en"),
        ("de", "en", "de"),
        ("xx", "de", "de"),
        (None, "de;q=0, en", "en"),
    ],
)
def test_negotiation(asked: str | None, header: str | None, language: str) -> None:
    assert negotiate(asked, header) == language


def test_dates_are_written_the_local_way() -> None:
    moment = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC)
    assert Translator("en").date(moment) == "March 5, 2026"  # CLDR's en is en-US
    assert Translator("en", "en_GB").date(moment) == "5 March 2026"
    assert Translator("de").date(moment) == "5. März 2026"


def test_payload_errors_read_in_the_page_language_or_fall_back_to_the_api() -> None:
    known = {"code": "REQUIRED", "message": "name is required"}
    unknown = {"code": "BUDGET_EXCEEDED", "message": "the budget ran out"}
    assert Translator("de").error(known) == "Bitte ausfüllen."
    assert Translator("en").error(unknown) == "the budget ran out"
    assert Translator("en").error(unknown, fallback="error.other") == (
        "Something went wrong: the budget ran out"
    )
