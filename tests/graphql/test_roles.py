"""Every root query and mutation against every role (DESIGN.md §6).

- no token, an unknown token or a revoked one: top-level ``UNAUTHENTICATED``;
- VIEWER reads everything but API tokens, and changes nothing (``FORBIDDEN``);
- MARKETER also runs the domain mutations, but not API token management;
- ADMIN does everything.

A refused request writes nothing: the organization reads the same before and after.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from advocacy.graphql.ids import encode_id
from advocacy.kit.db import unit_of_work
from advocacy.tenancy import service as tenancy_service
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import system_principal
from advocacy.tenancy.tokens import hash_secret
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_milestone, make_program
from tests.fixtures.world import Rows, seed_world, state
from tests.fixtures.world import mutation_document as world_mutation_document

# -- helpers -------------------------------------------------------------------------------

_unique = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_unique)}"


async def make_api_token(organization_id: int, role: Role = Role.VIEWER) -> int:
    async with unit_of_work() as session:
        issued = await tenancy_service.create_api_token(
            session, system_principal(organization_id), name=unique("token"), role=role
        )
    assert issued.token.id is not None
    return issued.token.id


@pytest.fixture
async def rows(org: Org, admin: Api) -> Rows:
    return await seed_world(org, admin)


# Every root query, with variables pointing at the organization's own rows.
QUERIES: dict[str, tuple[str, Callable[[Rows], dict[str, Any]]]] = {
    "viewer": ("{ viewer { role organization { id } } }", lambda rows: {}),
    "apiTokens": ("{ apiTokens { totalCount nodes { id } } }", lambda rows: {}),
    "node": ("query($id: ID!) { node(id: $id) { id } }", lambda rows: {"id": rows.advocate}),
    "nodes": (
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        lambda rows: {"ids": [rows.organization, rows.account, rows.program]},
    ),
    "accounts": ("{ accounts { totalCount nodes { id } } }", lambda rows: {}),
    "account": ("query($id: ID!) { account(id: $id) { id } }", lambda rows: {"id": rows.account}),
    "advocates": ("{ advocates { totalCount nodes { id } } }", lambda rows: {}),
    "advocate": (
        "query($id: ID!) { advocate(id: $id) { id } }",
        lambda rows: {"id": rows.advocate},
    ),
    "milestones": ("{ milestones { totalCount nodes { id } } }", lambda rows: {}),
    "milestone": (
        "query($id: ID!) { milestone(id: $id) { id } }",
        lambda rows: {"id": rows.milestone},
    ),
    "programs": ("{ programs { totalCount nodes { id } } }", lambda rows: {}),
    "program": ("query($id: ID!) { program(id: $id) { id } }", lambda rows: {"id": rows.program}),
}
READ_QUERIES = [name for name in QUERIES if name != "apiTokens"]


def assert_query_answered(name: str, data: dict[str, Any]) -> None:
    """The query returned the organization's rows, not null or an empty list."""
    value = data[name]
    assert value, (name, value)
    if isinstance(value, dict) and "totalCount" in value:
        assert value["totalCount"] >= 1 and value["nodes"], (name, value)
    if isinstance(value, list):
        assert all(node is not None for node in value), (name, value)


async def _advocate_ids(org: Org) -> dict[str, Any]:
    advocate = await make_advocate(org.id)
    program = await make_program(org.id)
    return {
        "advocateId": encode_id("Advocate", advocate.id or 0),
        "programId": encode_id("Program", program.id or 0),
    }


async def _submitted_milestone(org: Org) -> str:
    advocate = await make_advocate(org.id)
    program = await make_program(org.id)
    assert advocate.id is not None and program.id is not None
    milestone = await make_milestone(org.id, advocate.id, program.id)
    return encode_id("Milestone", milestone.id or 0)


async def _create_api_token(org: Org) -> dict[str, Any]:
    return {"name": unique("token"), "role": "VIEWER"}


async def _revoke_api_token(org: Org) -> dict[str, Any]:
    return {"id": encode_id("ApiToken", await make_api_token(org.id))}


