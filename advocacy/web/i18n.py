"""The gift page's words, in one place: ``locales/<language>.json``, one file per language with
the same keys (a test holds them in step). Adding a language is adding a file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"


@cache
def catalogs() -> dict[str, dict[str, object]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(LOCALES_DIR.glob("*.json"))
    }


def languages() -> list[str]:
    return list(catalogs())


def negotiate(asked: str | None, accept_language: str | None) -> str:
    """``asked`` (``?lang=``) when we have it, else the best of ``Accept-Language``, else
    English."""
    known = catalogs()
    if asked and asked.lower() in known:
        return asked.lower()
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().split("-")[0].lower()
        if language in known and quality > 0:
            ranked.append((-quality, index, language))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    language: str

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
        catalog = catalogs()[self.language]
        months = catalog["months"]
        assert isinstance(months, list)
        utc = moment.astimezone(dt.UTC)
        return str(catalog["date_format"]).format(
            day=utc.day, month=months[utc.month - 1], year=utc.year
        )
