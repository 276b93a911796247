"""Required text needs at least one visible character: a name of only U+200B (zero width space),
U+202E (right-to-left override) or other characters that draw nothing is as empty as one of
only spaces (issue 14 §2: 41 required fields accepted them). One check, in
``Checker.text``, serves every service."""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.kit.errors import ErrorCode
from advocacy.kit.validation import Checker, has_visible_character
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.world import Rows, error_fields, mutate, seed_world, state

INVISIBLE = [
    "\u200b",  # zero width space
    "\u202e",  # right-to-left override
    "\u200b\u202e\u200d\u2060\ufeff",  # several format characters
    "\u200e\u200f",  # direction marks
    "\u00ad",  # soft hyphen
    "\u0301",  # a combining accent with nothing to sit on
    "\u3164",  # Hangul filler (a "letter" that draws nothing)
    "\u2800",  # blank Braille pattern
    " \u200b\t\u3000 ",  # mixed with whitespace
    "\u0007\u200b",  # a control character too
]
VISIBLE = ["Zoë", "李雷", "محمد", "👍", "Ada\u200b", "\u202eAda", "O'Brien", "x"]


@pytest.mark.parametrize("value", INVISIBLE)
def test_invisible_only_text_is_not_visible(value: str) -> None:
    assert not has_visible_character(value)


@pytest.mark.parametrize("value", VISIBLE)
def test_real_names_are_visible(value: str) -> None:
    assert has_visible_character(value)


@pytest.mark.parametrize("value", INVISIBLE)
def test_required_text_refuses_invisible_only_values(value: str) -> None:
    check = Checker()
    assert check.text("name", value, max_length=200) is None
    assert [(e.field, e.code) for e in check.errors] == [("name", ErrorCode.REQUIRED)]
    assert "visible character" in check.errors[0].message or "empty" in check.errors[0].message


def test_optional_invisible_only_text_counts_as_absent() -> None:
    """Like an optional field of only spaces: nothing to store, and no error."""
    check = Checker()
    assert check.text("title", "\u200b\u202e", max_length=200, required=False) is None
    assert check.errors == []


@pytest.mark.parametrize("value", VISIBLE)
def test_required_text_keeps_visible_values(value: str) -> None:
    check = Checker()
    assert check.text("name", value, max_length=200) == value.strip()
    assert check.errors == []


# -- through the API: a representative set of the mutations with required names --------------


@pytest.fixture
async def rows(org: Org, admin: Api) -> Rows:
    return await seed_world(org, admin)


def item(name: str, _: Rows) -> dict[str, Any]:
    return {"name": name, "kind": "GIFT_CARD", "price": 1000, "currency": "USD"}


REQUIRED_NAMES: dict[str, tuple[Any, str, str]] = {
    # mutation: (input for a name, the field, the payload's object selection)
    "createAccount": (lambda name, rows: {"name": name}, "name", "account { id }"),
    "createAdvocate": (
        lambda name, rows: {"email": "zw@example.com", "name": name},
        "name",
        "advocate { id }",
    ),
    "updateAdvocate": (
        lambda name, rows: {"id": rows.advocate, "name": name},
        "name",
        "advocate { id }",
    ),
    "createProgram": (
        lambda name, rows: {"name": name, "currency": "USD"},
        "name",
        "program { id }",
    ),
    "updateProgram": (
        lambda name, rows: {"id": rows.program, "name": name},
        "name",
        "program { id }",
    ),
    "createApiToken": (lambda name, rows: {"name": name, "role": "VIEWER"}, "name", "token { id }"),
    "createGiftItem": (item, "name", "giftItem { id }"),
    "createGiftRule": (
        lambda name, rows: {
            "name": name,
            "trigger": "MILESTONE_APPROVED",
            "programId": rows.program,
            "priceCap": 5000,
        },
        "name",
        "giftRule { id }",
    ),
}


@pytest.mark.parametrize("mutation", list(REQUIRED_NAMES))
@pytest.mark.parametrize("value", ["\u200b", "\u202e", "\u200b\u202e\ufeff"])
async def test_mutations_refuse_invisible_only_names_and_write_nothing(
    admin: Api, rows: Rows, mutation: str, value: str
) -> None:
    make_input, field, selection = REQUIRED_NAMES[mutation]
    before = await state(admin)
    payload = await mutate(admin, mutation, make_input(value, rows), selection)
    assert error_fields(payload) == [(field, "REQUIRED")], payload
    assert await state(admin) == before


@pytest.mark.parametrize("mutation", list(REQUIRED_NAMES))
async def test_mutations_accept_names_with_a_visible_character(
    admin: Api, rows: Rows, mutation: str
) -> None:
    make_input, _, selection = REQUIRED_NAMES[mutation]
    payload = await mutate(admin, mutation, make_input("Zoë\u200b", rows), selection)
    assert payload["errors"] == [], payload
