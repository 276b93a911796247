"""The typed per-request context: session, principal, loaders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection as Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from advocacy.graphql.errors import ApiError
from advocacy.graphql.loaders import Loaders
from advocacy.tenancy.principal import Principal


@dataclass
class Context:
    session: AsyncSession
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

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.session, self.organization_id)

    def forget_loaded(self) -> None:
        """Drop cached rows after a mutation commits, so later fields read what it wrote."""
        self.__dict__.pop("loaders", None)


Info = StrawberryInfo[Context, None]
