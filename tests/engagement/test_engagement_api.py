"""Roles and tenancy for the engagement API: viewers read, marketers write, anonymous callers
get nothing; another organization's nudges, asks, policies and advocates are out of reach
through every path (lists, node, nested fields, mutations)."""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.graphql.ids import encode_id
from tests.conftest import Org
from tests.engagement.conftest import engaged_at, noon, nudges_of, tick
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_program

MUTATIONS: dict[str, tuple[str, str]] = {
    "configureEngagementPolicy": ("{maxNudges: 2}", "engagementPolicy { maxNudges }"),
    "configureProgramEngagementPolicy": (
        "{programId: $program, lapseAfterDays: 30}",
        "programEngagementPolicy { lapseAfterDays }",
    ),
    "pauseNudges": ("{advocateId: $advocate}", "advocate { nudgesPaused }"),
    "resumeNudges": ("{advocateId: $advocate}", "advocate { nudgesPaused }"),
    "updateNudgeTemplate": ('{subject: "Hi {first_name}", body: "Hello"}', "template { subject }"),
    "configureAskPolicy": ("{programId: $program, kind: REVIEW}", "askPolicy { kind }"),
    "scheduleAsk": ("{advocateId: $advocate, programId: $program, kind: REVIEW}", "ask { id }"),
    "markResultsSeen": ("{advocateId: $advocate}", "advocate { resultsSeenAt }"),
}


def document(name: str) -> str:
    arguments, selection = MUTATIONS[name]
    declared = ", ".join(f"${n}: ID!" for n in ("advocate", "program") if f"${n}" in arguments)
    head = f"mutation({declared})" if declared else "mutation"
    return f"{head} {{ {name}(input: {arguments}) {{ {selection} errors {{ field code }} }} }}"


async def world(org: Org) -> dict[str, Any]:
    """An advocate with a nudge and an open ask, and a program with an ask policy."""
    advocate = await make_advocate(org.id)
    program = await make_program(org.id)
    await engaged_at(advocate.id or 0, noon(-61))
    await tick(noon())
    [nudge] = await nudges_of(advocate.id or 0)
    return {
        "advocate": encode_id("Advocate", advocate.id or 0),
        "program": encode_id("Program", program.id or 0),
        "nudge": encode_id("Nudge", nudge.id or 0),
    }


def variables(name: str, rows: dict[str, Any]) -> dict[str, Any]:
    arguments = MUTATIONS[name][0]
    return {key: rows[key] for key in ("advocate", "program") if f"${key}" in arguments}


@pytest.mark.parametrize("name", list(MUTATIONS))
async def test_viewers_and_strangers_cannot_change_engagement(
    org: Org, viewer: Api, anonymous: Api, marketer: Api, name: str
) -> None:
    rows = await world(org)
    assert await viewer.error_code(document(name), variables(name, rows)) == "FORBIDDEN"
    assert await anonymous.error_code(document(name), variables(name, rows)) == "UNAUTHENTICATED"
    answer = await marketer(document(name), variables(name, rows))
    assert answer[name]["errors"] == [], answer


@pytest.mark.parametrize(
    "name",
    [
        "pauseNudges",
        "scheduleAsk",
        "markResultsSeen",
        "configureAskPolicy",
        "configureProgramEngagementPolicy",
    ],
)
async def test_another_organizations_advocates_and_programs_are_not_found(
    org: Org, other_org: Org, outsider: Api, name: str
) -> None:
    rows = await world(org)
    answer = await outsider(document(name), variables(name, rows))
    assert [e["code"] for e in answer[name]["errors"]] == ["NOT_FOUND"]


READS = """query($advocate: ID!, $program: ID!, $nudge: ID!) {
  nudges { totalCount nodes { id } }
  asks { totalCount nodes { id } }
  node(id: $nudge) { id }
  advocate(id: $advocate) { nudges { totalCount } asks { totalCount } }
  program(id: $program) { asks { totalCount } askStats { sent } askPolicy { kind } }
  engagementPolicy { maxNudges }
  nudgeTemplate { subject }
}"""


async def test_viewers_read_their_own_and_never_anyone_elses(
    org: Org, other_org: Org, viewer: Api, marketer: Api, outsider: Api
) -> None:
    rows = await world(org)
    for name in ("configureAskPolicy", "scheduleAsk", "configureEngagementPolicy"):
        assert (await marketer(document(name), variables(name, rows)))[name]["errors"] == []
    mine = await viewer(READS, rows)
    assert mine["nudges"]["totalCount"] == 1 and mine["asks"]["totalCount"] == 1
    assert mine["node"] == {"id": rows["nudge"]}
    assert mine["advocate"] == {"nudges": {"totalCount": 1}, "asks": {"totalCount": 1}}
    assert mine["program"]["askPolicy"] == {"kind": "REVIEW"}
    assert mine["engagementPolicy"] == {"maxNudges": 2}
    await world(other_org)  # the outsider has rows of its own, so empty means "not yours"
    theirs = await outsider(READS, rows)
    assert rows["nudge"] not in [n["id"] for n in theirs["nudges"]["nodes"]]
    assert theirs["node"] is None and theirs["advocate"] is None and theirs["program"] is None
    assert theirs["asks"]["totalCount"] == 0
    assert theirs["engagementPolicy"] == {"maxNudges": 3}
