"""The HTTP edge of /graphql: refusals are JSON with a fitting status, unparseable bodies answer
400, and bodies over the cap answer 413 without being read (issue 14 §2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.types import Message

from advocacy.app import create_app
from advocacy.config import Settings, get_settings
from advocacy.graphql.document_limits import MAX_DOCUMENT_CHARS
from advocacy.graphql.schema import build_schema
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.ws import AsgiWebSocket, Closed

JSON = {"content-type": "application/json"}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A client that shows what a real server would answer: an exception escaping the app is
    a 500, not a test error."""
    transport = httpx.ASGITransport(app=create_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def assert_json_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body: dict[str, Any] = response.json()
    assert body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == code, body
    return body


# -- every refusal is JSON ------------------------------------------------------------------


async def test_an_unknown_operation_name_is_a_json_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "query A { __typename }", "operationName": "Nope"}
    )
    body = assert_json_error(response, 400, "BAD_REQUEST")
    assert "Nope" in body["errors"][0]["message"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_a_wrong_method_is_a_json_405(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, "/graphql", json={"query": "{ __typename }"})
    assert_json_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET, POST"


async def test_a_wrong_content_type_is_a_json_415(http: httpx.AsyncClient) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        response = await http.post(
            "/graphql", content=b"query={__typename}", headers={"content-type": content_type}
        )
        assert_json_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "body",
    [{}, {"query": None}, {"query": 3}, {"query": "{ __typename }", "variables": [1]}, []],
)
async def test_a_body_without_a_usable_query_is_a_json_400(
    http: httpx.AsyncClient, body: object
) -> None:
    response = await http.post("/graphql", json=body)
    assert_json_error(response, 400, "BAD_REQUEST")


async def test_a_mutation_over_get_is_a_json_400(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "mutation { __typename }"})
    assert_json_error(response, 400, "BAD_REQUEST")


async def test_requests_that_work_still_work(viewer: Api, http: httpx.AsyncClient) -> None:
    assert (await viewer("{ viewer { role } }"))["viewer"]["role"] == "VIEWER"
    headers = {"Authorization": f"Bearer {viewer.token}"}
    response = await http.get(
        "/graphql",
        params={
            "query": "query($n: Int) { advocates(first: $n) { totalCount } }",
            "variables": '{"n": 1}',
        },
        headers=headers,
    )
    assert response.status_code == 200 and response.json()["data"]["advocates"] is not None


# -- unparseable bodies answer 400 -----------------------------------------------------------

DEEP = 1000


@pytest.mark.parametrize(
    "body",
    [
        "[" * DEEP + "]" * DEEP,
        '{"a":' * DEEP + "1" + "}" * DEEP,
        '{"query": "{ __typename }", "variables": ' + '{"a":' * 2000 + "1" + "}" * 2000 + "}",
        '{"query": "{ __typename }"',
        "\xff\xfe not json",
        "",
    ],
    ids=["deep-list", "deep-object", "deeper-than-orjson", "cut", "bytes", "empty"],
)
async def test_an_unparseable_or_deeply_nested_body_is_a_json_400(
    http: httpx.AsyncClient, body: str
) -> None:
    response = await http.post("/graphql", content=body.encode("latin-1"), headers=JSON)
    assert_json_error(response, 400, "BAD_REQUEST")


