"""Referral signups and conversions, reported by the customer's own systems, and the
marketer's decisions on held referrals. Rejected referrals never reward; a conversion earns
the referrer an approved REFERRAL milestone and schedules the double-sided rewards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates import milestone_service
from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.idempotency import earlier_result, fingerprint
from advocacy.kit.jobs import enqueue_after_commit
from advocacy.kit.validation import Checker
from advocacy.programs.models import MilestoneKind
from advocacy.referrals import fraud
from advocacy.referrals import jobs as referral_jobs
from advocacy.referrals.clicks import click_id_from_token
from advocacy.referrals.models import (
    FlaggedAction,
    FraudReason,
    Referral,
    ReferralClick,
    ReferralSettings,
    ReferralStatus,
    Verdict,
)
from advocacy.rules import jobs as rule_jobs
from advocacy.rules.models import RuleTrigger
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal, system_principal
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit


@dataclass
class NewSignup:
    code: str
    email: str
    name: str | None = None
    external_id: str | None = None
    click_token: str | None = None
    """The ``ref_click`` the landing page received: ties the signup to its visitor's click."""


@dataclass
class NewConversion:
    value: int
    currency: str
    code: str | None = None
    referral_id: int | None = None
    email: str | None = None
    order_id: str | None = None
    idempotency_key: str | None = None


@dataclass
class RecordedReferral:
    referral: Referral
    replayed: bool = False


async def _settings(session: AsyncSession, organization_id: int) -> ReferralSettings:
    settings = await session.get(ReferralSettings, organization_id)
    if settings is None:
        raise DomainError(
            ErrorCode.INVALID_STATE, "referrals aren't configured (configureReferrals)", None
        )
    return settings


