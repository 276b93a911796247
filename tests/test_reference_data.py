"""Currencies and countries come from the ISO data pycountry ships, not a hand-kept list: the
withdrawn ANG, BGN and ZWL are refused, the current XCG, ZWG and VED accepted (each was the
other way round with the old list), at the checker and through the API."""

from __future__ import annotations

import pytest

from advocacy.kit.errors import DomainError
from advocacy.kit.reference_data import NOT_MONEY, country_names, currencies
from advocacy.kit.validation import Checker
from tests.fixtures.api import Api
from tests.fixtures.world import error_fields, mutate

CURRENT = ["XCG", "ZWG", "VED", "USD", "EUR", "JPY", "KWD", "VES", "SLE"]
WITHDRAWN = ["ANG", "BGN", "ZWL", "HRK", "SLL", "CUC"]


def currency_of(value: str) -> str | None:
    check = Checker()
    code = check.currency("currency", value)
    check.done()
    return code


@pytest.mark.parametrize("code", CURRENT)
def test_current_currencies_are_accepted(code: str) -> None:
    assert currency_of(code.lower()) == code


@pytest.mark.parametrize("code", [*WITHDRAWN, "XAU", "XTS", "XXX", "CLF", "USN", "ABC"])
def test_withdrawn_and_non_money_codes_are_refused(code: str) -> None:
    with pytest.raises(DomainError) as refused:
        currency_of(code)
    assert refused.value.field == "currency"
    assert "ISO 4217" in refused.value.message


def test_not_money_codes_are_all_iso_codes() -> None:
    """Each exclusion names a code pycountry really has: a typo would exclude nothing."""
    import pycountry

    assert {code for code in NOT_MONEY if pycountry.currencies.get(alpha_3=code)} == NOT_MONEY
    assert len(currencies()) > 150


@pytest.mark.parametrize("code", ["de", "US", "XK", "SS", "CW"])
def test_countries_are_iso_3166(code: str) -> None:
    check = Checker()
    assert check.country("country", code) == code.upper()
    assert check.regions("regions", [code, code.lower()]) == [code.upper()]
    check.done()


@pytest.mark.parametrize("code", ["AN", "YU", "UK", "EU", "ZZ", "D"])
def test_withdrawn_and_made_up_countries_are_refused(code: str) -> None:
    check = Checker()
    assert check.country("country", code) is None
    assert check.regions("regions", [code]) == []
    assert [error.field for error in check.errors] == ["country", "regions.0"]


def test_country_names_are_the_common_ones() -> None:
    assert country_names()["TW"] == "Taiwan"
    assert country_names()["XK"] == "Kosovo"


@pytest.mark.parametrize("code", ["XCG", "ZWG", "VED"])
async def test_a_program_in_a_current_currency_is_created(admin: Api, code: str) -> None:
    payload = await mutate(
        admin,
        "createProgram",
        {"name": f"In {code}", "currency": code},
        "program { budget { currency } }",
    )
    assert payload["errors"] == []
    assert payload["program"]["budget"]["currency"] == code


@pytest.mark.parametrize("code", ["ANG", "BGN", "ZWL"])
async def test_a_program_in_a_withdrawn_currency_is_refused(admin: Api, code: str) -> None:
    payload = await mutate(
        admin,
        "createProgram",
        {"name": f"In {code}", "currency": code},
        "program { budget { currency } }",
    )
    assert payload["program"] is None
    assert error_fields(payload) == [("currency", "INVALID")]
