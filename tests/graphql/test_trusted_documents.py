"""Trusted-documents mode: only the documents of the operations directory run — by text or by id,
over HTTP and over the websocket — and with the mode off everything runs as before."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from advocacy.app import create_app
from advocacy.config import get_settings
from advocacy.graphql.schema import build_schema
from advocacy.graphql.trusted_documents import (
    PERSISTED_QUERY_NOT_FOUND,
    TRUSTED_DOCUMENT_REQUIRED,
    is_trusted,
    trusted_documents_only,
)
from advocacy.tenancy.models import Role
from advocacy.web import documents
from advocacy.web.documents import document_hash
from tests.conftest import Org
from tests.fixtures.ws import AsgiWebSocket

VIEWER = "query TrustedViewer {\n  viewer {\n    role\n  }\n}\n"
PROGRAM = "query TrustedProgram($id: ID!) {\n  program(id: $id) {\n    id\n  }\n}\n"
TYPENAME = "query TrustedTypename {\n  __typename\n}\n"
AD_HOC = "{ viewer { role organization { name } } }"
INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture
def operations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """This test's operations directory (the real one changes as the apps grow)."""
    texts = {"TrustedViewer": VIEWER, "TrustedProgram": PROGRAM, "TrustedTypename": TYPENAME}
    for name, text in texts.items():
        (tmp_path / f"{name}.graphql").write_text(text)
    monkeypatch.setattr(documents, "OPERATIONS_DIR", tmp_path)
    documents.operations.cache_clear()
    documents.documents_by_id.cache_clear()
    yield texts
    monkeypatch.undo()
    documents.operations.cache_clear()
    documents.documents_by_id.cache_clear()


@pytest.fixture
def make_app(
    configure: Callable[..., None], operations: dict[str, str]
) -> Callable[[bool], Starlette]:
    def make(trusted: bool) -> Starlette:
        configure(trusted_documents=trusted)
        return create_app(build_schema(get_settings()))

    return make


@asynccontextmanager
async def http(app: Starlette, org: Org) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {org.tokens[Role.VIEWER]}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    ) as client:
        yield client


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/graphql", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def upper_id(text: str) -> str:
    """The document's id with its hex in capitals (clients differ)."""
    return "sha256:" + document_hash(text).removeprefix("sha256:").upper()


def code(answer: dict[str, Any]) -> str | None:
    errors = answer.get("errors") or answer.get("payload")
    if isinstance(errors, dict):
        errors = errors.get("errors")
    return str(errors[0]["extensions"]["code"]) if errors else None


async def test_the_trusted_documents_run_by_text_and_by_id(
    make_app: Callable[[bool], Starlette], org: Org
) -> None:
    app = make_app(True)
    async with http(app, org) as client:
        by_text = await post(client, {"query": VIEWER})
        assert by_text == {"data": {"viewer": {"role": "VIEWER"}}}
        assert await post(client, {"documentId": document_hash(VIEWER)}) == by_text
        digest = document_hash(VIEWER).removeprefix("sha256:")
        apollo = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        assert await post(client, {"extensions": apollo}) == by_text
        with_variables = await post(
            client, {"documentId": document_hash(PROGRAM), "variables": {"id": "UHJvZ3JhbTox"}}
        )
        assert "data" in with_variables
        assert code(with_variables) not in (TRUSTED_DOCUMENT_REQUIRED, PERSISTED_QUERY_NOT_FOUND)
        by_get = await client.get("/graphql", params={"documentId": upper_id(VIEWER)})
        assert by_get.json() == by_text


async def test_anything_else_is_refused_over_http(
    make_app: Callable[[bool], Starlette], org: Org
) -> None:
    app = make_app(True)
    assert trusted_documents_only(app.state.schema)
    async with http(app, org) as client:
        for query in (AD_HOC, INTROSPECTION, VIEWER.replace("\n", " "), VIEWER + " "):
            refused = await post(client, {"query": query})
            assert refused["data"] is None
            assert code(refused) == TRUSTED_DOCUMENT_REQUIRED, refused
            assert "frontend-schema/operations" in refused["errors"][0]["message"]
        unknown = await post(client, {"documentId": document_hash(AD_HOC)})
        assert code(unknown) == PERSISTED_QUERY_NOT_FOUND
        ide = await client.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 404  # no GraphiQL: it could run nothing


