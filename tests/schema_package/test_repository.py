"""CI's checks of this repository's schema package: the exported files, the operations and the
generated TypeScript are current (the history is tests/schema_package/test_history.py's)."""

from __future__ import annotations

import json

import pytest
from graphql import build_client_schema, build_schema, lexicographic_sort_schema, print_schema

from advocacy.schema_package import JSON_PATH, SDL_PATH
from advocacy.schema_package.checks import stale_exports, stale_typescript
from advocacy.schema_package.codegen import codegen_installed
from advocacy.schema_package.operations import check_operations
from advocacy.web.documents import OPERATIONS_DIR


def test_schema_graphql_and_schema_json_match_the_live_schema() -> None:
    from advocacy.graphql.schema import schema_sdl

    assert stale_exports(schema_sdl()) == []


def test_schema_json_is_a_standard_introspection_result_of_the_same_schema() -> None:
    introspection = json.loads(JSON_PATH.read_text(encoding="utf-8"))
    assert set(introspection) == {"__schema"}
    from_json = build_client_schema(introspection)
    from_sdl = lexicographic_sort_schema(build_schema(SDL_PATH.read_text(encoding="utf-8")))
    assert print_schema(from_json) == print_schema(from_sdl)


def test_every_operation_is_valid_and_alone_in_a_file_named_after_it() -> None:
    schema = build_schema(SDL_PATH.read_text(encoding="utf-8"))
    assert check_operations(schema, OPERATIONS_DIR) == []


@pytest.mark.skipif(
    not codegen_installed(), reason="GraphQL Code Generator not installed: make web"
)
def test_the_generated_typescript_is_current() -> None:
    problems = stale_typescript()
    assert problems == [], "\n".join(problems)
