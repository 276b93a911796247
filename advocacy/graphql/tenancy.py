"""Viewer and API token queries and mutations."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.ids import decode_id
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, IsAdmin
from advocacy.graphql.types import ApiToken, Organization, Role
from advocacy.tenancy import service
from advocacy.tenancy.models import ApiToken as ApiTokenModel
from advocacy.tenancy.principal import Principal
from advocacy.tenancy.queries import api_tokens_query, organization_query


@strawberry.type(description="Who the request's token acts as.")
class Viewer:
    organization: Organization
    role: Role


@strawberry.input
class CreateApiTokenInput:
    name: str
    role: Role


@strawberry.type
class CreateApiTokenPayload:
    token: ApiToken | None = None
    secret: str | None = strawberry.field(
        default=None, description="The token's secret. Shown this once; store it now."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RevokeApiTokenInput:
    id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload:
    token: ApiToken | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TenancyQuery:
    @strawberry.field(permission_classes=[CanRead])
    async def viewer(self, info: Info) -> Viewer:
        ctx = info.context
        row = (await ctx.session.execute(organization_query(ctx.organization_id))).one()
        return Viewer(organization=Organization.from_row(row), role=ctx.actor.role)

    @strawberry.field(permission_classes=[IsAdmin], description="The organization's API tokens.")
    async def api_tokens(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_revoked: bool = False,
    ) -> Connection[ApiToken]:
        ctx = info.context
        query = api_tokens_query(ctx.organization_id, include_revoked)
        return await connection_from_query(ctx.session, query, ApiToken.from_row, first, after)


@strawberry.type
class TenancyMutation:
    @strawberry.mutation(permission_classes=[IsAdmin])
    async def create_api_token(
        self, info: Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        async def work(session: AsyncSession, principal: Principal) -> service.IssuedToken:
            return await service.create_api_token(
                session, principal, name=input.name, role=input.role
            )

        return await mutate(
            info,
            work,
            CreateApiTokenPayload,
            lambda issued: CreateApiTokenPayload(
                token=ApiToken.from_row(issued.token), secret=issued.secret
            ),
        )

    @strawberry.mutation(permission_classes=[IsAdmin])
    async def revoke_api_token(
        self, info: Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        async def work(session: AsyncSession, principal: Principal) -> ApiTokenModel:
            token_id = decode_id(input.id, "ApiToken", "id")
            return await service.revoke_api_token(session, principal, token_id)

        return await mutate(
            info,
            work,
            RevokeApiTokenPayload,
            lambda token: RevokeApiTokenPayload(token=ApiToken.from_row(token)),
        )
