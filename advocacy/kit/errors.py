"""The one exception domain code raises on purpose, and the codes clients can switch on."""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    INVALID_STATE = "INVALID_STATE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    FORBIDDEN = "FORBIDDEN"
    TOO_MANY = "TOO_MANY"
    BUDGET_EXCEEDED = "BUDGET_EXCEEDED"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    GIFT_LINK_INVALID = "GIFT_LINK_INVALID"
    """An advocate's gift link that is unknown, expired or already used: one code for all
    three, so the answer reveals nothing about other gifts."""
    NOT_SHIPPABLE = "NOT_SHIPPABLE"
    GIFT_CHANGED = "GIFT_CHANGED"
    """A move on a real gift link lost a race: another request (a double click, a second tab)
    changed the gift first. Retryable: reload the gift and choose again. Not a guess, so the
    brake on guessing links doesn't count it."""


class DomainError(Exception):
    """An expected failure: bad input or a rule of the domain. ``field`` names the input field
    (camelCase, as the API spells it; dotted for nested inputs, e.g. ``rows.3.email``)."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"DomainError({self.code}, {self.message!r}, field={self.field!r})"


class DomainErrors(Exception):
    """Several expected failures found at once (every invalid field of one input)."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
