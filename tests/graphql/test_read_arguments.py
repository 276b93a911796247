"""Read arguments get the text checks mutation input gets: a NUL byte or an over-long string in
any argument of any field (a search, a filter, an id, a cursor, at any depth, as a literal or
through a variable) answers BAD_USER_INPUT naming the argument, and nothing runs (issue 14 §2;
before, a NUL reached asyncpg: "internal error", and a 1 MB search ran as a 1 MB ILIKE)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_composite_type,
)
from graphql.pyutils import Undefined

from advocacy.graphql.schema import default_schema
from advocacy.kit.validation import MAX_READ_ARGUMENT_LENGTH
from tests.fixtures.api import Api

NUL = "a\u0000b"
TOO_LONG = "x" * (MAX_READ_ARGUMENT_LENGTH + 1)


async def bad_input(api: Api, query: str, variables: dict[str, Any] | None = None) -> str:
    """The argument named by the BAD_USER_INPUT error the query must answer."""
    body = await api.raw(query, variables)
    assert body.get("data") is None, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", body
    assert error["extensions"]["field"] in error["message"], error
    return str(error["extensions"]["field"])


# -- the reported cases, over HTTP with a real database --------------------------------------

REPORTED = [
    ("accounts(search: $v)", "String", "search", "$v"),
    ("advocates(filter: {search: $v})", "String", "filter.search", "$v"),
    ("advocates(filter: {interest: $v})", "String", "filter.interest", "$v"),
    ("giftItems(filter: {tag: $v})", "String", "filter.tag", "$v"),
    ("giftItems(filter: {currency: $v})", "String", "filter.currency", "$v"),
    ("giftItems(filter: {region: $v})", "String", "filter.region", "$v"),
]


@pytest.mark.parametrize(("field", "type_", "argument", "_"), REPORTED)
@pytest.mark.parametrize("value", [NUL, TOO_LONG, "z" * 60_000], ids=["nul", "201", "60kB"])
async def test_a_bad_read_argument_is_bad_user_input(
    viewer: Api, field: str, type_: str, argument: str, _: str, value: str
) -> None:
    through_variable = f"query($v: {type_}) {{ {field} {{ totalCount }} }}"
    assert await bad_input(viewer, through_variable, {"v": value}) == argument
    literal = field.replace("$v", '"' + value.replace("\u0000", "\\u0000") + '"')
    assert await bad_input(viewer, f"{{ {literal} {{ totalCount }} }}") == argument


async def test_the_messages_say_what_is_wrong(viewer: Api) -> None:
    body = await viewer.raw("query($v: String) { accounts(search: $v) { totalCount } }", {"v": NUL})
    assert body["errors"][0]["message"] == "search contains control characters"
    body = await viewer.raw(
        "query($v: String) { accounts(search: $v) { totalCount } }", {"v": TOO_LONG}
    )
    assert body["errors"][0]["message"] == "search must be at most 200 characters"


async def test_good_read_arguments_still_answer(viewer: Api, admin: Api) -> None:
    created = await admin(
        'mutation { createAccount(input: {name: "Zeta Widgets"}) { errors { field } } }'
    )
    assert created["createAccount"]["errors"] == []
    found = await viewer(
        "query($v: String) { accounts(search: $v) { nodes { name } } }",
        {"v": "zeta"},
    )
    assert [n["name"] for n in found["accounts"]["nodes"]] == ["Zeta Widgets"]
    at_the_cap = await viewer.raw(
        "query($v: String) { accounts(search: $v) { totalCount } }",
        {"v": "y" * MAX_READ_ARGUMENT_LENGTH},
    )
    assert "errors" not in at_the_cap and at_the_cap["data"]["accounts"]["totalCount"] == 0


async def test_mutation_input_keeps_its_payload_errors(admin: Api) -> None:
    """Root mutation fields check their input in the services (payload errors, per field)."""
    data = await admin(
        "mutation($n: String!) { createAccount(input: {name: $n}) { errors { field code } } }",
        {"n": NUL},
    )
    assert data["createAccount"]["errors"] == [{"field": "name", "code": "INVALID"}]


async def test_arguments_inside_fragments_and_nested_fields_are_checked(viewer: Api) -> None:
    query = """
        query($v: ID) { ...Page }
        fragment Page on Query { advocates { nodes { milestones(programId: $v) { totalCount } } } }
    """
    assert await bad_input(viewer, query, {"v": NUL}) == "programId"
    default = 'query($v: String = "a\\u0000") { accounts(search: $v) { totalCount } }'
    assert await bad_input(viewer, default) == "search"
    listed = 'query { nodes(ids: ["QWNjb3VudDox", "a\\u0000"]) { id } }'
    assert await bad_input(viewer, listed) == "ids.1"


# -- every String/ID argument of every read field, walked from the schema --------------------

ROUTES = {"AdvocateGift": 'gift(token: "t")'}
"""How to reach a type that isn't a Node (Node types are reached with ``node(id:)``)."""


