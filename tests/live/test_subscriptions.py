"""Subscriptions over graphql-transport-ws: authentication in connection_init, organization
scoping, and gift send updates pushed after each commit (in-process bus here; real Redis with
two API processes and a worker in tests/reliability)."""

from __future__ import annotations

import pytest

from advocacy.app import create_app
from advocacy.tenancy.models import Role
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import send_one, setup
from tests.fixtures.ws import AsgiWebSocket, Closed, listening

GIFTS = "subscription($p: ID!) { giftSendUpdated(programId: $p) { id status program { id } } }"
REDEEM = """mutation($token: String!) { redeemGift(input: {token: $token}) { errors { code } } }"""


@pytest.fixture
def app() -> object:
    return create_app()


async def test_a_marketer_sees_each_change_of_a_programs_gifts(
    app: object, org: Org, marketer: Api, anonymous: Api
) -> None:
    """A VIEWER token suffices (read-only), and only this program's sends arrive."""
    ids = await setup(org)
    async with AsgiWebSocket(app) as ws:  # type: ignore[arg-type]
        assert (
            await ws.init(
                org.tokens[__import__("advocacy.tenancy.models", fromlist=["Role"]).Role.VIEWER]
            )
        )["type"] == "connection_ack"
        await ws.subscribe(GIFTS, {"p": ids["programId"]})
        await listening(org.id)
        sent = await send_one(marketer, ids)
        offered = await ws.receive()
        assert offered["type"] == "next"
        assert offered["payload"]["data"]["giftSendUpdated"]["status"] == "OFFERED"
        assert offered["payload"]["data"]["giftSendUpdated"]["id"] == sent.send_id
        other_ids = await setup(org)  # another program's gift: not this subscription's
        await send_one(marketer, other_ids)
        assert (await anonymous(REDEEM, {"token": sent.token}))["redeemGift"]["errors"] == []
        redeemed = await ws.receive()
        assert redeemed["payload"]["data"]["giftSendUpdated"]["status"] == "REDEEMED"


async def test_subscriptions_need_a_valid_token_and_stay_in_the_organization(
    app: object, org: Org, other_org: Org
) -> None:
    async with AsgiWebSocket(app) as ws:  # type: ignore[arg-type]
        with pytest.raises(Closed) as closed:
            await ws.init("adv_not-a-token")
        assert closed.value.code == 4403
    async with AsgiWebSocket(app) as ws:  # type: ignore[arg-type]
        await ws.subscribe(GIFTS, {"p": "x"})  # no connection_init first
        with pytest.raises(Closed) as closed:
            await ws.receive()
        assert closed.value.code == 4401
    ids = await setup(org)
    async with AsgiWebSocket(app) as ws:  # type: ignore[arg-type]
        assert (await ws.init(other_org.tokens[Role.ADMIN]))["type"] == "connection_ack"
        await ws.subscribe(GIFTS, {"p": ids["programId"]})
        answer = await ws.receive()
        assert answer["type"] in ("error", "next")
        errors = answer["payload"] if answer["type"] == "error" else answer["payload"]["errors"]
        assert "no such program" in str(errors)


async def test_revoking_the_token_stops_the_updates(
    app: object, org: Org, admin: Api, marketer: Api
) -> None:
    ids = await setup(org)
    tokens = (await admin("{ apiTokens { nodes { id role } } }"))["apiTokens"]["nodes"]
    viewer_token = next(t["id"] for t in tokens if t["role"] == "VIEWER")
    async with AsgiWebSocket(app) as ws:  # type: ignore[arg-type]
        assert (await ws.init(org.tokens[Role.VIEWER]))["type"] == "connection_ack"
        await ws.subscribe(GIFTS, {"p": ids["programId"]})
        await listening(org.id)
        await send_one(marketer, ids)
        assert (await ws.receive())["type"] == "next"
        revoked = await admin(
            "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { errors { code } } }",
            {"id": viewer_token},
        )
        assert revoked["revokeApiToken"]["errors"] == []
        await send_one(marketer, ids)
        answer = await ws.receive()
        assert answer["type"] == "next" and answer["payload"]["data"] is None
        assert answer["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


STATS = """subscription($p: ID!, $from: DateTime!, $to: DateTime!) {
  programStatsUpdated(programId: $p, from: $from, to: $to, interval: DAY) {
    period { gifts { offered } } } }"""


async def test_program_stats_arrive_now_and_again_when_they_move(
    app: object, org: Org, marketer: Api
) -> None:
    import datetime as dt

    from advocacy.kit.db import utcnow

    ids = await setup(org)
    window = {
        "p": ids["programId"],
        "from": (utcnow() - dt.timedelta(days=1)).isoformat(),
        "to": (utcnow() + dt.timedelta(days=1)).isoformat(),
    }
    async with AsgiWebSocket(app) as ws:  # type: ignore[arg-type]
        assert (await ws.init(org.tokens[Role.VIEWER]))["type"] == "connection_ack"
        await ws.subscribe(STATS, window)
        now = await ws.receive()
        assert now["payload"]["data"]["programStatsUpdated"]["period"]["gifts"]["offered"] == 0
        for _ in range(3):  # a burst: coalesced into one update
            await send_one(marketer, ids)
        counts = []
        while not counts or counts[-1] < 3:  # every update is the truth at its moment
            later = await ws.receive(within=10)
            counts.append(
                later["payload"]["data"]["programStatsUpdated"]["period"]["gifts"]["offered"]
            )
        assert counts[-1] == 3 and len(counts) < 3  # the burst was coalesced
