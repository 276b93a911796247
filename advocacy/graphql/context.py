"""The typed per-request context: session, principal, loaders."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection as Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from advocacy.graphql.errors import ApiError
from advocacy.graphql.loaders import Loaders
from advocacy.kit.db import new_session
from advocacy.tenancy.principal import Principal

_OPERATION_SESSION: ContextVar[AsyncSession | None] = ContextVar(
    "advocacy_operation_session", default=None
)
_LOADERS = "advocacy.loaders"


@asynccontextmanager
async def operation_session() -> AsyncIterator[AsyncSession]:
    """A session of the current operation's own, for subscriptions: several can share one
    websocket (and so one context), and each runs in its own task, which this session (and
    the loaders on it) follows. Closing it between updates gives its connection back to the
    pool while the subscriber waits."""
    session = new_session()
    token = _OPERATION_SESSION.set(session)
    try:
        yield session
    finally:
        with contextlib.suppress(ValueError):  # finalized from another task's context
            _OPERATION_SESSION.reset(token)
        await session.close()


@dataclass
class Context:
    base_session: AsyncSession
    principal: Principal | None
    request_id: str
    request: Request | None = None
    response: Response | None = None
    connection_params: dict[str, object] | None = None
    """A websocket's ``connection_init`` payload (subscriptions authenticate with it)."""

    @property
    def actor(self) -> Principal:
        """The authenticated principal; root fields check permissions before this is read."""
        if self.principal is None:
            raise ApiError("authentication required", "UNAUTHENTICATED")
        return self.principal

    @property
    def organization_id(self) -> int:
        return self.actor.organization_id

    @property
    def session(self) -> AsyncSession:
        """The request's session — or, inside a subscription, the operation's own."""
        return _OPERATION_SESSION.get() or self.base_session

    @property
    def loaders(self) -> Loaders:
        """Per session: a request's loaders live as long as its session."""
        session = self.session
        loaders: Loaders | None = session.info.get(_LOADERS)
        if loaders is None:
            loaders = session.info[_LOADERS] = Loaders(session, self.organization_id)
        return loaders

    def forget_loaded(self) -> None:
        """Drop cached rows after a mutation commits, so later fields read what it wrote."""
        self.session.info.pop(_LOADERS, None)


Info = StrawberryInfo[Context, None]
