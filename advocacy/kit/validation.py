"""Input checks shared by every service: each failure names the API field it concerns.

A ``Checker`` collects every problem of one input, so a client learns about all of them at once,
and ``done()`` raises them together before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable
from functools import cache
from typing import TypeVar
from urllib.parse import urlsplit

from advocacy.kit.email_address import InvalidEmail, normalized_email
from advocacy.kit.errors import DomainError, DomainErrors, ErrorCode
from advocacy.kit.reference_data import is_country, is_currency

T = TypeVar("T")

_DOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_REGION = re.compile(r"^[A-Z]{2}$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")

MAX_AMOUNT_MINOR = 100_000_000_000
"""One billion in major units: a ceiling no advocacy budget reaches, so larger is a typo."""


def _is_country(code: str) -> bool:
    return bool(_REGION.match(code)) and is_country(code)


@cache
def _zone_names() -> frozenset[str]:
    """The time zone database's names (from the ``tzdata`` package or the system's), less
    ``localtime``: a file some systems keep for the host's own zone, not a zone name."""
    return frozenset(zoneinfo.available_timezones() - {"localtime"})


class Checker:
    """Collects validation errors for one input; ``prefix`` is prepended to field names."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.errors: list[DomainError] = []

    def _name(self, field: str) -> str:
        return f"{self.prefix}{field}"

    def fail(self, field: str, code: ErrorCode, message: str) -> None:
        self.errors.append(DomainError(code, message, self._name(field)))

    def done(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)

    def not_null(self, field: str, value: T | None) -> T | None:
        """For a non-nullable field of a partial update, where null is not "leave it"."""
        if value is None:
            self.fail(field, ErrorCode.REQUIRED, f"{field} can't be null")
        return value

    # -- scalar checks; each returns the cleaned value, or None after recording an error --

    def text(
        self, field: str, value: str | None, *, max_length: int, required: bool = True
    ) -> str | None:
        if value is None:
            if required:
                self.fail(field, ErrorCode.REQUIRED, f"{field} is required")
            return None
        cleaned = value.strip()
        if not cleaned:
            if required:
                self.fail(field, ErrorCode.REQUIRED, f"{field} must not be empty")
            return None
        if not has_visible_character(cleaned):  # blank to the eye, like whitespace
            if required:
                self.fail(
                    field,
                    ErrorCode.REQUIRED,
                    f"{field} must contain at least one visible character",
                )
            return None
        if len(cleaned) > max_length:
            self.fail(field, ErrorCode.TOO_LONG, f"{field} must be at most {max_length} characters")
            return None
        if has_control_characters(cleaned):
            self.fail(field, ErrorCode.INVALID, f"{field} contains control characters")
            return None
        return cleaned

    def email(self, field: str, value: str | None, *, required: bool = True) -> str | None:
        """An address as it is stored and compared: see ``advocacy.kit.email_address``."""
        cleaned = self.text(field, value, max_length=254, required=required)
        if cleaned is None:
            return None
        try:
            return normalized_email(cleaned)
        except InvalidEmail as invalid:
            self.fail(field, ErrorCode.INVALID, f"{field} is not a valid email address: {invalid}")
            return None

    def url(self, field: str, value: str | None, *, required: bool = False) -> str | None:
        cleaned = self.text(field, value, max_length=2000, required=required)
        if cleaned is None:
            return None
        parts = urlsplit(cleaned)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.fail(field, ErrorCode.INVALID, f"{field} must be an http(s) URL")
            return None
        return cleaned

    def domain(self, field: str, value: str | None) -> str | None:
        cleaned = self.text(field, value, max_length=253, required=False)
        if cleaned is None:
            return None
        cleaned = cleaned.lower()
        if not _DOMAIN.match(cleaned):
            self.fail(field, ErrorCode.INVALID, f"{field} is not a valid domain name")
            return None
        return cleaned

    def slug(self, field: str, value: str | None) -> str | None:
        cleaned = self.text(field, value, max_length=64)
        if cleaned is None:
            return None
        if not _SLUG.match(cleaned):
            self.fail(
                field, ErrorCode.INVALID, f"{field} may hold lowercase letters, digits and dashes"
            )
            return None
        return cleaned

    def tags(self, field: str, values: Iterable[str] | None, *, max_count: int = 30) -> list[str]:
        if values is None:
            return []
        tags: list[str] = []
        for index, raw in enumerate(values):
            tag = raw.strip().lower()
            if not _TAG.match(tag):
                self.fail(
                    f"{field}.{index}",
                    ErrorCode.INVALID,
                    f"{field} entries are 1-40 lowercase letters, digits, spaces, '-' or '_'",
                )
                continue
            if tag not in tags:
                tags.append(tag)
        if len(tags) > max_count:
            self.fail(field, ErrorCode.TOO_MANY, f"{field} may hold at most {max_count} entries")
        return tags

    def country(self, field: str, value: str | None, *, required: bool = True) -> str | None:
        """An ISO 3166-1 alpha-2 country code, upper-cased."""
        cleaned = self.text(field, value, max_length=2, required=required)
        if cleaned is None:
            return None
        code = cleaned.upper()
        if not _is_country(code):
            self.fail(
                field, ErrorCode.INVALID, f"{field} must be an ISO 3166-1 alpha-2 country code"
            )
            return None
        return code

    def regions(self, field: str, values: Iterable[str] | None) -> list[str]:
        """ISO 3166-1 alpha-2 country codes, upper-cased and de-duplicated."""
        regions: list[str] = []
        for index, raw in enumerate(values or ()):
            code = raw.strip().upper()
            if not _is_country(code):
                self.fail(
                    f"{field}.{index}",
                    ErrorCode.INVALID,
                    f"{field} entries are ISO 3166-1 alpha-2 country codes",
                )
            elif code not in regions:
                regions.append(code)
        if len(regions) > 250:
            self.fail(field, ErrorCode.TOO_MANY, f"{field} may hold at most 250 entries")
        return regions

    def currency(self, field: str, value: str | None) -> str | None:
        cleaned = self.text(field, value, max_length=3)
        if cleaned is None:
            return None
        code = cleaned.upper()
        if not is_currency(code):
            self.fail(field, ErrorCode.INVALID, f"{field} must be an ISO 4217 currency code")
            return None
        return code

    def amount(
        self, field: str, value: int | None, *, allow_zero: bool = True, required: bool = True
    ) -> int | None:
        if value is None:
            if required:
                self.fail(field, ErrorCode.REQUIRED, f"{field} is required")
            return None
        if value < 0 or (value == 0 and not allow_zero):
            self.fail(field, ErrorCode.OUT_OF_RANGE, f"{field} must be positive")
            return None
        if value > MAX_AMOUNT_MINOR:
            self.fail(field, ErrorCode.OUT_OF_RANGE, f"{field} is larger than any budget allows")
            return None
        return value

    def int_range(self, field: str, value: int | None, *, low: int, high: int) -> int | None:
        if value is None:
            return None
        if not low <= value <= high:
            self.fail(field, ErrorCode.OUT_OF_RANGE, f"{field} must be between {low} and {high}")
            return None
        return value

    def aware(self, field: str, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            self.fail(field, ErrorCode.INVALID, f"{field} must include a timezone offset")
            return None
        return value.astimezone(dt.UTC)

    def timezone(self, field: str, value: str | None, *, required: bool = False) -> str | None:
        """An IANA zone name such as ``Europe/Berlin``. Only names of the time zone database
        count: ``ZoneInfo`` alone would also open files like ``localtime`` (the host's own
        zone) or ``posix/UTC``. ``required``: blank is refused rather than "no zone"."""
        cleaned = self.text(field, value, max_length=64, required=required)
        if cleaned is None:
            return None
        if cleaned not in _zone_names():
            self.fail(
                field, ErrorCode.INVALID, f"{field} is not an IANA time zone such as Europe/Berlin"
            )
            return None
        return cleaned

    def locale(self, field: str, value: str | None) -> str | None:
        cleaned = self.text(field, value, max_length=16, required=False)
        if cleaned is None:
            return None
        if not re.match(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$", cleaned):
            self.fail(field, ErrorCode.INVALID, f"{field} is not a locale tag such as en or pt-BR")
            return None
        return cleaned.replace("_", "-")


# -- text checks shared with the read path (graphql/read_arguments.py) --

MAX_READ_ARGUMENT_LENGTH = 200
"""The longest string a read argument takes (a search, a tag, an id, a cursor, a token): no
lookup needs more, and a longer one is a mistake or an attempt to make the database work."""


def has_control_characters(value: str) -> bool:
    """Control characters other than newline and tab: never meant in text, and a NUL is
    refused by PostgreSQL (an internal error instead of an answer)."""
    return any(ord(ch) < 32 and ch not in "\n\t" for ch in value)


def argument_problem(field: str, value: str, *, max_length: int) -> DomainError | None:
    """The checks ``Checker.text`` makes, for a value that is looked up rather than stored (a
    read argument): it is not cleaned, only refused when it can't be meant."""
    if len(value) > max_length:
        return DomainError(
            ErrorCode.TOO_LONG, f"{field} must be at most {max_length} characters", field
        )
    if has_control_characters(value):
        return DomainError(ErrorCode.INVALID, f"{field} contains control characters", field)
    return None


_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
"""Controls, format characters (U+200B zero width space, U+202E right-to-left override, U+FEFF),
surrogates, private use, unassigned, separators and lone combining marks: none draws a glyph
of its own."""
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Hangul fillers and the blank Braille pattern: letters or symbols by category, blank on the
screen, and a known way to make an "empty" name."""


def has_visible_character(value: str) -> bool:
    """Whether a person would see anything: a required name of only U+200B is as empty as one
    of only spaces."""
    return any(
        unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LETTERS
        for ch in value
    )
