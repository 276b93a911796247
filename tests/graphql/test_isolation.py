"""Cross-organization isolation (DESIGN.md §6): a token of one organization never sees or
changes another organization's rows, through any path: lists, lookups, ``node``/``nodes``,
filters, nested fields and mutations.

Every test seeds the same rows in two organizations, ``mine`` (the caller's) and ``theirs``,
and checks that the caller reaches its own rows (so an empty answer means something) and
never theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from advocacy.tenancy.models import Role
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.world import Rows, error_fields, mutate, seed_world, state

# -- the two organizations ----------------------------------------------------------------


@pytest.fixture
async def mine(org: Org, admin: Api) -> Rows:
    return await seed_world(org, admin)


@pytest.fixture
async def theirs(other_org: Org, outsider: Api) -> Rows:
    return await seed_world(other_org, outsider)


# -- lists -----------------------------------------------------------------------------------

LISTS = {
    "accounts": "account",
    "advocates": "advocate",
    "programs": "program",
    "milestones": "milestone",
    "apiTokens": "api_token",
}


@pytest.mark.parametrize(("field", "row"), LISTS.items(), ids=list(LISTS))
async def test_lists_hold_only_the_callers_rows(
    admin: Api, mine: Rows, theirs: Rows, field: str, row: str
) -> None:
    data = await admin(f"{{ {field}(first: 100) {{ totalCount nodes {{ id }} }} }}")
    ids = [node["id"] for node in data[field]["nodes"]]
    assert getattr(mine, row) in ids
    assert getattr(theirs, row) not in ids
    assert data[field]["totalCount"] == len(ids)


async def test_searching_accounts_never_finds_another_orgs_account(
    admin: Api, outsider: Api, mine: Rows, theirs: Rows
) -> None:
    their_name = (await outsider("{ accounts { nodes { name } } }"))["accounts"]["nodes"][0]["name"]
    data = await admin(
        "query($q: String) { accounts(search: $q) { totalCount nodes { id } } }", {"q": their_name}
    )
    assert data["accounts"] == {"totalCount": 0, "nodes": []}


async def test_searching_advocates_never_finds_another_orgs_advocate(
    admin: Api, outsider: Api, mine: Rows, theirs: Rows
) -> None:
    their_email = (await outsider("{ advocates { nodes { email } } }"))["advocates"]["nodes"][0][
        "email"
    ]
    data = await admin(
        "query($q: String) { advocates(filter: {search: $q}) { totalCount nodes { id } } }",
        {"q": their_email},
    )
    assert data["advocates"] == {"totalCount": 0, "nodes": []}


# -- lookups by id ---------------------------------------------------------------------------

LOOKUPS = ["account", "advocate", "program", "milestone"]


@pytest.mark.parametrize("field", LOOKUPS)
async def test_lookup_of_another_orgs_row_is_null(
    admin: Api, mine: Rows, theirs: Rows, field: str
) -> None:
    query = f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}"
    assert (await admin(query, {"id": getattr(theirs, field)}))[field] is None
    assert (await admin(query, {"id": getattr(mine, field)}))[field] == {"id": getattr(mine, field)}


NODE_ROWS = ["organization", "api_token", "account", "advocate", "program", "milestone"]
NODE_QUERY = "query($id: ID!) { node(id: $id) { id __typename } }"


@pytest.mark.parametrize("row", NODE_ROWS)
async def test_node_of_another_orgs_row_is_null(
    admin: Api, mine: Rows, theirs: Rows, row: str
) -> None:
    assert (await admin(NODE_QUERY, {"id": getattr(theirs, row)}))["node"] is None
    assert (await admin(NODE_QUERY, {"id": getattr(mine, row)}))["node"]["id"] == getattr(mine, row)


async def test_nodes_resolve_only_the_callers_rows(admin: Api, mine: Rows, theirs: Rows) -> None:
    ids = [getattr(rows, row) for row in NODE_ROWS for rows in (theirs, mine)]
    data = await admin("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    found = [None if node is None else node["id"] for node in data["nodes"]]
    assert found == [None if index % 2 == 0 else gid for index, gid in enumerate(ids)]


async def test_viewer_organization_is_the_callers(admin: Api, mine: Rows, theirs: Rows) -> None:
    data = await admin("{ viewer { organization { id } } }")
    assert data["viewer"]["organization"]["id"] == mine.organization


# -- filters and nested fields ---------------------------------------------------------------


async def test_filtering_advocates_by_another_orgs_account_yields_nothing(
    admin: Api, mine: Rows, theirs: Rows
) -> None:
    query = "query($id: ID) { advocates(filter: {accountId: $id}) { totalCount nodes { id } } }"
    assert (await admin(query, {"id": theirs.account}))["advocates"] == {
        "totalCount": 0,
        "nodes": [],
    }
    own = await admin(query, {"id": mine.account})
    assert own["advocates"]["nodes"] == [{"id": mine.advocate}]


@pytest.mark.parametrize(
    ("filter_field", "row"), [("advocateId", "advocate"), ("programId", "program")]
)
async def test_filtering_milestones_by_another_orgs_row_yields_nothing(
    admin: Api, mine: Rows, theirs: Rows, filter_field: str, row: str
) -> None:
    query = (
        f"query($id: ID) {{ milestones(filter: {{{filter_field}: $id}}) "
        "{ totalCount nodes { id } } }"
    )
    assert (await admin(query, {"id": getattr(theirs, row)}))["milestones"] == {
        "totalCount": 0,
        "nodes": [],
    }
    own = await admin(query, {"id": getattr(mine, row)})
    assert own["milestones"]["nodes"] == [{"id": mine.milestone}]


async def test_an_advocates_milestones_filtered_by_another_orgs_program_are_empty(
    admin: Api, mine: Rows, theirs: Rows
) -> None:
    query = """
      query($advocate: ID!, $program: ID) {
        advocate(id: $advocate) { milestones(programId: $program) { totalCount nodes { id } } }
      }
    """
    data = await admin(query, {"advocate": mine.advocate, "program": theirs.program})
    assert data["advocate"]["milestones"] == {"totalCount": 0, "nodes": []}
    own = await admin(query, {"advocate": mine.advocate, "program": mine.program})
    assert own["advocate"]["milestones"]["nodes"] == [{"id": mine.milestone}]


async def test_nested_fields_stay_inside_the_callers_organization(
    admin: Api, mine: Rows, theirs: Rows
) -> None:
    data = await admin(
        """
        query($milestone: ID!, $account: ID!, $program: ID!) {
          milestone(id: $milestone) { advocate { id account { id } } program { id } }
          account(id: $account) { advocates { totalCount nodes { id } } }
          program(id: $program) { milestones { totalCount nodes { id } } }
        }
        """,
        {"milestone": mine.milestone, "account": mine.account, "program": mine.program},
    )
    assert data["milestone"] == {
        "advocate": {"id": mine.advocate, "account": {"id": mine.account}},
        "program": {"id": mine.program},
    }
    assert data["account"]["advocates"] == {"totalCount": 1, "nodes": [{"id": mine.advocate}]}
    assert data["program"]["milestones"] == {"totalCount": 1, "nodes": [{"id": mine.milestone}]}


# -- mutations on another organization's rows ----------------------------------------------

CrossOrgInput = Callable[[Rows, Rows], dict[str, Any]]
"""(mine, theirs) -> the mutation's input"""

