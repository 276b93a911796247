"""Referral codes and links. A regenerated code replaces the old one at once: the old code is
kept only to send its clicks to the organization's fallback page, crediting nobody."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate
from advocacy.advocates.service import get_advocate, new_referral_code
from advocacy.config import get_settings
from advocacy.kit.db import utcnow
from advocacy.referrals.models import RevokedReferralCode
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal


def referral_link(code: str) -> str:
    return f"{get_settings().public_url}/r/{code}"


async def regenerate_referral_code(
    session: AsyncSession, principal: Principal, advocate_id: int
) -> Advocate:
    principal.require(Role.MARKETER)
    advocate = await get_advocate(session, principal, advocate_id, "advocateId")
    session.add(
        RevokedReferralCode(code=advocate.referral_code, organization_id=advocate.organization_id)
    )
    advocate.referral_code = new_referral_code()
    advocate.updated_at = utcnow()
    await session.flush()
    return advocate
