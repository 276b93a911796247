"""``node(id:)`` and ``nodes(ids:)``: any object by global id, inside the caller's organization."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from advocacy.graphql.asks import Ask
from advocacy.graphql.context import Info
from advocacy.graphql.engagement import Nudge
from advocacy.graphql.errors import ApiError
from advocacy.graphql.gifting import GiftItem, GiftSend
from advocacy.graphql.ids import decode_any_id
from advocacy.graphql.permissions import CanRead
from advocacy.graphql.referrals import Referral
from advocacy.graphql.rules import GiftRule
from advocacy.graphql.types import (
    Account,
    Advocate,
    ApiToken,
    Milestone,
    Node,
    Organization,
    Program,
)
from advocacy.graphql.webhooks import WebhookDelivery, WebhookEndpoint
from advocacy.tenancy.models import Role
from advocacy.tenancy.queries import API_TOKEN, organization_query

MAX_NODES = 100

NODE_TYPES: dict[str, Any] = {
    "Organization": Organization,
    "ApiToken": ApiToken,
    "Account": Account,
    "Program": Program,
    "Advocate": Advocate,
    "Milestone": Milestone,
    "GiftItem": GiftItem,
    "GiftSend": GiftSend,
    "Referral": Referral,
    "GiftRule": GiftRule,
    "Nudge": Nudge,
    "Ask": Ask,
    "WebhookEndpoint": WebhookEndpoint,
    "WebhookDelivery": WebhookDelivery,
}


ADMIN_ONLY = {"WebhookEndpoint", "WebhookDelivery"}
"""Node types whose root fields need the ADMIN role (ApiToken is handled on its own)."""


async def _resolve(info: Info, global_id: str) -> Node | None:
    decoded = decode_any_id(global_id)
    if decoded is None or decoded[0] not in NODE_TYPES:
        return None
    type_name, pk = decoded
    ctx = info.context
    if type_name == "Organization":
        if pk != ctx.organization_id:
            return None
        return Organization.from_row((await ctx.session.execute(organization_query(pk))).one())
    if type_name == "ApiToken":
        if not ctx.actor.role.allows(Role.ADMIN):
            return None
        row = (
            await ctx.session.execute(
                select(API_TOKEN).where(
                    API_TOKEN.c.id == pk, API_TOKEN.c.organization_id == ctx.organization_id
                )
            )
        ).first()
        return None if row is None else ApiToken.from_row(row)
    if type_name in ADMIN_ONLY and not ctx.actor.role.allows(Role.ADMIN):
        return None  # as if it didn't exist, like the root fields' FORBIDDEN says nothing more
    found: Node | None = await ctx.loaders.by_global_id(global_id, type_name)
    return found


@strawberry.type
class NodeQuery:
    @strawberry.field(permission_classes=[CanRead], description="Any object by its global id.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await _resolve(info, id)

    @strawberry.field(permission_classes=[CanRead], description="Up to 100 objects by global id.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise ApiError(f"ids may hold at most {MAX_NODES} ids", "BAD_USER_INPUT")
        return [await _resolve(info, global_id) for global_id in ids]