CROSS_ORG_MUTATIONS = [
    pytest.param(
        "updateAdvocate",
        lambda mine, theirs: {"id": theirs.advocate, "name": "Hijacked"},
        "id",
        id="update-their-advocate",
    ),
    pytest.param(
        "updateAdvocate",
        lambda mine, theirs: {"id": mine.advocate, "accountId": theirs.account},
        "accountId",
        id="move-my-advocate-to-their-account",
    ),
    pytest.param(
        "createAdvocate",
        lambda mine, theirs: {
            "email": "newcomer@example.com",
            "name": "Newcomer",
            "accountId": theirs.account,
        },
        "accountId",
        id="create-advocate-in-their-account",
    ),
    pytest.param(
        "recordMilestone",
        lambda mine, theirs: {
            "advocateId": theirs.advocate,
            "programId": mine.program,
            "kind": "REVIEW",
        },
        "advocateId",
        id="record-milestone-for-their-advocate",
    ),
    pytest.param(
        "recordMilestone",
        lambda mine, theirs: {
            "advocateId": mine.advocate,
            "programId": theirs.program,
            "kind": "REVIEW",
        },
        "programId",
        id="record-milestone-in-their-program",
    ),
    pytest.param(
        "approveMilestone",
        lambda mine, theirs: {"id": theirs.milestone},
        "id",
        id="approve-their-milestone",
    ),
    pytest.param(
        "rejectMilestone",
        lambda mine, theirs: {"id": theirs.milestone, "reason": "nope"},
        "id",
        id="reject-their-milestone",
    ),
    pytest.param(
        "updateProgram",
        lambda mine, theirs: {"id": theirs.program, "name": "Hijacked", "budgetTotal": 1},
        "id",
        id="update-their-program",
    ),
    pytest.param(
        "revokeApiToken",
        lambda mine, theirs: {"id": theirs.api_token},
        "id",
        id="revoke-their-api-token",
    ),
]


