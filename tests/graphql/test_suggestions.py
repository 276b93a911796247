"""With introspection off (production), errors carry no "Did you mean …?": suggestions would let
anyone, token or not, rebuild the hidden schema (issue 14 §2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from advocacy.app import create_app
from advocacy.config import Settings
from advocacy.graphql.schema import build_schema

# (query, variables): each would earn a suggestion from graphql-core
MISTAKES: list[tuple[str, dict[str, Any]]] = [
    ("{ advocatez { totalCount } }", {}),  # field
    ("{ advocates(frist: 1) { totalCount } }", {}),  # argument
    ('{ advocates(filter: {serch: "a"}) { totalCount } }', {}),  # input field
    ("{ advocates(filter: {statuses: [ACTIVEE]}) { totalCount } }", {}),  # enum value
    ("query($f: AdvocateFilterInpt) { advocates(filter: $f) { totalCount } }", {}),  # type
    # the same mistakes in variables are found by the executor, not by validation
    (
        "query($f: AdvocateFilterInput) { advocates(filter: $f) { totalCount } }",
        {"f": {"serch": "a"}},
    ),
    (
        "query($f: AdvocateFilterInput) { advocates(filter: $f) { totalCount } }",
        {"f": {"statuses": ["ACTIVEE"]}},
    ),
]


async def messages(settings: Settings, query: str, variables: dict[str, Any]) -> list[str]:
    app = create_app(build_schema(settings))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:  # no token at all
        response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert errors, response.text
    return [error["message"] for error in errors]


@pytest.fixture
async def production() -> AsyncIterator[Settings]:
    yield Settings(environment="production", secret_key="x" * 40)


@pytest.mark.parametrize(("query", "variables"), MISTAKES)
async def test_no_suggestions_when_introspection_is_off(
    production: Settings, query: str, variables: dict[str, Any]
) -> None:
    for message in await messages(production, query, variables):
        assert "did you mean" not in message.lower(), message


@pytest.mark.parametrize(("query", "variables"), MISTAKES)
async def test_suggestions_help_where_the_schema_is_open(
    query: str, variables: dict[str, Any]
) -> None:
    """Development (introspection on) keeps them: the schema is no secret there."""
    found = await messages(Settings(environment="development"), query, variables)
    assert any("did you mean" in message.lower() for message in found), found


async def test_introspection_enabled_in_production_keeps_suggestions() -> None:
    settings = Settings(environment="production", secret_key="x" * 40, graphql_introspection=True)
    found = await messages(settings, "{ advocatez { totalCount } }", {})
    assert "Did you mean" in found[0]