def text_paths(type_: GraphQLInputType, path: str, seen: frozenset[str]) -> Iterator[str]:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        yield from text_paths(type_.of_type, f"{path}.0", seen)
    elif isinstance(type_, GraphQLInputObjectType):
        if type_.name not in seen:
            for name, field in type_.fields.items():
                yield from text_paths(field.type, f"{path}.{name}", seen | {type_.name})
    elif get_named_type(type_).name in ("String", "ID"):
        yield path


def value_at(path: list[str], leaf: str) -> Any:
    if not path:
        return leaf
    head, rest = path[0], path[1:]
    return [value_at(rest, leaf)] if head == "0" else {head: value_at(rest, leaf)}


def read_argument_cases() -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(operation kind, document, variables maker's path, expected argument path)."""
    schema = default_schema()._schema
    node_types = {t.name for t in schema.get_possible_types(schema.get_type("Node"))}  # type: ignore[arg-type]
    for type_name, type_ in sorted(schema.type_map.items()):
        if type_name.startswith("__") or type_ is schema.mutation_type:
            continue
        if not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for field_name, field in type_.fields.items():
            for argument_name, argument in field.args.items():
                for path in text_paths(argument.type, argument_name, frozenset()):
                    selection = (
                        " { __typename }" if is_composite_type(get_named_type(field.type)) else ""
                    )
                    others = [  # required: given as variables, which are never reached
                        (name, other.type)
                        for name, other in field.args.items()
                        if name != argument_name
                        and isinstance(other.type, GraphQLNonNull)
                        and other.default_value is Undefined
                    ]
                    given = "".join(f", {name}: ${name}" for name, _ in others)
                    declared = "".join(f", ${name}: {t}" for name, t in others)
                    call = f"{field_name}({argument_name}: $v{given}){selection}"
                    if type_ is schema.query_type:
                        body, kind = call, "query"
                    elif type_ is schema.subscription_type:
                        body, kind = call, "subscription"
                    elif type_name in node_types:
                        body, kind = f'node(id: "x") {{ ... on {type_name} {{ {call} }} }}', "query"
                    else:
                        assert type_name in ROUTES, f"no route to {type_name} in this test"
                        body, kind = f"{ROUTES[type_name]} {{ {call} }}", "query"
                    document = f"{kind}($v: {argument.type}{declared}) {{ {body} }}"
                    yield f"{type_name}.{field_name}", document, {"path": path}, path


CASES = list(read_argument_cases())


def test_the_walk_finds_the_reported_arguments() -> None:
    found = {(name, path) for name, _, _, path in CASES}
    assert ("Query.accounts", "search") in found
    assert ("Query.advocates", "filter.interest") in found
    assert ("Query.giftItems", "filter.region") in found
    assert ("Advocate.milestones", "programId") in found
    assert ("AdvocateGift.swapOptions", "country") in found
    assert ("Subscription.giftSendUpdated", "programId") in found


@pytest.mark.parametrize(("name", "document", "spec", "path"), CASES, ids=[c[3] for c in CASES])
@pytest.mark.parametrize("leaf", [NUL, TOO_LONG], ids=["nul", "too-long"])
async def test_every_read_argument_is_checked(
    name: str, document: str, spec: dict[str, Any], path: str, leaf: str
) -> None:
    schema = default_schema()
    variables = {"v": value_at(path.split(".")[1:], leaf)}
    if document.startswith("subscription"):
        stream = await schema.subscribe(document, variable_values=variables)
        if hasattr(stream, "__aiter__"):
            result = await stream.__anext__()  # type: ignore[union-attr]
            await stream.aclose()  # type: ignore[union-attr]
        else:
            result = stream
    else:
        result = await schema.execute(document, variable_values=variables)
    assert result.errors, f"{name}: {path} was not checked"
    error = result.errors[0]
    assert error.extensions == {"code": "BAD_USER_INPUT", "field": path}, (name, error)
