"""Every mutation validates its input at the edge (DESIGN.md §5 "Errors for bad input").

A bad value gives a ``UserError`` naming the input field (camelCase, dotted for nested input)
with a code clients can switch on, and nothing is written: the organization reads the same
before and after. Values GraphQL itself refuses (unknown enum values, out-of-range scalars) give
a visible top-level error. Page sizes over the cap give ``BAD_USER_INPUT``.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from advocacy.graphql.ids import encode_id
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.world import Rows, error_fields, mutate, mutation_document, seed_world, state

# -- helpers -------------------------------------------------------------------------------

MISSING_PK = 2**31 - 1
"""A primary key no row has (the largest the id columns hold)."""
HUGE_PK = 10**12
"""A primary key beyond what the id columns hold (32-bit on PostgreSQL)."""


@pytest.fixture
async def rows(org: Org, admin: Api) -> Rows:
    """The rows the mutations under test point at; the program starts on 2025-01-10."""
    return await seed_world(org, admin)


def assert_visible_request_error(body: dict[str, Any], *mentions: str) -> None:
    """A top-level error about the request itself: no data, and a message that says what is
    wrong (not the masked "internal error")."""
    assert body.get("data") is None, body
    assert body.get("errors"), body
    message = body["errors"][0]["message"]
    assert message != "internal error", body
    for mention in mentions:
        assert mention in message, body


def long(length: int) -> str:
    return "x" * length


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# A valid input for every mutation; each bad-input case changes one or a few of its fields.
BASE_INPUTS: dict[str, Callable[[Rows], dict[str, Any]]] = {
    "createAccount": lambda rows: {"name": "Acme"},
    "createAdvocate": lambda rows: {"email": "ada@example.com", "name": "Ada"},
    "updateAdvocate": lambda rows: {"id": rows.advocate},
    "recordMilestone": lambda rows: {
        "advocateId": rows.advocate,
        "programId": rows.program,
        "kind": "REVIEW",
    },
    "approveMilestone": lambda rows: {"id": rows.milestone},
    "rejectMilestone": lambda rows: {"id": rows.milestone},
    "createProgram": lambda rows: {"name": "Spring", "currency": "USD"},
    "updateProgram": lambda rows: {"id": rows.program},
    "createApiToken": lambda rows: {"name": "ci", "role": "VIEWER"},
    "revokeApiToken": lambda rows: {"id": rows.api_token},
}

Overrides = dict[str, Any] | Callable[[Rows], dict[str, Any]]


def bad(mutation: str, overrides: Overrides, *errors: tuple[str, str], id: str) -> Any:
    return pytest.param(mutation, overrides, list(errors), id=f"{mutation}-{id}")


FUTURE = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()

BAD_INPUTS = [
    # createAccount
    bad("createAccount", {"name": ""}, ("name", "REQUIRED"), id="empty-name"),
    bad("createAccount", {"name": "   "}, ("name", "REQUIRED"), id="blank-name"),
    bad("createAccount", {"name": long(201)}, ("name", "TOO_LONG"), id="long-name"),
    bad("createAccount", {"name": "Acme\u0007"}, ("name", "INVALID"), id="control-char"),
    bad("createAccount", {"domain": "not a domain"}, ("domain", "INVALID"), id="bad-domain"),
    bad("createAccount", {"domain": "javascript:alert(1)"}, ("domain", "INVALID"), id="js-domain"),
    bad("createAccount", {"domain": long(254)}, ("domain", "TOO_LONG"), id="long-domain"),
    bad("createAccount", {"crmId": long(101)}, ("crmId", "TOO_LONG"), id="long-crm-id"),
    # createAdvocate
    bad("createAdvocate", {"email": ""}, ("email", "REQUIRED"), id="empty-email"),
    bad("createAdvocate", {"email": "not-an-email"}, ("email", "INVALID"), id="no-at"),
    bad("createAdvocate", {"email": "ada@localhost"}, ("email", "INVALID"), id="no-dot"),
    bad("createAdvocate", {"email": "ada lovelace@example.com"}, ("email", "INVALID"), id="space"),
    bad("createAdvocate", {"email": "a@b@example.com"}, ("email", "INVALID"), id="two-ats"),
    bad(
        "createAdvocate",
        {"email": long(250) + "@example.com"},
        ("email", "TOO_LONG"),
        id="long-email",
    ),
    bad(
        "createAdvocate",
        lambda rows: {"email": rows.advocate_email.upper()},
        ("email", "ALREADY_EXISTS"),
        id="taken-email",
    ),
    bad(
        "createAdvocate",
        lambda rows: {"externalId": rows.advocate_external_id},
        ("externalId", "ALREADY_EXISTS"),
        id="taken-external-id",
    ),
    bad("createAdvocate", {"name": ""}, ("name", "REQUIRED"), id="empty-name"),
    bad("createAdvocate", {"name": long(201)}, ("name", "TOO_LONG"), id="long-name"),
    bad("createAdvocate", {"title": long(201)}, ("title", "TOO_LONG"), id="long-title"),
    bad(
        "createAdvocate",
        {"interests": ["vip", "Not OK!"]},
        ("interests.1", "INVALID"),
        id="bad-interest",
    ),
    bad(
        "createAdvocate",
        {"interests": [f"tag{n}" for n in range(31)]},
        ("interests", "TOO_MANY"),
        id="too-many-interests",
    ),
    bad("createAdvocate", {"locale": "english"}, ("locale", "INVALID"), id="bad-locale"),
    bad("createAdvocate", {"locale": long(17)}, ("locale", "TOO_LONG"), id="long-locale"),
    bad("createAdvocate", {"timezone": "Mars/Olympus"}, ("timezone", "INVALID"), id="bad-tz"),
    bad("createAdvocate", {"timezone": "../../etc/passwd"}, ("timezone", "INVALID"), id="path-tz"),
    bad("createAdvocate", {"externalId": long(101)}, ("externalId", "TOO_LONG"), id="long-ext"),
    bad("createAdvocate", {"accountId": "not-an-id"}, ("accountId", "INVALID"), id="bad-account"),
    bad(
        "createAdvocate",
        lambda rows: {"accountId": rows.advocate},
        ("accountId", "INVALID"),
        id="advocate-id-as-account",
    ),
    bad(
        "createAdvocate",
        {"accountId": encode_id("Account", MISSING_PK)},
        ("accountId", "NOT_FOUND"),
        id="missing-account",
    ),
    bad(
        "createAdvocate",
        {"email": "nope", "name": "", "locale": "?"},
        ("email", "INVALID"),
        ("name", "REQUIRED"),
        ("locale", "INVALID"),
        id="every-bad-field-at-once",
    ),
    # updateAdvocate
    bad("updateAdvocate", {"id": "not-an-id"}, ("id", "INVALID"), id="bad-id"),
    bad(
        "updateAdvocate",
        lambda rows: {"id": rows.program},
        ("id", "INVALID"),
        id="program-id-as-advocate",
    ),
    bad(
        "updateAdvocate",
        {"id": encode_id("Advocate", MISSING_PK)},
        ("id", "NOT_FOUND"),
        id="missing-advocate",
    ),
    bad(
        "updateAdvocate",
        {"name": "Renamed", "email": "bad-email"},
        ("email", "INVALID"),
        id="bad-email-with-good-name",
    ),
    bad("updateAdvocate", {"email": None}, ("email", "REQUIRED"), id="null-email"),
    bad("updateAdvocate", {"name": ""}, ("name", "REQUIRED"), id="empty-name"),
    bad("updateAdvocate", {"name": None}, ("name", "REQUIRED"), id="null-name"),
    bad("updateAdvocate", {"title": long(201)}, ("title", "TOO_LONG"), id="long-title"),
    bad("updateAdvocate", {"status": None}, ("status", "REQUIRED"), id="null-status"),
    bad("updateAdvocate", {"nudgesOptOut": None}, ("nudgesOptOut", "REQUIRED"), id="null-opt"),
    bad("updateAdvocate", {"timezone": "Nowhere/Land"}, ("timezone", "INVALID"), id="bad-tz"),
    bad("updateAdvocate", {"locale": "e"}, ("locale", "INVALID"), id="bad-locale"),
    bad("updateAdvocate", {"interests": ["ok", "!!"]}, ("interests.1", "INVALID"), id="bad-tag"),
    bad("updateAdvocate", {"accountId": "garbage"}, ("accountId", "INVALID"), id="bad-account"),
    # recordMilestone
    bad("recordMilestone", {"advocateId": "not-an-id"}, ("advocateId", "INVALID"), id="bad-adv"),
    bad(
        "recordMilestone",
        lambda rows: {"advocateId": rows.program},
        ("advocateId", "INVALID"),
        id="program-id-as-advocate",
    ),
    bad(
        "recordMilestone",
        lambda rows: {"programId": rows.advocate},
        ("programId", "INVALID"),
        id="advocate-id-as-program",
    ),
    bad(
        "recordMilestone",
        {"advocateId": encode_id("Advocate", MISSING_PK)},
        ("advocateId", "NOT_FOUND"),
        id="missing-advocate",
    ),
    bad(
        "recordMilestone",
        {"programId": encode_id("Program", MISSING_PK)},
        ("programId", "NOT_FOUND"),
        id="missing-program",
    ),
    bad(
        "recordMilestone",
        {"evidenceUrl": "javascript:alert(1)"},
        ("evidenceUrl", "INVALID"),
        id="javascript-url",
    ),
    bad("recordMilestone", {"evidenceUrl": "ftp://x"}, ("evidenceUrl", "INVALID"), id="ftp-url"),
    bad("recordMilestone", {"evidenceUrl": "http://"}, ("evidenceUrl", "INVALID"), id="no-host"),
    bad(
        "recordMilestone",
        {"evidenceUrl": "www.example.com/review"},
        ("evidenceUrl", "INVALID"),
        id="no-scheme",
    ),
    bad(
        "recordMilestone",
        {"evidenceUrl": "https://example.com/" + long(2000)},
        ("evidenceUrl", "TOO_LONG"),
        id="long-url",
    ),
    bad("recordMilestone", {"note": long(2001)}, ("note", "TOO_LONG"), id="long-note"),
    bad("recordMilestone", {"externalId": long(201)}, ("externalId", "TOO_LONG"), id="long-ext"),
    bad("recordMilestone", {"occurredAt": FUTURE}, ("occurredAt", "OUT_OF_RANGE"), id="future"),
    bad(
        "recordMilestone",
        {"occurredAt": "2024-01-01T00:00:00"},
        ("occurredAt", "INVALID"),
        id="naive-datetime",
    ),
    # approveMilestone / rejectMilestone
    bad("approveMilestone", {"id": "not-an-id"}, ("id", "INVALID"), id="bad-id"),
    bad(
        "approveMilestone",
        lambda rows: {"id": rows.advocate},
        ("id", "INVALID"),
        id="advocate-id-as-milestone",
    ),
    bad(
        "approveMilestone",
        {"id": encode_id("Milestone", MISSING_PK)},
        ("id", "NOT_FOUND"),
        id="missing-milestone",
    ),
    bad("approveMilestone", {"note": long(2001)}, ("note", "TOO_LONG"), id="long-note"),
    bad("rejectMilestone", {"id": "not-an-id"}, ("id", "INVALID"), id="bad-id"),
    bad("rejectMilestone", {"reason": long(2001)}, ("reason", "TOO_LONG"), id="long-reason"),
    # createProgram
    bad("createProgram", {"name": ""}, ("name", "REQUIRED"), id="empty-name"),
    bad("createProgram", {"name": long(201)}, ("name", "TOO_LONG"), id="long-name"),
    bad("createProgram", {"currency": "XXX"}, ("currency", "INVALID"), id="unknown-currency"),
    bad("createProgram", {"currency": "usd1"}, ("currency", "TOO_LONG"), id="long-currency"),
    bad("createProgram", {"currency": "US"}, ("currency", "INVALID"), id="short-currency"),
    bad("createProgram", {"currency": ""}, ("currency", "REQUIRED"), id="empty-currency"),
    bad("createProgram", {"budgetTotal": -1}, ("budgetTotal", "OUT_OF_RANGE"), id="negative"),
    bad(
        "createProgram",
        {"budgetTotal": 10**11 + 1},
        ("budgetTotal", "OUT_OF_RANGE"),
        id="absurd-budget",
    ),
    bad(
        "createProgram",
        {"description": long(5001)},
        ("description", "TOO_LONG"),
        id="long-description",
    ),
    bad("createProgram", {"goal": long(2001)}, ("goal", "TOO_LONG"), id="long-goal"),
    bad("createProgram", {"status": "ENDED"}, ("status", "INVALID"), id="starts-ended"),
    bad("createProgram", {"status": "PAUSED"}, ("status", "INVALID"), id="starts-paused"),
    bad(
        "createProgram",
        {"startsOn": "2025-06-10", "endsOn": "2025-06-01"},
        ("endsOn", "OUT_OF_RANGE"),
        id="ends-before-start",
    ),
    bad(
        "createProgram",
        {"pointsPerKind": [{"kind": "REVIEW", "points": 10}, {"kind": "REFERRAL", "points": -1}]},
        ("pointsPerKind.1.points", "OUT_OF_RANGE"),
        id="negative-points",
    ),
    bad(
        "createProgram",
        {"pointsPerKind": [{"kind": "REVIEW", "points": 100_001}]},
        ("pointsPerKind.0.points", "OUT_OF_RANGE"),
        id="absurd-points",
    ),
    bad(
        "createProgram",
        {"kpiTargets": [{"name": f"kpi{n}", "target": 1} for n in range(21)]},
        ("kpiTargets", "TOO_MANY"),
        id="too-many-kpis",
    ),
    bad(
        "createProgram",
        {"kpiTargets": [{"name": "reviews", "target": 5}, {"name": "", "target": 5}]},
        ("kpiTargets.1.name", "REQUIRED"),
        id="empty-kpi-name",
    ),
    bad(
        "createProgram",
        {"kpiTargets": [{"name": "reviews", "target": -1}]},
        ("kpiTargets.0.target", "OUT_OF_RANGE"),
        id="negative-kpi-target",
    ),
    # updateProgram
    bad("updateProgram", {"id": "not-an-id"}, ("id", "INVALID"), id="bad-id"),
    bad(
        "updateProgram",
        lambda rows: {"id": rows.advocate},
        ("id", "INVALID"),
        id="advocate-id-as-program",
    ),
    bad(
        "updateProgram",
        {"id": encode_id("Program", MISSING_PK)},
        ("id", "NOT_FOUND"),
        id="missing-program",
    ),
    bad("updateProgram", {"name": ""}, ("name", "REQUIRED"), id="empty-name"),
    bad("updateProgram", {"name": None}, ("name", "REQUIRED"), id="null-name"),
    bad("updateProgram", {"currency": "XXX"}, ("currency", "INVALID"), id="unknown-currency"),
    bad("updateProgram", {"currency": None}, ("currency", "REQUIRED"), id="null-currency"),
    bad("updateProgram", {"budgetTotal": -1}, ("budgetTotal", "OUT_OF_RANGE"), id="negative"),
    bad(
        "updateProgram",
        {"budgetTotal": 10**11 + 1},
        ("budgetTotal", "OUT_OF_RANGE"),
        id="absurd-budget",
    ),
    bad("updateProgram", {"budgetTotal": None}, ("budgetTotal", "REQUIRED"), id="null-budget"),
    bad(
        "updateProgram",
        {"name": "Renamed", "budgetTotal": -5},
        ("budgetTotal", "OUT_OF_RANGE"),
        id="bad-budget-with-good-name",
    ),
    bad(
        "updateProgram",
        {"endsOn": "2025-01-01"},
        ("endsOn", "OUT_OF_RANGE"),
        id="ends-before-existing-start",
    ),
    bad("updateProgram", {"status": None}, ("status", "REQUIRED"), id="null-status"),
    bad(
        "updateProgram",
        {"pointsPerKind": [{"kind": "REVIEW", "points": -1}]},
        ("pointsPerKind.0.points", "OUT_OF_RANGE"),
        id="negative-points",
    ),
    # createApiToken / revokeApiToken
    bad("createApiToken", {"name": ""}, ("name", "REQUIRED"), id="empty-name"),
    bad("createApiToken", {"name": long(101)}, ("name", "TOO_LONG"), id="long-name"),
    bad("createApiToken", {"name": "VIEWER-token"}, ("name", "ALREADY_EXISTS"), id="taken-name"),
    bad("revokeApiToken", {"id": "not-an-id"}, ("id", "INVALID"), id="bad-id"),
    bad(
        "revokeApiToken",
        lambda rows: {"id": rows.advocate},
        ("id", "INVALID"),
        id="advocate-id-as-token",
    ),
    bad(
        "revokeApiToken",
        {"id": encode_id("ApiToken", MISSING_PK)},
        ("id", "NOT_FOUND"),
        id="missing-token",
    ),
]


def build_input(mutation: str, rows: Rows, overrides: Overrides) -> dict[str, Any]:
    changes = overrides(rows) if callable(overrides) else overrides
    return {**BASE_INPUTS[mutation](rows), **changes}


# -- payload errors --------------------------------------------------------------------------


@pytest.mark.parametrize("mutation", list(BASE_INPUTS))
async def test_base_inputs_are_valid(admin: Api, rows: Rows, mutation: str) -> None:
    """Every bad-input case below fails because of what it changes, not because of its base."""
    payload = await mutate(admin, mutation, BASE_INPUTS[mutation](rows))
    assert payload["errors"] == []


@pytest.mark.parametrize(("mutation", "overrides", "expected"), BAD_INPUTS)
async def test_bad_input_names_the_field_and_writes_nothing(
    admin: Api,
    rows: Rows,
    mutation: str,
    overrides: Overrides,
    expected: list[tuple[str, str]],
) -> None:
    before = await state(admin)
    payload = await mutate(admin, mutation, build_input(mutation, rows, overrides))
    assert error_fields(payload) == expected
    assert all(error["message"] for error in payload["errors"])
    assert all(value is None for key, value in payload.items() if key != "errors"), payload
    assert await state(admin) == before


# -- values GraphQL itself refuses -----------------------------------------------------------

GRAPHQL_REFUSALS = [
    pytest.param("createAdvocate", {"status": "BOGUS"}, "status", id="advocate-status"),
    pytest.param("updateAdvocate", {"status": "GONE"}, "status", id="update-advocate-status"),
    pytest.param("recordMilestone", {"kind": "NOPE"}, "kind", id="milestone-kind"),
    pytest.param("createProgram", {"status": "BOGUS"}, "status", id="program-status"),
    pytest.param(
        "createProgram",
        {"pointsPerKind": [{"kind": "NOPE", "points": 1}]},
        "kind",
        id="points-kind",
    ),
    pytest.param("createApiToken", {"role": "SUPERUSER"}, "role", id="token-role"),
    pytest.param("createProgram", {"budgetTotal": 2**60}, "budgetTotal", id="bigint-overflow"),
    pytest.param("createProgram", {"budgetTotal": "lots"}, "budgetTotal", id="bigint-text"),
    pytest.param("createProgram", {"budgetTotal": 1.5}, "budgetTotal", id="bigint-fraction"),
    pytest.param("createProgram", {"startsOn": "2025-13-45"}, "startsOn", id="bad-date"),
    pytest.param(
        "createProgram",
        {"pointsPerKind": [{"kind": "REVIEW", "points": 2**40}]},
        "points",
        id="int-overflow",
    ),
    pytest.param("recordMilestone", {"occurredAt": "yesterday"}, "occurredAt", id="bad-datetime"),
]


@pytest.mark.parametrize(("mutation", "overrides", "field"), GRAPHQL_REFUSALS)
async def test_values_graphql_refuses_give_a_visible_error_and_write_nothing(
    admin: Api, rows: Rows, mutation: str, overrides: dict[str, Any], field: str
) -> None:
    before = await state(admin)
    body = await admin.raw(
        mutation_document(mutation), {"input": build_input(mutation, rows, overrides)}
    )
    assert_visible_request_error(body, field)
    assert await state(admin) == before


async def test_unknown_enum_literal_is_a_validation_error(admin: Api, rows: Rows) -> None:
    before = await state(admin)
    body = await admin.raw(
        'mutation { createAdvocate(input: {email: "x@example.com", name: "X", status: BOGUS}) '
        "{ advocate { id } errors { field code } } }"
    )
    assert_visible_request_error(body, "BOGUS")
    assert await state(admin) == before


async def test_missing_required_input_field_is_a_validation_error(admin: Api, rows: Rows) -> None:
    before = await state(admin)
    body = await admin.raw(mutation_document("createAdvocate"), {"input": {"name": "No Email"}})
    assert_visible_request_error(body, "email")
    assert await state(admin) == before


# -- page sizes, cursors and ids in queries ----------------------------------------------------

CONNECTIONS = {
    "accounts": lambda rows, args: f"{{ accounts({args}) {{ totalCount }} }}",
    "advocates": lambda rows, args: f"{{ advocates({args}) {{ totalCount }} }}",
    "programs": lambda rows, args: f"{{ programs({args}) {{ totalCount }} }}",
    "milestones": lambda rows, args: f"{{ milestones({args}) {{ totalCount }} }}",
    "apiTokens": lambda rows, args: f"{{ apiTokens({args}) {{ totalCount }} }}",
    "account.advocates": lambda rows, args: (
        f'{{ account(id: "{rows.account}") {{ advocates({args}) {{ totalCount }} }} }}'
    ),
    "advocate.milestones": lambda rows, args: (
        f'{{ advocate(id: "{rows.advocate}") {{ milestones({args}) {{ totalCount }} }} }}'
    ),
    "program.milestones": lambda rows, args: (
        f'{{ program(id: "{rows.program}") {{ milestones({args}) {{ totalCount }} }} }}'
    ),
}


@pytest.mark.parametrize("connection", list(CONNECTIONS))
@pytest.mark.parametrize("args", ["first: 101", "first: -1", 'after: "garbage"'])
async def test_page_arguments_out_of_range_are_bad_user_input(
    admin: Api, rows: Rows, connection: str, args: str
) -> None:
    assert await admin.error_code(CONNECTIONS[connection](rows, args)) == "BAD_USER_INPUT"


@pytest.mark.parametrize("connection", list(CONNECTIONS))
async def test_first_at_the_cap_is_accepted(admin: Api, rows: Rows, connection: str) -> None:
    data = await admin(CONNECTIONS[connection](rows, "first: 100"))
    value = next(iter(data.values()))
    page = value if "totalCount" in value else next(iter(value.values()))
    assert page["totalCount"] >= 1


async def test_nodes_over_the_cap_is_bad_user_input(admin: Api, rows: Rows) -> None:
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert await admin.error_code(query, {"ids": [rows.advocate] * 101}) == "BAD_USER_INPUT"
    assert len((await admin(query, {"ids": [rows.advocate] * 100}))["nodes"]) == 100


@pytest.mark.parametrize("field", ["node", "account", "advocate", "program", "milestone"])
async def test_lookups_with_malformed_ids_return_null(admin: Api, rows: Rows, field: str) -> None:
    query = f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}"
    malformed = [
        "not-an-id",
        "",
        "@@@@",
        encode_id("Nope", 1),
        b64("Advocate:abc"),
        b64("Advocate"),
    ]
    if field != "node":
        malformed.append(rows.api_token)  # an id of another type
    for global_id in malformed:
        assert (await admin(query, {"id": global_id}))[field] is None, global_id


HUGE_ID_MUTATIONS = [
    pytest.param(
        "createAdvocate",
        {"accountId": encode_id("Account", HUGE_PK)},
        "accountId",
        id="createAdvocate-accountId",
    ),
    pytest.param(
        "updateAdvocate", {"id": encode_id("Advocate", HUGE_PK)}, "id", id="updateAdvocate-id"
    ),
    pytest.param(
        "recordMilestone",
        {"advocateId": encode_id("Advocate", HUGE_PK)},
        "advocateId",
        id="recordMilestone-advocateId",
    ),
    pytest.param(
        "recordMilestone",
        {"programId": encode_id("Program", HUGE_PK)},
        "programId",
        id="recordMilestone-programId",
    ),
    pytest.param(
        "approveMilestone", {"id": encode_id("Milestone", HUGE_PK)}, "id", id="approveMilestone-id"
    ),
    pytest.param(
        "rejectMilestone", {"id": encode_id("Milestone", HUGE_PK)}, "id", id="rejectMilestone-id"
    ),
    pytest.param(
        "updateProgram", {"id": encode_id("Program", HUGE_PK)}, "id", id="updateProgram-id"
    ),
    pytest.param(
        "revokeApiToken", {"id": encode_id("ApiToken", HUGE_PK)}, "id", id="revokeApiToken-id"
    ),
]


@pytest.mark.parametrize(("mutation", "overrides", "field"), HUGE_ID_MUTATIONS)
async def test_ids_beyond_the_id_range_are_a_payload_error_not_a_crash(
    admin: Api, rows: Rows, mutation: str, overrides: dict[str, Any], field: str
) -> None:
    before = await state(admin)
    body = await admin.raw(
        mutation_document(mutation), {"input": build_input(mutation, rows, overrides)}
    )
    assert "errors" not in body, body
    payload = body["data"][mutation]
    assert len(payload["errors"]) == 1, payload
    assert payload["errors"][0]["field"] == field
    assert payload["errors"][0]["code"] in ("INVALID", "NOT_FOUND")
    assert await state(admin) == before


async def test_lookups_and_filters_with_ids_beyond_the_id_range_find_nothing(
    admin: Api, rows: Rows
) -> None:
    data = await admin(
        """
        query($advocate: ID!, $account: ID!, $program: ID!, $milestone: ID!) {
          node(id: $advocate) { id }
          nodes(ids: [$advocate, $milestone]) { id }
          advocate(id: $advocate) { id }
          account(id: $account) { id }
          program(id: $program) { id }
          milestone(id: $milestone) { id }
          advocates(filter: {accountId: $account}) { totalCount }
          milestones(filter: {advocateId: $advocate, programId: $program}) { totalCount }
        }
        """,
        {
            "advocate": encode_id("Advocate", HUGE_PK),
            "account": encode_id("Account", HUGE_PK),
            "program": encode_id("Program", HUGE_PK),
            "milestone": encode_id("Milestone", HUGE_PK),
        },
    )
    assert data == {
        "node": None,
        "nodes": [None, None],
        "advocate": None,
        "account": None,
        "program": None,
        "milestone": None,
        "advocates": {"totalCount": 0},
        "milestones": {"totalCount": 0},
    }


async def test_filters_with_malformed_ids_match_nothing(admin: Api, rows: Rows) -> None:
    data = await admin(
        """
        {
          advocates(filter: {accountId: "not-an-id"}) { totalCount }
          byAdvocate: milestones(filter: {advocateId: "not-an-id"}) { totalCount }
          byProgram: milestones(filter: {programId: "not-an-id"}) { totalCount }
        }
        """
    )
    assert data == {
        "advocates": {"totalCount": 0},
        "byAdvocate": {"totalCount": 0},
        "byProgram": {"totalCount": 0},
    }


async def test_nested_milestones_with_a_malformed_program_id_are_not_an_internal_error(
    admin: Api, rows: Rows
) -> None:
    """Like the root filter, a malformed id matches nothing, or at worst is BAD_USER_INPUT;
    never a masked "internal error"."""
    body = await admin.raw(
        'query($id: ID!) { advocate(id: $id) { milestones(programId: "not-an-id") '
        "{ totalCount } } }",
        {"id": rows.advocate},
    )
    if "errors" in body:
        assert body["errors"][0].get("extensions", {}).get("code") == "BAD_USER_INPUT", body
    else:
        assert body["data"]["advocate"]["milestones"] == {"totalCount": 0}


# -- importAdvocates -------------------------------------------------------------------------


def import_row(email: str, name: str = "Imported", **fields: Any) -> dict[str, Any]:
    return {"email": email, "name": name, **fields}


async def advocates_by_email(admin: Api) -> dict[str, dict[str, Any]]:
    data = await admin("{ advocates(first: 100) { nodes { id email name title externalId } } }")
    return {node["email"]: node for node in data["advocates"]["nodes"]}


async def test_import_of_more_than_1000_rows_is_refused_whole(admin: Api, rows: Rows) -> None:
    before = await state(admin)
    batch = [import_row(f"bulk{n}@example.com") for n in range(1001)]
    payload = await mutate(admin, "importAdvocates", {"rows": batch})
    assert error_fields(payload) == [("rows", "TOO_MANY")]
    assert (payload["createdCount"], payload["updatedCount"], payload["advocates"]) == (0, 0, [])
    assert await state(admin) == before


async def test_import_of_1000_rows_is_accepted(admin: Api, rows: Rows) -> None:
    batch = [import_row(f"bulk{n}@example.com") for n in range(1000)]
    document = (
        "mutation($input: ImportAdvocatesInput!) { importAdvocates(input: $input) "
        "{ createdCount updatedCount errors { field code } } }"
    )
    payload = (await admin(document, {"input": {"rows": batch}}))["importAdvocates"]
    assert payload == {"createdCount": 1000, "updatedCount": 0, "errors": []}
    assert (await admin("{ advocates { totalCount } }"))["advocates"]["totalCount"] == 1001


async def test_import_saves_valid_rows_and_names_each_bad_row_field(admin: Api, rows: Rows) -> None:
    accounts_before = (await state(admin))["accounts"]
    batch = [
        import_row("good0@example.com"),
        import_row("not-an-email"),
        import_row("good2@example.com", accountName="Good Co", accountDomain="good.example"),
        import_row("nameless@example.com", name=""),
        import_row("where@example.com", locale="english", timezone="Mars/Olympus"),
        import_row("tags@example.com", interests=["ok", "NOT OK!"]),
        import_row("ghost@example.com", accountName="Ghost Co", accountDomain="not a domain"),
        import_row("crm@example.com", externalId=long(101)),
        import_row("long@example.com", title=long(201), accountName=long(201)),
        import_row("good9@example.com", name="Good Nine"),
    ]
    payload = await mutate(admin, "importAdvocates", {"rows": batch})

    assert error_fields(payload) == [
        ("rows.1.email", "INVALID"),
        ("rows.3.name", "REQUIRED"),
        ("rows.4.locale", "INVALID"),
        ("rows.4.timezone", "INVALID"),
        ("rows.5.interests.1", "INVALID"),
        ("rows.6.accountDomain", "INVALID"),
        ("rows.7.externalId", "TOO_LONG"),
        ("rows.8.title", "TOO_LONG"),
        ("rows.8.accountName", "TOO_LONG"),
    ]
    saved = ["good0@example.com", "good2@example.com", "good9@example.com"]
    assert (payload["createdCount"], payload["updatedCount"]) == (3, 0)
    assert sorted(advocate["email"] for advocate in payload["advocates"]) == saved
    assert sorted(await advocates_by_email(admin)) == sorted([rows.advocate_email, *saved])
    accounts = (await state(admin))["accounts"]
    assert accounts["totalCount"] == accounts_before["totalCount"] + 1
    assert "Ghost Co" not in [account["name"] for account in accounts["nodes"]]


async def test_import_refuses_a_second_row_with_the_same_email(admin: Api, rows: Rows) -> None:
    batch = [
        import_row("twin@example.com", name="First"),
        import_row("TWIN@example.com", name="Second"),
    ]
    payload = await mutate(admin, "importAdvocates", {"rows": batch})
    assert error_fields(payload) == [("rows.1.email", "ALREADY_EXISTS")]
    assert payload["createdCount"] == 1
    assert (await advocates_by_email(admin))["twin@example.com"]["name"] == "First"


async def test_import_refuses_an_external_id_held_by_another_advocate(
    admin: Api, rows: Rows
) -> None:
    batch = [
        import_row("one@example.com", externalId="crm-1"),
        import_row("two@example.com", externalId="crm-1"),
        import_row("three@example.com", externalId=rows.advocate_external_id),
    ]
    payload = await mutate(admin, "importAdvocates", {"rows": batch})
    assert error_fields(payload) == [
        ("rows.1.externalId", "ALREADY_EXISTS"),
        ("rows.2.externalId", "ALREADY_EXISTS"),
    ]
    saved = await advocates_by_email(admin)
    assert sorted(saved) == sorted([rows.advocate_email, "one@example.com"])
    assert saved[rows.advocate_email]["externalId"] == rows.advocate_external_id


async def test_reimport_updates_by_email_and_never_duplicates(admin: Api, rows: Rows) -> None:
    first = await mutate(
        admin,
        "importAdvocates",
        {"rows": [import_row("ada@example.com", "Ada"), import_row("bob@example.com", "Bob")]},
    )
    assert (first["createdCount"], first["updatedCount"], first["errors"]) == (2, 0, [])
    ids = {advocate["email"]: advocate["id"] for advocate in first["advocates"]}

    second = await mutate(
        admin,
        "importAdvocates",
        {
            "rows": [
                import_row("ADA@example.com", "Ada Lovelace", title="Countess"),
                import_row("cy@example.com", "Cy"),
            ]
        },
    )
    assert (second["createdCount"], second["updatedCount"], second["errors"]) == (1, 1, [])

    saved = await advocates_by_email(admin)
    assert sorted(saved) == sorted(
        [rows.advocate_email, "ada@example.com", "bob@example.com", "cy@example.com"]
    )
    assert saved["ada@example.com"]["id"] == ids["ada@example.com"]
    assert (saved["ada@example.com"]["name"], saved["ada@example.com"]["title"]) == (
        "Ada Lovelace",
        "Countess",
    )
    assert saved["bob@example.com"]["name"] == "Bob"

    again = await mutate(
        admin,
        "importAdvocates",
        {"rows": [import_row("ada@example.com", "Ada Lovelace"), import_row("cy@example.com")]},
    )
    assert (again["createdCount"], again["updatedCount"], again["errors"]) == (0, 2, [])
    assert sorted(await advocates_by_email(admin)) == sorted(saved)