async def _create_account(org: Org) -> dict[str, Any]:
    return {"name": unique("Account"), "domain": "example.com"}


async def _create_advocate(org: Org) -> dict[str, Any]:
    return {"email": f"{unique('new')}@example.com", "name": "New Advocate"}


async def _update_advocate(org: Org) -> dict[str, Any]:
    advocate = await make_advocate(org.id)
    return {"id": encode_id("Advocate", advocate.id or 0), "name": "Renamed"}


async def _import_advocates(org: Org) -> dict[str, Any]:
    return {"rows": [{"email": f"{unique('imported')}@example.com", "name": "Imported"}]}


async def _record_milestone(org: Org) -> dict[str, Any]:
    return {**await _advocate_ids(org), "kind": "TESTIMONIAL"}


async def _approve_milestone(org: Org) -> dict[str, Any]:
    return {"id": await _submitted_milestone(org)}


async def _reject_milestone(org: Org) -> dict[str, Any]:
    return {"id": await _submitted_milestone(org), "reason": "not a real review"}


async def _create_program(org: Org) -> dict[str, Any]:
    return {"name": unique("Program"), "currency": "EUR", "budgetTotal": 5000}


async def _update_program(org: Org) -> dict[str, Any]:
    program = await make_program(org.id)
    return {"id": encode_id("Program", program.id or 0), "name": unique("Renamed")}


# Every root mutation: (payload selection, builder of a valid input with its prerequisites).
MUTATIONS: dict[str, tuple[str, Callable[[Org], Awaitable[dict[str, Any]]]]] = {
    "createApiToken": ("token { id role } secret", _create_api_token),
    "revokeApiToken": ("token { id revokedAt }", _revoke_api_token),
    "createAccount": ("account { id }", _create_account),
    "createAdvocate": ("advocate { id }", _create_advocate),
    "updateAdvocate": ("advocate { id }", _update_advocate),
    "importAdvocates": ("createdCount advocates { id }", _import_advocates),
    "recordMilestone": ("milestone { id }", _record_milestone),
    "approveMilestone": ("milestone { id status }", _approve_milestone),
    "rejectMilestone": ("milestone { id status }", _reject_milestone),
    "createProgram": ("program { id }", _create_program),
    "updateProgram": ("program { id }", _update_program),
}
TOKEN_MUTATIONS = ["createApiToken", "revokeApiToken"]
DOMAIN_MUTATIONS = [name for name in MUTATIONS if name not in TOKEN_MUTATIONS]


def mutation_document(name: str) -> str:
    """The document of mutation ``name`` selecting this module's payload fields, which are all
    filled when the mutation succeeds."""
    return world_mutation_document(name, MUTATIONS[name][0])


async def mutation_request(name: str, org: Org) -> tuple[str, dict[str, Any]]:
    """The document and variables of a valid call of mutation ``name``."""
    return mutation_document(name), {"input": await MUTATIONS[name][1](org)}


async def assert_refused(
    api: Api, admin: Api, org: Org, mutation: str, code: str
) -> list[dict[str, Any]]:
    """``mutation`` fails with top-level ``code`` and writes nothing; returns the errors."""
    document, variables = await mutation_request(mutation, org)
    before = await state(admin)
    body = await api.raw(document, variables)
    assert body.get("errors"), body
    assert body["errors"][0]["extensions"]["code"] == code, body
    assert body.get("data") is None, body
    assert await state(admin) == before
    errors: list[dict[str, Any]] = body["errors"]
    return errors


async def assert_accepted(api: Api, org: Org, mutation: str) -> dict[str, Any]:
    document, variables = await mutation_request(mutation, org)
    payload: dict[str, Any] = (await api(document, variables))[mutation]
    assert payload["errors"] == [], payload
    filled = [value for key, value in payload.items() if key != "errors"]
    assert filled and all(value not in (None, [], 0) for value in filled), payload
    return payload


