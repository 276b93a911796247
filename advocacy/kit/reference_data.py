"""Which currency and country codes exist: ISO 4217 and ISO 3166-1 as the pycountry package
ships them (Debian's iso-codes data, updated with each amendment of the standards).

A hand-kept list went stale: it still accepted the withdrawn ANG (replaced by XCG in 2025), BGN
(Bulgaria joined the euro in 2026) and ZWL (replaced by ZWG in 2024), and refused the current
XCG, ZWG and VED. A library release brings such amendments; we keep only two small, documented
adjustments on top of it:

- ``NOT_MONEY``: ISO 4217 also codes things that are not money one can price a gift or budget
  in — precious metals, bond-market units, fund codes (e.g. ``CLF``, ``USN``), the SDR, and the
  testing and "no currency" codes (``XTS``, ``XXX``). ISO marks them (no minor unit, or "fund");
  pycountry doesn't carry those marks, so they are named here. The set never grows with new
  national currencies, so it can't go stale the way the old list did.
- ``EXTRA_COUNTRIES``: ``XK`` (Kosovo) is a user-assigned ISO 3166 code that carriers, the EU
  and SWIFT use; it isn't in ISO 3166-1 proper (so not in pycountry), but refusing it would
  refuse real addresses that were accepted before.

No minor-unit table is needed here: amounts are stored and exchanged in minor units, and the
dashboard turns them into major units with the browser's ``Intl`` (CLDR data).
"""

from __future__ import annotations

from functools import cache

import pycountry

NOT_MONEY = frozenset(
    {
        # fund codes and other non-tender accounting units
        "BOV",
        "CHE",
        "CHW",
        "CLF",
        "COU",
        "MXV",
        "USN",
        "UYI",
        "UYW",
        # precious metals
        "XAG",
        "XAU",
        "XPD",
        "XPT",
        # bond-market units, supranational units of account
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XDR",
        "XSU",
        "XUA",
        "XAD",
        # testing, and "no currency involved"
        "XTS",
        "XXX",
    }
)
"""ISO 4217 codes that are not a currency to price in (see the module docstring)."""

EXTRA_COUNTRIES = {"XK": "Kosovo"}
"""User-assigned codes accepted besides ISO 3166-1 (see the module docstring)."""


@cache
def currencies() -> frozenset[str]:
    """Every ISO 4217 code of a currency in use, per the installed pycountry."""
    return frozenset(currency.alpha_3 for currency in pycountry.currencies) - NOT_MONEY


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → English short name (the common name where ISO's is formal)."""
    names = {
        country.alpha_2: getattr(country, "common_name", None) or country.name
        for country in pycountry.countries
    }
    names.update(EXTRA_COUNTRIES)
    return names


def is_currency(code: str) -> bool:
    """``code`` (upper case) is a current ISO 4217 currency."""
    return code in currencies()


def is_country(code: str) -> bool:
    """``code`` (upper case) is an ISO 3166-1 alpha-2 country code (or ``XK``)."""
    return code in country_names()
