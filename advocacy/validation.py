"""Input checks shared by every service: each failure names the API field it concerns.

A ``Checker`` collects every problem of one input, so a client learns about all of them at once,
and ``done()`` raises them together before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable
from functools import cache
from typing import TypeVar
from urllib.parse import urlsplit

import iso3166

from advocacy.errors import DomainError, DomainErrors, ErrorCode

# Pragmatic address check: one @, a dotted domain, no spaces. RFC 5322 in full accepts
# addresses no mail system delivers; this refuses typos without refusing real people.
T = TypeVar("T")

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_REGION = re.compile(r"^[A-Z]{2}$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")

# ISO 4217 codes in active use. Kept here (not a dependency) because the list barely changes
# and we only need membership.
CURRENCIES = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CRC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "UYU",
        "UZS",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XCD",
        "XOF",
        "XPF",
        "YER",
        "ZAR",
        "ZMW",
        "ZWL",
    ]
)

MAX_AMOUNT_MINOR = 100_000_000_000
"""One billion in major units: a ceiling no advocacy budget reaches, so larger is a typo."""


def _is_country(code: str) -> bool:
    return bool(_REGION.match(code)) and code in iso3166.countries_by_alpha2


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
        if len(cleaned) > max_length:
            self.fail(field, ErrorCode.TOO_LONG, f"{field} must be at most {max_length} characters")
            return None
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in cleaned):
            self.fail(field, ErrorCode.INVALID, f"{field} contains control characters")
            return None
        return cleaned

    def email(self, field: str, value: str | None, *, required: bool = True) -> str | None:
        cleaned = self.text(field, value, max_length=254, required=required)
        if cleaned is None:
            return None
        if not _EMAIL.match(cleaned):
            self.fail(field, ErrorCode.INVALID, f"{field} is not a valid email address")
            return None
        return cleaned.lower()

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
        if code not in CURRENCIES:
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