@pytest.mark.parametrize(("mutation", "make_input", "field"), CROSS_ORG_MUTATIONS)
async def test_mutations_on_another_orgs_rows_are_not_found_and_change_nothing(
    admin: Api,
    outsider: Api,
    mine: Rows,
    theirs: Rows,
    mutation: str,
    make_input: CrossOrgInput,
    field: str,
) -> None:
    before = (await state(admin), await state(outsider))
    payload = await mutate(admin, mutation, make_input(mine, theirs))
    assert error_fields(payload) == [(field, "NOT_FOUND")]
    assert all(value is None for key, value in payload.items() if key not in ("errors", "replayed"))
    assert (await state(admin), await state(outsider)) == before


async def test_their_token_still_works_after_a_foreign_revoke_attempt(
    client: httpx.AsyncClient, admin: Api, other_org: Org, mine: Rows, theirs: Rows
) -> None:
    payload = await mutate(admin, "revokeApiToken", {"id": theirs.api_token})
    assert error_fields(payload) == [("id", "NOT_FOUND")]
    their_viewer = Api(client, other_org.tokens[Role.VIEWER])
    data = await their_viewer("{ viewer { role organization { id } } }")
    assert data["viewer"] == {"role": "VIEWER", "organization": {"id": theirs.organization}}


# -- uniqueness and idempotency keys are per organization ------------------------------------


async def test_names_and_emails_taken_in_another_org_are_free_in_mine(
    admin: Api, outsider: Api, mine: Rows, theirs: Rows
) -> None:
    their = await outsider(
        "{ accounts { nodes { name } } advocates { nodes { email externalId } }"
        " programs { nodes { name } } }"
    )
    account_name = their["accounts"]["nodes"][0]["name"]
    advocate = their["advocates"]["nodes"][0]
    program_name = their["programs"]["nodes"][0]["name"]
    before = await state(outsider)

    account = await mutate(admin, "createAccount", {"name": account_name})
    created = await mutate(
        admin,
        "createAdvocate",
        {"email": advocate["email"], "name": "Same Person", "externalId": advocate["externalId"]},
    )
    program = await mutate(admin, "createProgram", {"name": program_name, "currency": "USD"})

    assert account["errors"] == created["errors"] == program["errors"] == []
    assert account["account"]["id"] != theirs.account
    assert created["advocate"]["id"] != theirs.advocate
    assert program["program"]["id"] != theirs.program
    assert await state(outsider) == before


async def test_a_milestone_external_id_of_another_org_does_not_replay_theirs(
    admin: Api, outsider: Api, mine: Rows, theirs: Rows
) -> None:
    before = await state(outsider)
    payload = await mutate(
        admin,
        "recordMilestone",
        {
            "advocateId": mine.advocate,
            "programId": mine.program,
            "kind": "REVIEW",
            "externalId": theirs.milestone_external_id,
        },
        selection="milestone { id } replayed",
    )
    assert payload["errors"] == []
    assert payload["replayed"] is False
    assert payload["milestone"]["id"] not in (theirs.milestone, mine.milestone)
    assert await state(outsider) == before


async def test_import_never_matches_another_orgs_advocate_or_account(
    admin: Api, outsider: Api, mine: Rows, theirs: Rows
) -> None:
    their = await outsider("{ accounts { nodes { name } } advocates { nodes { email } } }")
    email = their["advocates"]["nodes"][0]["email"]
    account_name = their["accounts"]["nodes"][0]["name"]
    before = await state(outsider)

    payload = await mutate(
        admin,
        "importAdvocates",
        {"rows": [{"email": email, "name": "Imported", "accountName": account_name}]},
    )

    assert payload["errors"] == []
    assert (payload["createdCount"], payload["updatedCount"]) == (1, 0)
    imported = payload["advocates"][0]
    assert imported["id"] != theirs.advocate
    assert imported["account"]["id"] not in (theirs.account, mine.account)
    assert await state(outsider) == before