async def test_the_servers_own_calls_pass_the_same_check(
    make_app: Callable[[bool], Starlette],
) -> None:
    """The gift page executes operations on the schema directly."""
    schema = make_app(True).state.schema
    known = await schema.execute(TYPENAME)
    assert known.errors is None and known.data == {"__typename": "Query"}
    ad_hoc = await schema.execute("{ __typename }")
    assert ad_hoc.errors and ad_hoc.errors[0].extensions == {"code": TRUSTED_DOCUMENT_REQUIRED}


async def test_over_the_websocket_too(make_app: Callable[[bool], Starlette], org: Org) -> None:
    app = make_app(True)
    async with AsgiWebSocket(app) as ws:  # type: ignore[arg-type]
        assert (await ws.init(org.tokens[Role.VIEWER]))["type"] == "connection_ack"
        await ws.subscribe(VIEWER, {}, op_id="text")
        answer = await ws.receive()
        assert answer["type"] == "next", answer
        assert answer["payload"]["data"] == {"viewer": {"role": "VIEWER"}}
        assert (await ws.receive())["type"] == "complete"
        await ws.send(
            {"id": "id", "type": "subscribe", "payload": {"documentId": document_hash(VIEWER)}}
        )
        answer = await ws.receive()
        assert answer["type"] == "next" and answer["payload"]["data"]["viewer"], answer
        assert (await ws.receive())["type"] == "complete"
        await ws.subscribe(AD_HOC, {}, op_id="ad-hoc")
        refused = await ws.receive()
        assert refused["type"] == "error" and refused["id"] == "ad-hoc"
        assert refused["payload"][0]["extensions"]["code"] == TRUSTED_DOCUMENT_REQUIRED
        gifts = "subscription($p: ID!) { giftSendUpdated(programId: $p) { id } }"
        await ws.subscribe(gifts, {"p": "x"}, op_id="ad-hoc-subscription")
        refused = await ws.receive()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == TRUSTED_DOCUMENT_REQUIRED
        await ws.send(
            {"id": "unknown", "type": "subscribe", "payload": {"documentId": "sha256:00"}}
        )
        unknown = await ws.receive()
        assert unknown["type"] == "error"
        assert unknown["payload"][0]["extensions"]["code"] == PERSISTED_QUERY_NOT_FOUND


async def test_with_the_mode_off_everything_runs(
    make_app: Callable[[bool], Starlette], org: Org
) -> None:
    app = make_app(False)
    assert not trusted_documents_only(app.state.schema)
    async with http(app, org) as client:
        ad_hoc = await post(client, {"query": AD_HOC})
        assert ad_hoc["data"]["viewer"]["role"] == "VIEWER", ad_hoc
        assert (await post(client, {"query": INTROSPECTION}))["data"]["__schema"]
        by_id = await post(client, {"documentId": document_hash(VIEWER)})  # ids work in any mode
        assert by_id == {"data": {"viewer": {"role": "VIEWER"}}}
        unknown = await post(client, {"documentId": "sha256:00"})
        assert code(unknown) == PERSISTED_QUERY_NOT_FOUND
        no_query = await client.post("/graphql", json={"variables": {}})
        assert no_query.status_code == 400
        ide = await client.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    async with AsgiWebSocket(app) as ws:  # type: ignore[arg-type]
        assert (await ws.init(org.tokens[Role.VIEWER]))["type"] == "connection_ack"
        await ws.subscribe(AD_HOC, {})
        answer = await ws.receive()
        assert answer["type"] == "next" and answer["payload"]["data"]["viewer"], answer


def test_the_document_ids_are_the_hashes_of_the_exact_file_text(
    operations: dict[str, str],
) -> None:
    ids = documents.documents_by_id()
    assert ids == {document_hash(text): text for text in operations.values()}
    assert documents.document_by_id(upper_id(VIEWER)) == VIEWER
    assert documents.document_by_id("sha256:" + "0" * 64) is None


def test_every_operation_of_the_apps_is_trusted() -> None:
    """The real directory, as the gift page and the dashboard read it: never refused."""
    assert documents.operations(), "no operations to check"
    for name, text in documents.operations().items():
        assert is_trusted(text), name
        assert documents.document_by_id(document_hash(text)) == text, name
