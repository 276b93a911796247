"""The Starlette application: GraphQL, health checks, and the pages people open: the advocate's
gift page, the unsubscribe page and the marketer dashboard."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
import strawberry
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from advocacy.gifting.link_attempts import attempt_counter
from advocacy.graphql.context import Context
from advocacy.graphql.http_limits import CappedWebSocketAdapter, GuardedGraphQL
from advocacy.graphql.schema import default_schema
from advocacy.graphql.trusted_documents import trusted_documents_only
from advocacy.kit import jobs
from advocacy.kit.db import dispose_engine, get_engine, new_session
from advocacy.referrals.http import referral_redirect
from advocacy.scheduler import enqueue_start_up_sweep, run_scheduler
from advocacy.tenancy.service import authenticate
from advocacy.web import dashboard
from advocacy.web.gift_page import gift_page
from advocacy.web.graphiql import graphiql_page
from advocacy.web.unsubscribe_page import unsubscribe_page

log = logging.getLogger("advocacy.app")


class TextFrameWebSocketAdapter(CappedWebSocketAdapter):
    """graphql-transport-ws messages as text frames: the protocol says so, and browsers hand
    binary frames to scripts as Blobs, which graphql-ws clients can't read. (Strawberry sends
    bytes as binary frames, and our ``encode_json`` gives bytes for the HTTP path's sake.)"""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


class GraphQLEndpoint(GuardedGraphQL):
    """Strawberry's ASGI app with one database session per request, bearer-token auth, orjson
    encoding, document ids (trusted documents), and the HTTP limits of ``http_limits``."""

    websocket_adapter_class = TextFrameWebSocketAdapter  # type: ignore[assignment]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            session = new_session()  # one per connection, for the subscriptions' reads
            scope.setdefault("state", {})["session"] = session
            try:
                await super().__call__(scope, receive, send)
            finally:
                await session.close()
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        session = new_session()
        scope.setdefault("state", {})["session"] = session
        try:
            await super().__call__(scope, receive, send)
        except ClientDisconnect:
            log.debug("client disconnected before the request body arrived")
        finally:
            await session.close()

    async def get_context(self, request: Any, response: Any) -> Context:
        session = request.scope["state"]["session"]
        principal = None
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() == "bearer" and secret:
            principal = await authenticate(session, secret.strip())
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        return Context(
            base_session=session,
            principal=principal,
            request_id=request_id,
            request=request,
            response=response,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate a subscription connection from its ``connection_init`` payload
        (``{"Authorization": "Bearer <token>"}``); an unknown or revoked token closes it
        (4403) before any subscription can start."""
        params = context.connection_params or {}
        header = str(params.get("Authorization") or params.get("authorization") or "")
        scheme, _, secret = header.partition(" ")
        principal = None
        if scheme.lower() == "bearer" and secret:
            principal = await authenticate(context.session, secret.strip())
            await context.session.commit()
        if principal is None:
            raise ConnectionRejectionError({"reason": "authentication required"})
        context.principal = principal
        return UNSET

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page: vendored scripts from /static only, under a strict CSP."""
        return graphiql_page()


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(_: Request) -> Response:
    checks: dict[str, str] = {}
    healthy = True
    try:
        async with get_engine().connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), timeout=2)
        checks["database"] = "ok"
    except Exception as error:
        healthy = False
        checks["database"] = f"unreachable: {type(error).__name__}"
    try:
        await asyncio.wait_for(asyncio.to_thread(jobs.ping_broker), timeout=2)
        checks["broker"] = "ok"
    except Exception as error:
        healthy = False
        checks["broker"] = f"unreachable: {type(error).__name__}"
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status_code=200 if healthy else 503,
    )


def create_app(
    schema: strawberry.Schema | None = None, *, embedded_worker: bool = False
) -> Starlette:
    schema = schema or default_schema()
    gift_attempts = attempt_counter()
    graphql_app = GraphQLEndpoint(
        schema,
        # GraphiQL sends its own queries, which trusted-documents mode refuses.
        graphql_ide=None if trusted_documents_only(schema) else "graphiql",
        # Only graphql-transport-ws: the legacy graphql-ws protocol had an authentication
        # bypass (GHSA-vpwc-v33q-mq89), and no current client needs it.
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        worker = jobs.start_embedded_worker() if embedded_worker else None
        if worker is not None:
            await asyncio.to_thread(enqueue_start_up_sweep)
        stop = asyncio.Event()
        # Embedded: no separate scheduler process, so this one runs the periodic jobs too.
        ticking = asyncio.create_task(run_scheduler(stop)) if worker is not None else None
        try:
            yield
        finally:
            stop.set()
            if ticking is not None:
                await ticking
            if worker is not None:
                worker.stop()
            await gift_attempts.close()
            await dispose_engine()

    app = Starlette(
        routes=[
            # No ``methods``: the endpoint refuses other methods itself, as JSON (http_limits).
            Route("/graphql", graphql_app),
            WebSocketRoute("/graphql", graphql_app),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/r/{code}", referral_redirect),
            Route("/u/{token}", unsubscribe_page, methods=["GET", "POST"]),
            Route("/gift/{token}", gift_page, methods=["GET", "POST"]),
            *dashboard.routes(),
        ],
        lifespan=lifespan,
    )
    app.state.schema = schema  # the gift page runs its operations on the same schema
    app.state.gift_attempts = gift_attempts
    return app
