"""The gift page's words and locale data.

Our own words live in ``locales/<language>.json``, one file per language with the same keys (a
test holds them in step); adding a language is adding a file. Everything the Unicode CLDR
already knows — country names, how a date is written, which of our languages fits a browser's
``Accept-Language`` — comes from babel, per locale: the page's language picks the catalog, and
the visitor's region (``de-CH``, ``en-GB``) refines how dates are written.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date
from babel.lists import format_list

from advocacy.kit.reference_data import country_names

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"
MAX_ACCEPT_LANGUAGE = 40
"""Language ranges read from one header; a browser sends a handful."""


@cache
def catalogs() -> dict[str, dict[str, object]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(LOCALES_DIR.glob("*.json"))
    }


def languages() -> list[str]:
    return list(catalogs())


def preferred_tags(accept_language: str | None) -> list[str]:
    """The language ranges of an ``Accept-Language`` header, most wanted first (ties in the
    order sent), without those refused (``q=0``) and the wildcard. babel matches tags but does
    not read the header's syntax, so this much is ours."""
    ranked: list[tuple[float, int, str]] = []
    parts = (accept_language or "").split(",")[:MAX_ACCEPT_LANGUAGE]
    for index, part in enumerate(parts):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and 0 < quality <= 1:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(asked: str | None, accept_language: str | None) -> str:
    """``asked`` (``?lang=``) when we have it, else the best of ``Accept-Language`` (babel's
    matching: ``de-CH`` finds ``de``, aliases such as ``no`` → ``nb`` are known), else
    English."""
    known = catalogs()
    if asked and asked.lower() in known:
        return asked.lower()
    found = negotiate_locale(preferred_tags(accept_language), list(known), sep="-")
    return found.lower() if found else DEFAULT_LANGUAGE


def translator_for(asked: str | None, accept_language: str | None) -> Translator:
    """The translator for a request: the negotiated language, with the region of the first
    tag the visitor sent in that language (``de-CH`` → dates as Swiss German writes them)."""
    language = negotiate(asked, accept_language)
    for tag in preferred_tags(accept_language):
        if tag.split("-")[0].lower() == language and "-" in tag:
            locale = _locale(tag.replace("-", "_"))
            if locale is not None:
                return Translator(language, str(locale))
    return Translator(language)


@lru_cache(maxsize=512)
def _locale(identifier: str) -> Locale | None:
    """babel's locale, parsed once; bounded, since identifiers come from request headers."""
    try:
        return Locale.parse(identifier)
    except (UnknownLocaleError, ValueError):
        return None


def sort_key(name: str) -> str:
    """Accents don't move a name to the end ("Österreich" sorts with the O's): a reader's
    order without a collation library."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@dataclass(frozen=True)
class Translator:
    language: str
    """Which catalog (``en``, ``de``)."""
    locale: str | None = None
    """babel's locale for dates and names (``de_CH``); the language's own when None."""

    @property
    def cldr(self) -> Locale:
        found = _locale(self.locale or self.language)
        return found if found is not None else Locale.parse(DEFAULT_LANGUAGE)

    def __call__(self, key: str, **values: object) -> str:
        """The text of ``key`` in this language (English when this one lacks it), with
        ``{name}`` placeholders filled from ``values``."""
        text = catalogs()[self.language].get(key, catalogs()[DEFAULT_LANGUAGE].get(key, key))
        return str(text).format(**values) if values else str(text)

    def has(self, key: str) -> bool:
        return key in catalogs()[self.language]

    def error(self, error: Mapping[str, Any], *, fallback: str | None = None) -> str:
        """A payload error (``code``, ``message``) in this language: its code's text, else
        ``fallback`` (a key given the API's message) or the API's own message."""
        key = f"error.{error['code']}"
        if self.has(key):
            return self(key)
        message = str(error["message"])
        return self(fallback, message=message) if fallback else message

    def date(self, moment: dt.datetime) -> str:
        """The UTC day of ``moment``, written out the locale's way (CLDR's long format)."""
        return format_date(moment.astimezone(dt.UTC).date(), "long", locale=self.cldr)

    def country(self, code: str) -> str:
        """A country's name in this language (English from ISO data when CLDR has none)."""
        return self.cldr.territories.get(code) or country_names().get(code, code)

    def countries(self, codes: Iterable[str]) -> str:
        """Country names as a list reads in this language ("A, B und C")."""
        return format_list([self.country(code) for code in codes], locale=self.cldr)
