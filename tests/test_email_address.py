"""Email addresses are checked by email-validator (no DNS) and stored in one normalized form:
``a..b@x.com`` is refused and ``josé@example.com`` accepted (each was the other way round with
the old regular expression), and the stored form is what uniqueness and look-ups compare."""

from __future__ import annotations

import pytest

from advocacy.kit.email_address import InvalidEmail, normalized_email
from advocacy.kit.validation import Checker
from tests.fixtures.api import Api
from tests.fixtures.world import error_fields, mutate


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("josé@example.com", "josé@example.com"),
        ("JOSÉ@Example.COM", "josé@example.com"),
        ("Ada@EXAMPLE.com", "ada@example.com"),
        ("x@xn--mnchen-3ya.de", "x@münchen.de"),
        ("x@MÜNCHEN.de", "x@münchen.de"),
        ("e\u0301@example.com", "\u00e9@example.com"),  # NFC: é typed as e + combining accent
        ("pat+gifts@newco.example", "pat+gifts@newco.example"),
    ],
)
def test_real_addresses_are_accepted_in_their_stored_form(typed: str, stored: str) -> None:
    check = Checker()
    assert check.email("email", typed) == stored
    check.done()


@pytest.mark.parametrize(
    "typed",
    [
        "a..b@x.com",
        ".a@x.com",
        "a.@x.com",
        "ada@localhost",
        "ada@example.test",
        "ada@[192.0.2.1]",
        "Ada <ada@x.com>",
        "a@b@example.com",
        "ada lovelace@example.com",
    ],
)
def test_addresses_no_mail_system_takes_are_refused_with_the_reason(typed: str) -> None:
    check = Checker()
    assert check.email("email", typed) is None
    [error] = check.errors
    assert error.field == "email"
    assert error.message.startswith("email is not a valid email address: ")
    assert len(error.message) > len("email is not a valid email address: ")
    with pytest.raises(InvalidEmail):
        normalized_email(typed)


async def test_an_advocate_with_an_accented_address_is_created_once(admin: Api) -> None:
    first = await mutate(
        admin, "createAdvocate", {"email": "José@Example.com", "name": "José"}, "advocate { email }"
    )
    assert first["errors"] == []
    assert first["advocate"]["email"] == "josé@example.com"
    again = await mutate(
        admin, "createAdvocate", {"email": "JOSÉ@example.COM", "name": "José"}, "advocate { id }"
    )
    assert error_fields(again) == [("email", "ALREADY_EXISTS")]


async def test_a_double_dot_address_is_refused_through_the_api(admin: Api) -> None:
    payload = await mutate(
        admin, "createAdvocate", {"email": "a..b@x.com", "name": "Ab"}, "advocate { id }"
    )
    assert payload["advocate"] is None
    assert error_fields(payload) == [("email", "INVALID")]
