"""The body cap as a client meets it: ``advocacy serve`` (uvicorn) over real sockets, with a
4 KiB cap (issue 14 §2)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from advocacy.tenancy.models import Role
from tests.conftest import Org
from tests.fixtures.database import TEST_REDIS_URL_ENV, services_missing
from tests.fixtures.processes import running_processes, service_env

pytestmark = pytest.mark.skipif(services_missing() is not None, reason=str(services_missing()))

CAP = 4096
PROTOCOL = "graphql-transport-ws"


@pytest.fixture(scope="module")
async def served(database: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    env = service_env(database, os.environ[TEST_REDIS_URL_ENV], max_body_bytes=str(CAP))
    with running_processes(tmp_path_factory.mktemp("limits")) as started:
        _, url = await started.api(env)
        yield url


async def test_a_served_body_over_the_cap_is_a_json_413(served: str) -> None:
    async with httpx.AsyncClient(base_url=served, timeout=10) as http:
        small = await http.post("/graphql", json={"query": "{ __typename }"})
        assert small.status_code == 200, small.text
        big = await http.post("/graphql", json={"query": "{ __typename }", "v": "x" * CAP})
        assert big.status_code == 413, big.text
        assert big.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(20_000):  # 20 MB offered, refused after the first 4 KiB
                yield b" " * 1000

        streamed = await http.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413, streamed.text


async def test_a_served_subscription_message_over_the_cap_closes_the_socket(
    served: str, org: Org
) -> None:
    url = served.replace("http://", "ws://") + "/graphql"
    token = org.tokens[Role.VIEWER]
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(orjson.dumps(init).decode())
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(orjson.dumps({"type": "ping", "payload": {"pad": "x" * CAP}}).decode())
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