async def get_referral(
    session: AsyncSession, principal: Principal, referral_id: int, field: str = "id"
) -> Referral:
    """The referral, locked until the transaction ends: every change to a referral (conversion,
    approval, rejection, reversal) reads it this way, so concurrent decisions serialize and each
    sees the other's result instead of overwriting it."""
    referral = await session.scalar(
        select(Referral)
        .where(Referral.id == referral_id, Referral.organization_id == principal.organization_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if referral is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such referral", field)
    return referral


def _verdict(
    referral: Referral, reasons: list[FraudReason], settings: ReferralSettings
) -> ReferralStatus | None:
    """Flag the referral with ``reasons``; the status a flag moves it to, if any."""
    if not reasons:
        return None
    referral.verdict = Verdict.FLAGGED
    referral.reasons = sorted({*referral.reasons, *(str(r) for r in reasons)})
    if FraudReason.OUTSIDE_ATTRIBUTION_WINDOW in reasons:
        return ReferralStatus.REJECTED
    if settings.flagged_action == FlaggedAction.REJECT:
        return ReferralStatus.REJECTED
    return ReferralStatus.HELD


async def _attributed_click(
    session: AsyncSession, referrer: Advocate, code: str, click_id: int | None, now: dt.datetime
) -> tuple[ReferralClick | None, str | None]:
    """The click this signup came from, and its visitor — known only from a click token.
    Without one, the code's latest click (anyone's) still dates the click→signup window, but no
    visitor is assumed, so the per-visitor rule can't misfire on strangers. A token must name
    a click on this very code: one of another code or organization is the shop's mistake (or
    a forgery), refused rather than quietly ignored."""
    if click_id is not None:
        click = await session.scalar(
            select(ReferralClick).where(
                ReferralClick.id == click_id,
                ReferralClick.organization_id == referrer.organization_id,
            )
        )
        if click is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, "clickToken names no click of this organization", "clickToken"
            )
        if click.code != code or click.advocate_id != referrer.id:
            raise DomainError(
                ErrorCode.INVALID,
                "clickToken is from a click on another referral code than code",
                "clickToken",
            )
        return click, click.visitor_hash
    click = await session.scalar(
        select(ReferralClick)
        .where(
            ReferralClick.code == code,
            ReferralClick.advocate_id == referrer.id,
            col(ReferralClick.created_at) <= now,
        )
        .order_by(col(ReferralClick.created_at).desc())
        .limit(1)
    )
    return click, None


async def record_signup(
    session: AsyncSession, principal: Principal, new: NewSignup, now: dt.datetime | None = None
) -> RecordedReferral:
    principal.require(Role.MARKETER)
    check = Checker()
    code = check.text("code", new.code, max_length=32)
    email = check.email("email", new.email)
    name = check.text("name", new.name, max_length=200, required=False)
    external_id = check.text("externalId", new.external_id, max_length=200, required=False)
    token = check.text("clickToken", new.click_token, max_length=40, required=False)
    click_id = click_id_from_token(token)
    if token is not None and click_id is None:
        check.fail(
            "clickToken",
            ErrorCode.INVALID,
            "clickToken is not a click token of ours: pass the ref_click value of the link as is",
        )
    check.done()
    assert code is not None and email is not None
    org = principal.organization_id
    if external_id is not None:
        earlier = await session.scalar(
            select(Referral).where(
                Referral.organization_id == org, Referral.external_id == external_id
            )
        )
        if earlier is not None:
            if earlier.email != email:
                raise DomainError(
                    ErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "this externalId was recorded for another email",
                    "externalId",
                )
            return RecordedReferral(earlier, replayed=True)
    settings = await _settings(session, org)
    referrer = await session.scalar(
        select(Advocate).where(Advocate.organization_id == org, Advocate.referral_code == code)
    )
    if referrer is None or referrer.status == AdvocateStatus.OPTED_OUT:
        raise DomainError(ErrorCode.NOT_FOUND, "no advocate has this referral code", "code")
    now = now or utcnow()
    click, visitor = await _attributed_click(session, referrer, code, click_id, now)
    referral = Referral(
        organization_id=org,
        program_id=settings.program_id,
        referrer_id=referrer.id or 0,
        code=code,
        click_id=click.id if click else None,
        visitor_hash=visitor,
        email=email,
        name=name,
        external_id=external_id,
        signed_up_at=now,
        created_at=now,
        updated_at=now,
    )
    reasons = await fraud.signup_reasons(
        session, settings, referrer, email, referral.visitor_hash, now
    )
    window = dt.timedelta(days=settings.click_to_signup_days)
    if click is None or now - click.created_at > window:
        reasons.append(FraudReason.OUTSIDE_ATTRIBUTION_WINDOW)
    referral.status = _verdict(referral, reasons, settings) or ReferralStatus.SIGNED_UP
    if referral.status == ReferralStatus.REJECTED:
        referral.decided_at = now
    session.add(referral)
    await session.flush()
    await _announce(session, referral)
    return RecordedReferral(referral)


async def _find_for_conversion(
    session: AsyncSession, principal: Principal, new: NewConversion, email: str | None
) -> Referral:
    org = principal.organization_id
    if new.referral_id is not None:
        return await get_referral(session, principal, new.referral_id, "referralId")
    query = select(Referral).where(Referral.organization_id == org)
    if new.code is not None:
        query = query.where(Referral.code == new.code)
    if email is not None:
        # The first referral of an email is the one that counts (later ones are duplicates).
        query = query.where(Referral.email == email).order_by(col(Referral.id))
    else:
        # A code alone: the most recent of its referrals still waiting for a purchase.
        query = query.where(
            col(Referral.converted_at).is_(None),
            col(Referral.status).in_([ReferralStatus.SIGNED_UP, ReferralStatus.HELD]),
        ).order_by(col(Referral.id).desc())
    found = await session.scalar(query.limit(1).with_only_columns(col(Referral.id)))
    if found is None:
        field = "email" if email is not None else "code"
        raise DomainError(ErrorCode.NOT_FOUND, f"no referral for this {field}", field)
    return await get_referral(session, principal, found, "referralId")


async def record_conversion(
    session: AsyncSession, principal: Principal, new: NewConversion, now: dt.datetime | None = None
) -> RecordedReferral:
    principal.require(Role.MARKETER)
    check = Checker()
    value = check.amount("value", new.value)
    currency = check.currency("currency", new.currency)
    email = check.email("email", new.email, required=False)
    order_id = check.text("orderId", new.order_id, max_length=200, required=False)
    key = check.text("idempotencyKey", new.idempotency_key, max_length=200, required=False)
    new.code = check.text("code", new.code, max_length=32, required=False)
    if new.referral_id is None and email is None and new.code is None:
        check.fail("email", ErrorCode.REQUIRED, "give referralId, email or code")
    check.done()
    assert value is not None and currency is not None
    digest = fingerprint(
        {
            "referral": new.referral_id,
            "email": email,
            "code": new.code,
            "value": value,
            "currency": currency,
            "order": order_id,
        }
    )
    if key is not None:
        lookup = select(Referral).where(
            Referral.organization_id == principal.organization_id, Referral.conversion_key == key
        )
        earlier = await earlier_result(
            session, lookup, digest, field="idempotencyKey", what="conversion"
        )
        if earlier is not None:
            return RecordedReferral(earlier, replayed=True)
    referral = await _find_for_conversion(session, principal, new, email)
    if key is not None and referral.conversion_key == key:
        # The same conversion committed while we waited for the lock.
        if referral.input_fingerprint != digest:
            raise DomainError(
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "this idempotencyKey was already used for a different conversion",
                "idempotencyKey",
            )
        return RecordedReferral(referral, replayed=True)
    if referral.converted_at is not None:
        raise DomainError(
            ErrorCode.INVALID_STATE, "this referral has already converted", "referralId"
        )
    if referral.status in (ReferralStatus.REJECTED, ReferralStatus.REVERSED):
        raise DomainError(
            ErrorCode.INVALID_STATE, f"this referral is {referral.status}", "referralId"
        )
    settings = await _settings(session, principal.organization_id)
    now = now or utcnow()
    referral.converted_at = now
    referral.conversion_value = value
    referral.currency = currency
    referral.order_id = order_id
    referral.conversion_key = key
    referral.input_fingerprint = digest if key else None
    referral.updated_at = now
    reasons = fraud.conversion_reasons(settings, value)
    if now - referral.signed_up_at > dt.timedelta(days=settings.signup_to_conversion_days):
        reasons.append(FraudReason.OUTSIDE_ATTRIBUTION_WINDOW)
    flagged = _verdict(referral, reasons, settings)
    if flagged is not None:
        referral.status = flagged
        if flagged == ReferralStatus.REJECTED:
            referral.decided_at = now
            await session.flush()
            await _announce(session, referral)
    elif referral.status == ReferralStatus.SIGNED_UP:
        await _convert(session, referral, settings, now)
    await session.flush()
    return RecordedReferral(referral)


async def _convert(
    session: AsyncSession, referral: Referral, settings: ReferralSettings, now: dt.datetime
) -> None:
    """CONVERTED: the referrer's approved REFERRAL milestone, and the rewards scheduled."""
    referral.status = ReferralStatus.CONVERTED
    system = system_principal(referral.organization_id)
    recorded = await milestone_service.record_milestone(
        session,
        system,
        milestone_service.NewMilestone(
            advocate_id=referral.referrer_id,
            program_id=referral.program_id,
            kind=MilestoneKind.REFERRAL,
            occurred_at=now,
            note=f"Referral of {referral.email} converted",
            external_id=f"advocacy:referral:{referral.id}",
        ),
    )
    milestone = recorded.milestone
    if milestone.status == "SUBMITTED":
        milestone = await milestone_service.approve_milestone(session, system, milestone.id or 0)
    referral.milestone_id = milestone.id
    referral.reward_due_at = now + dt.timedelta(days=settings.reward_delay_days)
    await session.flush()
    await _announce(session, referral)
    if settings.reward_delay_days == 0:
        enqueue_after_commit(session, referral_jobs.send_rewards, referral_id=referral.id)
    await rule_jobs.record_event(
        session,
        referral.organization_id,
        RuleTrigger.REFERRAL_CONVERTED,
        referral.referrer_id,
        f"referral:{referral.id}",
    )


async def approve_referral(
    session: AsyncSession, principal: Principal, referral_id: int, now: dt.datetime | None = None
) -> Referral:
    """Clear a HELD referral: it converts now if its conversion was already reported."""
    principal.require(Role.MARKETER)
    referral = await get_referral(session, principal, referral_id)
    if referral.status != ReferralStatus.HELD:
        raise DomainError(ErrorCode.INVALID_STATE, "only a HELD referral can be approved", "id")
    now = now or utcnow()
    _decide(referral, ReferralStatus.SIGNED_UP, now)
    if referral.converted_at is not None:
        settings = await _settings(session, principal.organization_id)
        await _convert(session, referral, settings, now)
    await session.flush()
    return referral


async def reject_referral(
    session: AsyncSession, principal: Principal, referral_id: int, now: dt.datetime | None = None
) -> Referral:
    principal.require(Role.MARKETER)
    referral = await get_referral(session, principal, referral_id)
    if referral.status not in (ReferralStatus.HELD, ReferralStatus.SIGNED_UP):
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"only a HELD or SIGNED_UP referral can be rejected; it is {referral.status}",
            "id",
        )
    _decide(referral, ReferralStatus.REJECTED, now or utcnow())
    await session.flush()
    await _announce(session, referral)
    return referral