async def create_token(admin: Api, role: str) -> tuple[str, str]:
    """(global id, secret) of a new token, created through the API."""
    payload = (
        await admin(
            mutation_document("createApiToken"), {"input": {"name": unique("t"), "role": role}}
        )
    )["createApiToken"]
    assert payload["errors"] == [] and payload["token"]["role"] == role
    return payload["token"]["id"], payload["secret"]


# -- anonymous and bad tokens ----------------------------------------------------------------


@pytest.mark.parametrize("query", list(QUERIES))
async def test_anonymous_cannot_run_any_query(anonymous: Api, rows: Rows, query: str) -> None:
    document, variables = QUERIES[query]
    assert await anonymous.error_code(document, variables(rows)) == "UNAUTHENTICATED"


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_anonymous_cannot_run_any_mutation(
    anonymous: Api, admin: Api, org: Org, mutation: str
) -> None:
    await assert_refused(anonymous, admin, org, mutation, "UNAUTHENTICATED")


BAD_SECRETS = {
    "unknown": "adv_" + "x" * 43,
    "unprefixed": "not-a-token",
    "overlong": "adv_" + "x" * 500,
}


@pytest.mark.parametrize("secret", BAD_SECRETS.values(), ids=list(BAD_SECRETS))
async def test_unknown_tokens_are_unauthenticated(
    client: httpx.AsyncClient, admin: Api, org: Org, secret: str
) -> None:
    impostor = Api(client, secret)
    assert await impostor.error_code("{ viewer { role } }") == "UNAUTHENTICATED"
    await assert_refused(impostor, admin, org, "createAccount", "UNAUTHENTICATED")


async def test_non_bearer_authorization_is_unauthenticated(
    client: httpx.AsyncClient, org: Org
) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Authorization": f"Basic {org.tokens[Role.ADMIN]}"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoked_token_is_unauthenticated(
    client: httpx.AsyncClient, admin: Api, org: Org
) -> None:
    token_id, secret = await create_token(admin, "MARKETER")
    holder = Api(client, secret)
    assert (await holder("{ viewer { role } }"))["viewer"]["role"] == "MARKETER"

    revoked = (await admin(mutation_document("revokeApiToken"), {"input": {"id": token_id}}))[
        "revokeApiToken"
    ]
    assert revoked["errors"] == [] and revoked["token"]["revokedAt"] is not None

    assert await holder.error_code("{ viewer { role } }") == "UNAUTHENTICATED"
    await assert_refused(holder, admin, org, "createAdvocate", "UNAUTHENTICATED")
    listed = await admin("{ apiTokens(first: 100) { nodes { id } } }")
    assert token_id not in [node["id"] for node in listed["apiTokens"]["nodes"]]


@pytest.fixture
async def revoked_admin(client: httpx.AsyncClient, admin: Api) -> Api:
    """An ADMIN token that worked once and has been revoked through the API."""
    token_id, secret = await create_token(admin, "ADMIN")
    holder = Api(client, secret)
    assert (await holder("{ viewer { role } }"))["viewer"]["role"] == "ADMIN"
    revoked = (await admin(mutation_document("revokeApiToken"), {"input": {"id": token_id}}))[
        "revokeApiToken"
    ]
    assert revoked["errors"] == []
    return holder


@pytest.mark.parametrize("query", list(QUERIES))
async def test_revoked_token_cannot_run_any_query(
    revoked_admin: Api, rows: Rows, query: str
) -> None:
    document, variables = QUERIES[query]
    assert await revoked_admin.error_code(document, variables(rows)) == "UNAUTHENTICATED"


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_revoked_token_cannot_run_any_mutation(
    revoked_admin: Api, admin: Api, org: Org, mutation: str
) -> None:
    await assert_refused(revoked_admin, admin, org, mutation, "UNAUTHENTICATED")


# -- viewer ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", READ_QUERIES)
async def test_viewer_can_run_every_read_query(viewer: Api, rows: Rows, query: str) -> None:
    document, variables = QUERIES[query]
    assert_query_answered(query, await viewer(document, variables(rows)))


