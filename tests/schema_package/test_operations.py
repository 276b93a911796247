"""The rules for operation files, on a small schema and a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema

from advocacy.schema_package.operations import check_operations

SCHEMA = """
type Query { gift(token: String!): Gift, viewer: String }
type Gift { status: String! message: String }
type Mutation { decline(token: String!): Gift }
"""


@pytest.fixture
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA)


def problems(schema: GraphQLSchema, directory: Path, **files: str) -> list[str]:
    for name, text in files.items():
        (directory / f"{name}.graphql").write_bytes(text.encode())
    return check_operations(schema, directory)


def test_a_named_valid_operation_with_its_own_fragments_passes(
    schema: GraphQLSchema, tmp_path: Path
) -> None:
    page = "# The page.\nquery Page($t: String!) { gift(token: $t) { ...Parts } }\n"
    page += "fragment Parts on Gift { status message }\n"
    assert (
        problems(
            schema,
            tmp_path,
            Page=page,
            Decline='mutation Decline { decline(token: "x") { status } }\n',
        )
        == []
    )


def test_each_file_holds_exactly_one_operation_named_after_it(
    schema: GraphQLSchema, tmp_path: Path
) -> None:
    found = problems(
        schema,
        tmp_path,
        Two="query Two { viewer }\nquery Other { viewer }\n",
        Anonymous="{ viewer }\n",
        Renamed="query Viewer { viewer }\n",
        Empty="fragment F on Gift { status }\n",
    )
    assert found == [
        "Anonymous.graphql: the operation has no name; name it Anonymous (the file's stem)",
        "Empty.graphql: holds 0 operations; put exactly one in each file",
        "Empty.graphql: Fragment 'F' is never used. (line 1)",
        "Renamed.graphql: the operation is named Viewer; rename it Renamed or the file "
        "Viewer.graphql",
        "Two.graphql: holds 2 operations; put exactly one in each file",
    ]


def test_an_operation_that_no_longer_validates_is_named_with_its_error(
    schema: GraphQLSchema, tmp_path: Path
) -> None:
    found = problems(
        schema,
        tmp_path,
        Page='query Page {\n  gift(token: "x") {\n    status\n    price\n  }\n}\n',
        Shared='query Shared { gift(token: "x") { ...Elsewhere } }\n',
    )
    assert found == [
        "Page.graphql: Cannot query field 'price' on type 'Gift'. (line 4)",
        "Shared.graphql: Unknown fragment 'Elsewhere'. (line 1)",
    ]


def test_syntax_encoding_and_line_endings(schema: GraphQLSchema, tmp_path: Path) -> None:
    (tmp_path / "Latin.graphql").write_bytes("query Latin { viewer } # caf\xe9\n".encode("latin-1"))
    found = problems(
        schema, tmp_path, Broken="query Broken { viewer\n", Windows="query Windows { viewer }\r\n"
    )
    assert found[0].startswith("Broken.graphql: syntax error (line 2): Syntax Error:")
    assert found[1:] == [
        "Latin.graphql: not UTF-8",
        "Windows.graphql: use LF line endings (the document id hashes the exact text)",
    ]