ANNOUNCED = {
    ReferralStatus.SIGNED_UP: EventType.REFERRAL_SIGNED_UP,
    ReferralStatus.HELD: EventType.REFERRAL_SIGNED_UP,  # signed up, waiting for a decision
    ReferralStatus.CONVERTED: EventType.REFERRAL_CONVERTED,
    ReferralStatus.REJECTED: EventType.REFERRAL_REJECTED,
    ReferralStatus.REVERSED: EventType.REFERRAL_REVERSED,
}


async def _announce(session: AsyncSession, referral: Referral) -> None:
    event_type = ANNOUNCED.get(ReferralStatus(referral.status))
    if event_type is not None:
        await emit(session, referral.organization_id, event_type, payloads.referral(referral))


def _decide(referral: Referral, to: ReferralStatus, now: dt.datetime) -> None:
    """Move a referral read with ``get_referral`` (locked, so its status is current)."""
    referral.status = to
    referral.decided_at = referral.updated_at = now


async def reverse_conversion(
    session: AsyncSession, principal: Principal, referral_id: int, now: dt.datetime | None = None
) -> Referral:
    """Undo a conversion (a refund) before its rewards went out: they never will."""
    principal.require(Role.MARKETER)
    referral = await get_referral(session, principal, referral_id)
    if referral.status != ReferralStatus.CONVERTED:
        raise DomainError(
            ErrorCode.INVALID_STATE, "only a CONVERTED referral can be reversed", "id"
        )
    if referral.rewarded_at is not None:
        raise DomainError(
            ErrorCode.INVALID_STATE,
            "the rewards have already been sent; cancel the gifts instead",
            "id",
        )
    referral.status = ReferralStatus.REVERSED
    referral.reversed_at = referral.updated_at = now or utcnow()
    referral.reward_due_at = None
    await session.flush()
    await _announce(session, referral)
    return referral