async def test_viewer_cannot_list_api_tokens(viewer: Api, rows: Rows) -> None:
    assert await viewer.error_code(QUERIES["apiTokens"][0]) == "FORBIDDEN"


async def test_viewer_cannot_fetch_api_tokens_by_node(viewer: Api, rows: Rows) -> None:
    data = await viewer("query($id: ID!) { node(id: $id) { id } }", {"id": rows.api_token})
    assert data["node"] is None


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_viewer_cannot_run_any_mutation(
    viewer: Api, admin: Api, org: Org, mutation: str
) -> None:
    await assert_refused(viewer, admin, org, mutation, "FORBIDDEN")


# -- marketer --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", READ_QUERIES)
async def test_marketer_can_run_every_read_query(marketer: Api, rows: Rows, query: str) -> None:
    document, variables = QUERIES[query]
    assert_query_answered(query, await marketer(document, variables(rows)))


async def test_marketer_cannot_list_api_tokens(marketer: Api, rows: Rows) -> None:
    assert await marketer.error_code(QUERIES["apiTokens"][0]) == "FORBIDDEN"


@pytest.mark.parametrize("mutation", DOMAIN_MUTATIONS)
async def test_marketer_can_run_every_domain_mutation(
    marketer: Api, org: Org, mutation: str
) -> None:
    await assert_accepted(marketer, org, mutation)


@pytest.mark.parametrize("mutation", TOKEN_MUTATIONS)
async def test_marketer_cannot_manage_api_tokens(
    marketer: Api, admin: Api, org: Org, mutation: str
) -> None:
    await assert_refused(marketer, admin, org, mutation, "FORBIDDEN")


# -- admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", list(QUERIES))
async def test_admin_can_run_every_query(admin: Api, rows: Rows, query: str) -> None:
    document, variables = QUERIES[query]
    assert_query_answered(query, await admin(document, variables(rows)))


@pytest.mark.parametrize("mutation", list(MUTATIONS))
async def test_admin_can_run_every_mutation(admin: Api, org: Org, mutation: str) -> None:
    await assert_accepted(admin, org, mutation)


# -- issued tokens ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["VIEWER", "MARKETER", "ADMIN"])
async def test_created_token_secret_authenticates_with_its_role(
    client: httpx.AsyncClient, admin: Api, org: Org, role: str
) -> None:
    _, secret = await create_token(admin, role)
    holder = Api(client, secret)

    data = await holder("{ viewer { role organization { id } } }")
    assert data["viewer"] == {"role": role, "organization": {"id": org.gid}}

    create_account = mutation_document("createAccount")
    account = await holder.raw(create_account, {"input": {"name": unique("Account")}})
    tokens = await holder.raw("{ apiTokens { totalCount } }")
    if role == "VIEWER":
        assert account["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    else:
        assert "errors" not in account and account["data"]["createAccount"]["errors"] == []
    if role == "ADMIN":
        assert "errors" not in tokens and tokens["data"]["apiTokens"]["totalCount"] >= 4
    else:
        assert tokens["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_api_tokens_show_the_prefix_but_never_the_secret(admin: Api) -> None:
    token_id, secret = await create_token(admin, "MARKETER")
    listing = await admin.raw(
        """
        query($id: ID!) {
          apiTokens(first: 100, includeRevoked: true) {
            nodes { id name role prefix createdAt lastUsedAt revokedAt }
          }
          node(id: $id) { ... on ApiToken { id name role prefix createdAt lastUsedAt revokedAt } }
        }
        """,
        {"id": token_id},
    )
    assert "errors" not in listing, listing
    listed = next(t for t in listing["data"]["apiTokens"]["nodes"] if t["id"] == token_id)
    assert listed == listing["data"]["node"]
    assert secret.startswith(listed["prefix"]) and len(listed["prefix"]) < len(secret) // 2
    text = str(listing)
    assert secret not in text
    assert hash_secret(secret) not in text


async def test_api_token_type_has_no_secret_field(admin: Api) -> None:
    body = await admin.raw("{ apiTokens { nodes { secret } } }")
    assert body.get("errors") and body.get("data") is None
