"""Engagement: the organization's policy and the advocates' status history."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import AdvocateStatus
from advocacy.engagement import service
from advocacy.engagement.models import AdvocateStatusChange as StatusChangeModel
from advocacy.engagement.models import EngagementPolicy as PolicyModel
from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.mutations import mutate
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.tenancy.principal import Principal


@strawberry.type(description="How the organization decides engagement (defaults until set).")
class EngagementPolicy:
    lapse_after_days: int = strawberry.field(
        description="An ACTIVE advocate with no engagement for this long becomes LAPSED."
    )

    @classmethod
    def from_row(cls, row: PolicyModel) -> EngagementPolicy:
        return cls(lapse_after_days=row.lapse_after_days)


@strawberry.type(description="One move between statuses: who or what, why, when.")
class AdvocateStatusChange:
    from_status: AdvocateStatus
    to_status: AdvocateStatus
    reason: str = strawberry.field(description="NO_ENGAGEMENT or MILESTONE_APPROVED.")
    actor: str
    at: dt.datetime

    @classmethod
    def from_row(cls, row: StatusChangeModel) -> AdvocateStatusChange:
        return cls(
            from_status=AdvocateStatus(row.from_status),
            to_status=AdvocateStatus(row.to_status),
            reason=row.reason,
            actor=row.actor,
            at=row.created_at,
        )


async def status_changes_of(info: Info, advocate_id: int) -> list[AdvocateStatusChange]:
    rows = await service.status_changes(
        info.context.session, info.context.organization_id, advocate_id
    )
    return [AdvocateStatusChange.from_row(row) for row in rows]


@strawberry.input
class ConfigureEngagementPolicyInput:
    lapse_after_days: int


@strawberry.type
class EngagementPolicyPayload:
    engagement_policy: EngagementPolicy | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EngagementQuery:
    @strawberry.field(permission_classes=[CanRead])
    async def engagement_policy(self, info: Info) -> EngagementPolicy:
        row = await service.policy_of(info.context.session, info.context.organization_id)
        return EngagementPolicy.from_row(row)


@strawberry.type
class EngagementMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def configure_engagement_policy(
        self, info: Info, input: ConfigureEngagementPolicyInput
    ) -> EngagementPolicyPayload:
        async def work(session: AsyncSession, principal: Principal) -> PolicyModel:
            return await service.configure_policy(session, principal, input.lapse_after_days)

        return await mutate(
            info,
            work,
            EngagementPolicyPayload,
            lambda row: EngagementPolicyPayload(engagement_policy=EngagementPolicy.from_row(row)),
        )
