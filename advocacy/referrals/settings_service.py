"""An organization's referral program settings: one row, created or changed by
``configureReferrals``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from advocacy.gifting.catalog_service import get_gift_item
from advocacy.gifting.models import GiftItem
from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.validation import Checker
from advocacy.programs.models import Program
from advocacy.referrals.models import FlaggedAction, ReferralSettings
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal

MAX_WINDOW_DAYS = 3650


@dataclass
class ReferralConfig:
    program_id: int
    landing_url: str
    fallback_url: str | None = None
    click_to_signup_days: int = 30
    signup_to_conversion_days: int = 90
    click_dedup_minutes: int = 30
    flagged_action: FlaggedAction = FlaggedAction.HOLD
    same_domain_is_self_referral: bool = False
    min_conversion_value: int = 0
    max_signups_per_visitor_per_day: int = 3
    referrer_item_id: int | None = None
    friend_item_id: int | None = None
    reward_delay_days: int = 0


async def get_settings_row(session: AsyncSession, organization_id: int) -> ReferralSettings | None:
    return await session.get(ReferralSettings, organization_id)


async def _reward_item(
    session: AsyncSession, principal: Principal, item_id: int | None, program: Program, field: str
) -> GiftItem | None:
    if item_id is None:
        return None
    item = await get_gift_item(session, principal, item_id, field)
    if item.currency != program.currency:
        raise DomainError(
            ErrorCode.INVALID,
            f"the item is priced in {item.currency}; the program's budget is in {program.currency}",
            field,
        )
    return item


async def configure_referrals(
    session: AsyncSession, principal: Principal, config: ReferralConfig
) -> ReferralSettings:
    principal.require(Role.MARKETER)
    check = Checker()
    landing_url = check.url("landingUrl", config.landing_url, required=True)
    fallback_url = check.url("fallbackUrl", config.fallback_url)
    windows = {
        "clickToSignupDays": config.click_to_signup_days,
        "signupToConversionDays": config.signup_to_conversion_days,
        "rewardDelayDays": config.reward_delay_days,
    }
    for field, days in windows.items():
        check.int_range(field, days, low=0, high=MAX_WINDOW_DAYS)
    check.int_range("clickDedupMinutes", config.click_dedup_minutes, low=0, high=7 * 24 * 60)
    check.int_range(
        "maxSignupsPerVisitorPerDay", config.max_signups_per_visitor_per_day, low=1, high=10_000
    )
    check.amount("minConversionValue", config.min_conversion_value, allow_zero=True)
    check.done()
    program = await session.scalar(
        select(Program).where(
            Program.id == config.program_id, Program.organization_id == principal.organization_id
        )
    )
    if program is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such program", "programId")
    await _reward_item(session, principal, config.referrer_item_id, program, "referrerItemId")
    await _reward_item(session, principal, config.friend_item_id, program, "friendItemId")

    settings = await get_settings_row(session, principal.organization_id)
    if settings is None:
        settings = ReferralSettings(
            organization_id=principal.organization_id,
            program_id=config.program_id,
            landing_url=landing_url or "",
        )
        session.add(settings)
    settings.program_id = config.program_id
    settings.landing_url = landing_url or ""
    settings.fallback_url = fallback_url
    settings.click_to_signup_days = config.click_to_signup_days
    settings.signup_to_conversion_days = config.signup_to_conversion_days
    settings.click_dedup_minutes = config.click_dedup_minutes
    settings.flagged_action = config.flagged_action
    settings.same_domain_is_self_referral = config.same_domain_is_self_referral
    settings.min_conversion_value = config.min_conversion_value
    settings.max_signups_per_visitor_per_day = config.max_signups_per_visitor_per_day
    settings.referrer_item_id = config.referrer_item_id
    settings.friend_item_id = config.friend_item_id
    settings.reward_delay_days = config.reward_delay_days
    settings.updated_at = utcnow()
    await session.flush()
    return settings
