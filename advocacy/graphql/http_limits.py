"""The HTTP edge of ``/graphql``: what is refused before any GraphQL work, and how.

Strawberry's view answers its own refusals (a wrong method, an unknown content type, a body
that is not JSON, an unknown ``operationName``) as ``text/plain``, reads the whole body into
memory whatever its size, and parses it with the standard library's ``json``, which raises a
``RecursionError`` (HTTP 500) on a body nested a thousand deep. Here:

- every refusal is a GraphQL-shaped JSON answer, ``{"errors": [{"message", "extensions":
  {"code"}}]}``, with its HTTP status (400, 405, 413, 414, 415);
- a wrong method or content type and a body over ``ADVOCACY_MAX_BODY_BYTES`` are refused
  before the body is read, the token checked or a session used: by ``Content-Length`` when the
  client sends one, and by counting a streamed (chunked) body as it arrives, so no more than
  the cap is ever held;
- JSON is parsed by orjson, which refuses deep nesting (and any other malformed JSON) with a
  ``JSONDecodeError`` that becomes a 400;
- a subscription message over the cap closes the WebSocket (1009, "message too big").
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from http import HTTPStatus

import orjson
from cross_web import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived

from advocacy.config import get_settings
from advocacy.graphql.document_transport import DocumentIdGraphQL

ALLOWED_METHODS = ("GET", "POST")

_CODES = {
    HTTPStatus.BAD_REQUEST: "BAD_REQUEST",
    HTTPStatus.NOT_FOUND: "NOT_FOUND",
    HTTPStatus.METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
    HTTPStatus.REQUEST_URI_TOO_LONG: "URI_TOO_LONG",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
}


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """A refusal of the request as a whole, in the shape GraphQL clients read errors from."""
    code = _CODES.get(HTTPStatus(status), HTTPStatus(status).phrase.upper().replace(" ", "_"))
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is larger than {limit} bytes")


async def read_capped_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole request body, or a 413 as soon as it is known to exceed ``limit`` bytes:
    from ``Content-Length`` before reading anything, else while the chunks arrive (the
    chunk that crosses the cap is the last one read)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise HTTPException(400, "Content-Length is not a number") from None
            if declared > limit:
                raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands out the body already read, then defers to the server's (which
    reports the client's disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _precheck(scope: Scope, limit: int) -> None:
    """Refusals that need nothing but the request line and headers."""
    method = scope["method"]
    if method not in ALLOWED_METHODS:
        raise HTTPException(405, "GraphQL only supports GET and POST requests")
    if len(scope.get("query_string", b"")) > limit:
        raise HTTPException(414, f"the query string is longer than {limit} bytes")
    if method == "POST":
        content_type = ""
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                content_type = value.decode("latin-1").lower()
        if "application/json" not in content_type:
            raise HTTPException(415, "send the request as application/json")


class GuardedGraphQL(DocumentIdGraphQL):
    """Strawberry's ASGI app behind the checks described in this module's docstring."""

    def max_body_bytes(self) -> int:
        return get_settings().max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        limit = self.max_body_bytes()
        try:
            _precheck(scope, limit)
            if scope["method"] == "POST":
                receive = _replay(await read_capped_body(scope, receive, limit), receive)
            response = await self.run(Request(scope, receive))
        except HTTPException as refusal:
            headers = {"Allow": ", ".join(ALLOWED_METHODS)} if refusal.status_code == 405 else None
            response = error_response(refusal.status_code, refusal.reason, headers)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        """orjson: fast, and a clean ``JSONDecodeError`` (a 400) for deep nesting, where the
        standard library raises ``RecursionError``. Used for bodies, the query string's
        ``variables`` and ``extensions``, and WebSocket messages."""
        return orjson.loads(data)


class CappedWebSocketAdapter(ASGIWebSocketAdapter):
    """WebSocket messages no larger than the body cap: a bigger one closes the connection
    (1009) before it is parsed."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        limit = get_settings().max_body_bytes
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                text = await self.ws.receive_text()
                if len(text) > limit or (len(text) * 4 > limit and len(text.encode()) > limit):
                    await self.ws.close(code=1009, reason="message too big")
                    return
                try:
                    yield self.view.decode_json(text)
                except orjson.JSONDecodeError as error:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from error
        except KeyError as error:
            raise NonTextMessageReceived from error
        except WebSocketDisconnect:
            pass
