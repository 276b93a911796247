"""Fraud rules. Each rule looks at one referral and answers with a reason when it flags it;
the reasons are stored on the referral, so a marketer can see why it was held or rejected."""

from __future__ import annotations

import datetime as dt

from disposable_email_domains import blocklist
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from advocacy.advocates.models import Account, Advocate
from advocacy.kit.email_address import ascii_domain
from advocacy.referrals.models import FraudReason, Referral, ReferralSettings


def email_domain(email: str) -> str:
    """The ASCII (IDNA) form, as the disposable list and account domains spell domains."""
    return ascii_domain(email)


async def _exists(session: AsyncSession, count: SelectOfScalar[int]) -> bool:
    return bool(await session.scalar(count))


def is_disposable(email: str) -> bool:
    """Against the maintained list of the disposable-email-domains project (PyPI package)."""
    domain = email_domain(email)
    parts = domain.split(".")
    return any(".".join(parts[i:]) in blocklist for i in range(len(parts) - 1))


async def signup_reasons(
    session: AsyncSession,
    settings: ReferralSettings,
    referrer: Advocate,
    email: str,
    visitor_hash: str | None,
    now: dt.datetime,
) -> list[FraudReason]:
    """Every rule that flags a new signup of ``email`` referred by ``referrer``."""
    reasons: list[FraudReason] = []
    domain = email_domain(email)
    if email == referrer.email.lower():
        reasons.append(FraudReason.SELF_REFERRAL)
    elif settings.same_domain_is_self_referral and domain == email_domain(referrer.email):
        reasons.append(FraudReason.SAME_EMAIL_DOMAIN)
    org = referrer.organization_id
    if FraudReason.SELF_REFERRAL not in reasons:
        if await _exists(
            session,
            select(func.count())
            .select_from(Advocate)
            .where(col(Advocate.organization_id) == org, func.lower(col(Advocate.email)) == email),
        ):
            reasons.append(FraudReason.ALREADY_ADVOCATE)
        elif await _exists(
            session,
            select(func.count())
            .select_from(Account)
            .where(col(Account.organization_id) == org, col(Account.domain) == domain),
        ):
            reasons.append(FraudReason.ALREADY_CUSTOMER)
    earlier = await session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(col(Referral.organization_id) == org, col(Referral.email) == email)
    )
    if earlier:
        reasons.append(FraudReason.DUPLICATE_EMAIL)
    if is_disposable(email):
        reasons.append(FraudReason.DISPOSABLE_EMAIL)
    if visitor_hash is not None:
        same_visitor = await session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(
                col(Referral.organization_id) == org,
                col(Referral.visitor_hash) == visitor_hash,
                col(Referral.created_at) > now - dt.timedelta(days=1),
            )
        )
        if (same_visitor or 0) >= settings.max_signups_per_visitor_per_day:
            reasons.append(FraudReason.TOO_MANY_SIGNUPS_FROM_VISITOR)
    return reasons


def conversion_reasons(settings: ReferralSettings, value: int) -> list[FraudReason]:
    if value < settings.min_conversion_value:
        return [FraudReason.BELOW_MINIMUM_VALUE]
    return []