async def test_a_deeply_nested_variable_is_refused_as_a_graphql_error(
    http: httpx.AsyncClient, viewer: Api
) -> None:
    """Deep, yet within what orjson parses: the value reaches GraphQL coercion, which refuses
    it as a bad variable (not a 500)."""
    body = (
        '{"query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "variables": {"ids": '
        + "[" * DEEP
        + "]" * DEEP
        + "}}"
    )
    headers = {**JSON, "Authorization": f"Bearer {viewer.token}"}
    response = await http.post("/graphql", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["errors"][0]["message"]


async def test_deeply_nested_query_string_variables_are_a_json_400(
    http: httpx.AsyncClient,
) -> None:
    for name in ("variables", "extensions"):
        response = await http.get(
            "/graphql", params={"query": "{ __typename }", name: "[" * DEEP + "]" * DEEP}
        )
        assert_json_error(response, 400, "BAD_REQUEST")


# -- the body cap ----------------------------------------------------------------------------


def over_the_cap() -> int:
    return get_settings().max_body_bytes + 1


async def test_a_body_over_the_cap_is_a_json_413(http: httpx.AsyncClient) -> None:
    query = "{ __typename " + " " * over_the_cap() + "}"
    response = await http.post("/graphql", json={"query": query})
    assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_twenty_megabytes_of_variables_are_refused(http: httpx.AsyncClient) -> None:
    variables = {"v": "x" * 20_000_000}
    response = await http.post("/graphql", json={"query": "{ __typename }", "variables": variables})
    assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_a_body_just_under_the_cap_is_executed(http: httpx.AsyncClient) -> None:
    padding = "x" * (get_settings().max_body_bytes - 100)
    response = await http.post(
        "/graphql", json={"query": "{ __typename }", "variables": {"unused": padding}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}


async def test_a_long_document_is_refused_before_it_is_parsed(
    http: httpx.AsyncClient, viewer: Api
) -> None:
    """A 900 kB string literal fits in the body, but lexing it costs a dozen trivial queries:
    the document's length is refused first (data belongs in variables)."""
    headers = {"Authorization": f"Bearer {viewer.token}"}
    literal = '{ accounts(search: "' + "x" * 900_000 + '") { totalCount } }'
    response = await http.post("/graphql", json={"query": literal}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    assert "longer than 65536 characters" in body["errors"][0]["message"]
    commented = "{ __typename }\n" + "#" * (MAX_DOCUMENT_CHARS - 20)
    response = await http.post("/graphql", json={"query": commented}, headers=headers)
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_streamed_body_is_refused_after_at_most_the_cap(http: httpx.AsyncClient) -> None:
    """Chunked: no Content-Length, so the count of what arrived decides; the app stops pulling
    chunks once the cap is crossed (20 MB offered, about 1 MB read)."""
    chunk = b" " * 65_536
    pulled = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b'{"query": "{ __typename'
        for _ in range(20_000_000 // len(chunk)):
            pulled += 1
            yield chunk
        yield b'}"}'

    response = await http.post("/graphql", content=body(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert pulled * len(chunk) <= get_settings().max_body_bytes + len(chunk)


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    """Content-Length says too much: the answer comes without a single ``receive``."""
    app = create_app()
    received: list[Message] = []
    sent: list[Message] = []

    async def receive() -> Message:
        received.append({"type": "http.request"})
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(over_the_cap() * 20).encode()),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("test", 80),
        "state": {},
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert received == []


async def test_the_cap_is_a_setting(configure: Any, org: Org) -> None:
    configure(max_body_bytes=2048)
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        small = await http.post("/graphql", json={"query": "{ __typename }"})
        assert small.status_code == 200, small.text
        big = await http.post("/graphql", json={"query": "{ __typename }" + " " * 2048})
        assert_json_error(big, 413, "PAYLOAD_TOO_LARGE")
        long_url = await http.get(
            "/graphql", params={"query": "{ __typename }", "variables": "{}" + " " * 2048}
        )
        assert_json_error(long_url, 414, "URI_TOO_LONG")


async def test_a_subscription_message_over_the_cap_closes_the_socket(viewer: Api) -> None:
    async with AsgiWebSocket(create_app()) as ws:
        assert (await ws.init(viewer.token))["type"] == "connection_ack"
        await ws.subscribe("subscription { __typename }", {"v": "x" * over_the_cap()})
        with pytest.raises(Closed) as closed:
            await ws.receive()
        assert closed.value.code == 1009


async def test_a_browser_visit_without_graphiql_is_a_json_404() -> None:
    """Trusted-documents mode has no GraphiQL; the visit is told so in JSON, like the rest."""
    app = create_app(build_schema(Settings(trusted_documents=True)))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})
    assert_json_error(response, 404, "NOT_FOUND")
