"""An organization's engagement policy and the status history of its advocates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.db import utcnow
from advocacy.engagement.models import (
    DEFAULT_LAPSE_AFTER_DAYS,
    AdvocateStatusChange,
    EngagementPolicy,
)
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal
from advocacy.validation import Checker

MAX_LAPSE_DAYS = 3650


async def policy_of(session: AsyncSession, organization_id: int) -> EngagementPolicy:
    """The stored policy, or the defaults (not saved) when there is none."""
    stored = await session.get(EngagementPolicy, organization_id)
    return stored or EngagementPolicy(
        organization_id=organization_id, lapse_after_days=DEFAULT_LAPSE_AFTER_DAYS
    )


async def configure_policy(
    session: AsyncSession, principal: Principal, lapse_after_days: int
) -> EngagementPolicy:
    principal.require(Role.MARKETER)
    check = Checker()
    check.int_range("lapseAfterDays", lapse_after_days, low=1, high=MAX_LAPSE_DAYS)
    check.done()
    policy = await session.get(EngagementPolicy, principal.organization_id)
    if policy is None:
        policy = EngagementPolicy(organization_id=principal.organization_id)
        session.add(policy)
    policy.lapse_after_days = lapse_after_days
    policy.updated_at = utcnow()
    await session.flush()
    return policy


async def status_changes(
    session: AsyncSession, organization_id: int, advocate_id: int, limit: int = 50
) -> Sequence[AdvocateStatusChange]:
    """Newest first."""
    rows = await session.scalars(
        select(AdvocateStatusChange)
        .where(
            AdvocateStatusChange.organization_id == organization_id,
            AdvocateStatusChange.advocate_id == advocate_id,
        )
        .order_by(col(AdvocateStatusChange.id).desc())
        .limit(limit)
    )
    return rows.all()
