"""Live updates across processes through real Redis: a dashboard subscribed on one API
process sees gift changes made through another API process and by a worker process."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import connect

from advocacy.tenancy.models import Role
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.database import TEST_REDIS_URL_ENV
from tests.fixtures.gifting import send_one, setup
from tests.fixtures.processes import Process, Processes, service_env

GIFTS = "subscription($p: ID!) { giftSendUpdated(programId: $p) { id status } }"
REDEEM = "mutation($token: String!) { redeemGift(input: {token: $token}) { errors { code } } }"


async def test_a_subscriber_on_one_api_hears_another_api_and_a_worker(
    org: Org,
    database: str,
    redis_url: str,
    api_server: tuple[Process, str],
    http: httpx.AsyncClient,
    processes: Processes,
) -> None:
    env = service_env(database, os.environ[TEST_REDIS_URL_ENV])
    _, dashboard_url = await processes.api(env)  # instance A: the dashboard's
    ids = await setup(org, budget=10_000, price=1000)  # a digital item: sandbox fulfilment
    marketer, advocate = Api(http, org.tokens[Role.MARKETER]), Api(http, None)  # instance B
    seen: list[str] = []
    async with connect(
        dashboard_url.replace("http://", "ws://") + "/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as ws:
        await ws.send(
            orjson.dumps(
                {
                    "type": "connection_init",
                    "payload": {"Authorization": f"Bearer {org.tokens[Role.VIEWER]}"},
                }
            ).decode()
        )
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            orjson.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": GIFTS, "variables": {"p": ids["programId"]}},
                }
            ).decode()
        )
        await asyncio.sleep(0.5)  # the subscription is registered with Redis
        sent = await send_one(marketer, ids)  # no worker yet: only API B can tell A
        first: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        assert first["payload"]["data"]["giftSendUpdated"] == {
            "id": sent.send_id,
            "status": "OFFERED",
        }
        worker = await processes.worker(env)
        assert (await advocate(REDEEM, {"token": sent.token}))["redeemGift"]["errors"] == []

        async def until_fulfilled() -> None:
            while "FULFILLED" not in seen:
                message: dict[str, Any] = orjson.loads(await ws.recv())
                assert message["type"] == "next", message
                update = message["payload"]["data"]["giftSendUpdated"]
                assert update["id"] == sent.send_id
                seen.append(update["status"])

        try:
            await asyncio.wait_for(until_fulfilled(), timeout=30)
        except TimeoutError:
            raise AssertionError(f"saw only {seen}; worker log:\n{worker.tail()}") from None
    # each update is the send as it reads when the hint arrives: states may be skipped, never
    # reordered, and the last one came from the worker's commit
    order = ["OFFERED", "REDEEMED", "FULFILLING", "FULFILLED"]
    assert [order.index(status) for status in seen] == sorted(order.index(s) for s in seen)
