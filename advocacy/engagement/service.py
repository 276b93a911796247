"""The only writer of engagement settings and engagement state: policies (organization and
program), pauses and opt-outs, templates, ask policies, scheduled asks, "results seen", and
what happens when an advocate comes back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.advocates.service import get_advocate
from advocacy.engagement import asks, emails
from advocacy.engagement.models import (
    OPEN_ASK_STATUSES,
    AdvocateStatusChange,
    Ask,
    AskPolicy,
    AskSource,
    AskStatus,
    EmailTemplate,
    EngagementPolicy,
    Nudge,
    NudgeChannel,
    NudgeOutcome,
    ProgramEngagementPolicy,
    TemplateKind,
)
from advocacy.kit.db import utcnow
from advocacy.kit.dialect import is_unique_violation
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.updates import UNCHANGED, Unchanged
from advocacy.kit.validation import Checker
from advocacy.programs.models import MilestoneKind, Program, ProgramStatus
from advocacy.tenancy.models import Role
from advocacy.tenancy.owned import get_owned
from advocacy.tenancy.principal import Principal, actor_of
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit_for_rows

ADVOCATE = Advocate.__table__  # type: ignore[attr-defined]

MAX_DAYS = 3650
MAX_NUDGES = 20
MAX_SCHEDULE_AHEAD = dt.timedelta(days=365)
MAX_CLOCK_SKEW = dt.timedelta(days=1)
"""Like milestones' occurredAt: a client clock a little ahead is fine, a future date isn't."""

# -- policies ---------------------------------------------------------------------------------


async def policy_of(session: AsyncSession, organization_id: int) -> EngagementPolicy:
    """The stored policy, or the defaults (not saved) when there is none."""
    stored = await session.get(EngagementPolicy, organization_id)
    return stored or EngagementPolicy(organization_id=organization_id)


@dataclass
class PolicyChanges:
    """Omitted (UNCHANGED) fields keep their value. For a program, ``None`` means "inherit
    the organization's"."""

    lapse_after_days: int | Unchanged | None = UNCHANGED
    nudge_channel: NudgeChannel | Unchanged | None = UNCHANGED
    max_nudges: int | Unchanged | None = UNCHANGED
    cooldown_days: int | Unchanged | None = UNCHANGED
    give_up_after_days: int | Unchanged | None = UNCHANGED
    daytime_start_hour: int | Unchanged | None = UNCHANGED
    daytime_end_hour: int | Unchanged | None = UNCHANGED
    default_timezone: str | Unchanged | None = UNCHANGED


_RANGES = {
    "lapse_after_days": ("lapseAfterDays", 1, MAX_DAYS),
    "max_nudges": ("maxNudges", 0, MAX_NUDGES),
    "cooldown_days": ("cooldownDays", 1, MAX_DAYS),
    "give_up_after_days": ("giveUpAfterDays", 1, MAX_DAYS),
    "daytime_start_hour": ("daytimeStartHour", 0, 23),
    "daytime_end_hour": ("daytimeEndHour", 1, 24),
}
_ORGANIZATION_ONLY = ("daytime_start_hour", "daytime_end_hour", "default_timezone")


def _checked(changes: PolicyChanges, *, nullable: bool) -> dict[str, object]:
    """The given fields, validated; null is allowed only where ``nullable`` (programs)."""
    check = Checker()
    values: dict[str, object] = {}
    for name, (field, low, high) in _RANGES.items():
        value = getattr(changes, name)
        if value is UNCHANGED:
            continue
        if value is None and not nullable:
            check.not_null(field, value)
            continue
        values[name] = check.int_range(field, value, low=low, high=high)
    if changes.nudge_channel is not UNCHANGED:
        if changes.nudge_channel is None and not nullable:
            check.not_null("nudgeChannel", None)
        values["nudge_channel"] = changes.nudge_channel
    if changes.default_timezone is not UNCHANGED:
        if changes.default_timezone is None:
            check.not_null("defaultTimezone", None)
        else:
            values["default_timezone"] = check.timezone(
                "defaultTimezone", changes.default_timezone, required=True
            )
    check.done()
    return values


async def configure_policy(
    session: AsyncSession, principal: Principal, changes: PolicyChanges
) -> EngagementPolicy:
    principal.require(Role.MARKETER)
    values = _checked(changes, nullable=False)
    policy = await session.get(EngagementPolicy, principal.organization_id, with_for_update=True)
    if policy is None:
        policy = EngagementPolicy(organization_id=principal.organization_id)
        session.add(policy)
    for name, value in values.items():
        setattr(policy, name, value)
    if policy.daytime_start_hour >= policy.daytime_end_hour:
        raise DomainError(
            ErrorCode.INVALID,
            "daytimeStartHour must be before daytimeEndHour",
            "daytimeStartHour" if "daytime_start_hour" in values else "daytimeEndHour",
        )
    policy.updated_at = utcnow()
    await session.flush()
    return policy


async def _program_in_org(
    session: AsyncSession, principal: Principal, program_id: int, field: str = "programId"
) -> Program:
    return await get_owned(session, principal, Program, program_id, field, "program")


P = TypeVar("P", ProgramEngagementPolicy, AskPolicy)


async def _program_setting(
    session: AsyncSession, model: type[P], organization_id: int, program_id: int
) -> P | None:
    """A per-program settings row, if the program is this organization's."""
    stored = await session.get(model, program_id)
    return stored if stored is not None and stored.organization_id == organization_id else None


async def program_policy_of(
    session: AsyncSession, organization_id: int, program_id: int
) -> ProgramEngagementPolicy | None:
    return await _program_setting(session, ProgramEngagementPolicy, organization_id, program_id)


async def configure_program_policy(
    session: AsyncSession, principal: Principal, program_id: int, changes: PolicyChanges
) -> ProgramEngagementPolicy:
    principal.require(Role.MARKETER)
    for name in _ORGANIZATION_ONLY:
        if getattr(changes, name) is not UNCHANGED:
            field = {"daytime_start_hour": "daytimeStartHour", "daytime_end_hour": "daytimeEndHour"}
            raise DomainError(
                ErrorCode.INVALID,
                "the daytime window and default timezone are set for the whole organization",
                field.get(name, "defaultTimezone"),
            )
    values = _checked(changes, nullable=True)
    await _program_in_org(session, principal, program_id)
    policy = await session.get(ProgramEngagementPolicy, program_id, with_for_update=True)
    if policy is None:
        policy = ProgramEngagementPolicy(
            program_id=program_id, organization_id=principal.organization_id
        )
        session.add(policy)
    for name, value in values.items():
        setattr(policy, name, str(value) if name == "nudge_channel" and value else value)
    policy.updated_at = utcnow()
    await session.flush()
    return policy


# -- pauses and opt-outs ----------------------------------------------------------------------


async def set_nudges_paused(
    session: AsyncSession, principal: Principal, advocate_id: int | None, paused: bool
) -> Advocate | EngagementPolicy:
    """Pause (or resume) nudges and asks for one advocate, or, with no advocate, for the whole
    organization. A paused advocate's queued nudge emails and scheduled asks don't go out."""
    principal.require(Role.MARKETER)
    if advocate_id is None:
        policy = await session.get(
            EngagementPolicy, principal.organization_id, with_for_update=True
        )
        if policy is None:
            policy = EngagementPolicy(organization_id=principal.organization_id)
            session.add(policy)
        policy.nudges_paused = paused
        policy.updated_at = utcnow()
        await session.flush()
        return policy
    advocate = await get_advocate(session, principal, advocate_id, "advocateId")
    advocate.nudges_paused = paused
    advocate.updated_at = utcnow()
    await session.flush()
    return advocate


async def opt_out_of_nudges(session: AsyncSession, advocate_id: int) -> bool:
    """The advocate's own unsubscribe: no more nudges or asks, from now on. True the first
    time (a repeated click changes nothing). ``advocate.opted_out`` is raised only when this
    is news: not when a marketer had opted them out already or their status is OPTED_OUT."""
    now = utcnow()
    before = (
        await session.execute(
            select(Advocate.organization_id, Advocate.nudges_opt_out, Advocate.status)
            .where(col(Advocate.id) == advocate_id, col(Advocate.unsubscribed_at).is_(None))
            .with_for_update()
        )
    ).first()
    if before is None:
        return False
    await session.execute(
        update(Advocate)
        .where(col(Advocate.id) == advocate_id)
        .values(nudges_opt_out=True, unsubscribed_at=now, updated_at=now)
    )
    await asks.cancel_open_asks(session, advocate_id, "OPTED_OUT", now)
    await session.execute(
        update(Nudge)
        .where(
            col(Nudge.advocate_id) == advocate_id,
            col(Nudge.outcome) == NudgeOutcome.OPEN,
            col(Nudge.sent_at).is_(None),
        )
        .values(outcome=NudgeOutcome.CANCELLED)
    )
    if not before.nudges_opt_out and before.status != AdvocateStatus.OPTED_OUT:
        await emit_for_rows(
            session,
            EventType.ADVOCATE_OPTED_OUT,
            ADVOCATE,
            {before.organization_id: [advocate_id]},
            payloads.advocate,
        )
    return True


async def advocate_opted_out_by_marketer(session: AsyncSession, advocate_id: int) -> None:
    """``updateAdvocate(nudgesOptOut: true)`` or status OPTED_OUT: nothing open goes out."""
    await asks.cancel_open_asks(session, advocate_id, "OPTED_OUT")


# -- status changes ---------------------------------------------------------------------------


async def record_status_change(
    session: AsyncSession,
    organization_id: int,
    advocate_id: int,
    before: AdvocateStatus | str,
    after: AdvocateStatus,
    reason: str,
    actor: str,
) -> None:
    """History for every move; coming back from a lapse closes its open nudge as re-engaged."""
    if str(before) == str(after):
        return
    now = utcnow()
    session.add(
        AdvocateStatusChange(
            organization_id=organization_id,
            advocate_id=advocate_id,
            from_status=str(before),
            to_status=after,
            reason=reason,
            actor=actor,
            created_at=now,
        )
    )
    if str(before) == AdvocateStatus.LAPSED and after == AdvocateStatus.ACTIVE:
        await session.execute(
            update(Nudge)
            .where(
                col(Nudge.advocate_id) == advocate_id,
                col(Nudge.outcome) == NudgeOutcome.OPEN,
                col(Nudge.sent_at).is_not(None),
            )
            .values(outcome=NudgeOutcome.RE_ENGAGED, re_engaged_at=now)
        )
        await session.execute(
            update(Nudge)
            .where(col(Nudge.advocate_id) == advocate_id, col(Nudge.outcome) == NudgeOutcome.OPEN)
            .values(outcome=NudgeOutcome.CANCELLED)
        )
    if after == AdvocateStatus.OPTED_OUT:
        await asks.cancel_open_asks(session, advocate_id, "OPTED_OUT", now)
    await session.flush()
    announced = {
        AdvocateStatus.LAPSED: EventType.ADVOCATE_LAPSED,
        AdvocateStatus.OPTED_OUT: EventType.ADVOCATE_OPTED_OUT,
        AdvocateStatus.ACTIVE: EventType.ADVOCATE_REACTIVATED
        if str(before) == AdvocateStatus.LAPSED
        else None,
    }.get(after)
    if announced is not None:
        await emit_for_rows(
            session, announced, ADVOCATE, {organization_id: [advocate_id]}, payloads.advocate
        )


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


# -- templates --------------------------------------------------------------------------------


def _check_template(check: Checker, prefix: str, subject: str | None, body: str | None) -> None:
    """``prefix``: ``""`` (fields ``subject``, ``body``) or ``"variantA."`` and the like."""
    for field, value in ((f"{prefix}subject", subject), (f"{prefix}body", body)):
        if value is None:
            continue
        try:
            unknown = emails.unknown_fields(value)
        except ValueError as error:
            check.fail(field, ErrorCode.INVALID, f"{field} is not a valid template: {error}")
            continue
        if unknown:
            check.fail(
                field,
                ErrorCode.INVALID,
                f"{field} uses unknown field(s) {', '.join(unknown)}; "
                f"use {', '.join('{' + name + '}' for name in emails.FIELDS)}",
            )


async def nudge_template_of(session: AsyncSession, organization_id: int) -> emails.Template:
    return await emails.nudge_template(session, organization_id)


async def update_nudge_template(
    session: AsyncSession, principal: Principal, subject: str | None, body: str | None
) -> emails.Template:
    """Set the organization's nudge email; both null goes back to the built-in one."""
    principal.require(Role.MARKETER)
    stored = await session.get(EmailTemplate, (principal.organization_id, TemplateKind.NUDGE))
    if subject is None and body is None:
        if stored is not None:
            await session.delete(stored)
            await session.flush()
        return emails.DEFAULT_NUDGE
    check = Checker()
    clean_subject = check.text("subject", subject, max_length=300)
    clean_body = check.text("body", body, max_length=20_000)
    _check_template(check, "", clean_subject, clean_body)
    check.done()
    assert clean_subject is not None and clean_body is not None
    if stored is None:
        stored = EmailTemplate(
            organization_id=principal.organization_id,
            kind=TemplateKind.NUDGE,
            subject=clean_subject,
            body=clean_body,
        )
        session.add(stored)
    stored.subject, stored.body, stored.updated_at = clean_subject, clean_body, utcnow()
    await session.flush()
    return emails.Template(clean_subject, clean_body)


# -- asks -------------------------------------------------------------------------------------


@dataclass
class AskPolicyInput:
    program_id: int
    kind: MilestoneKind
    enabled: bool = True
    ask_after_days: int = 30
    retry_days: int = 21
    max_tries: int = 2
    variant_a_subject: str | None = None
    variant_a_body: str | None = None
    variant_b_subject: str | None = None
    variant_b_body: str | None = None


def _variant(
    check: Checker, field: str, subject: str | None, body: str | None
) -> tuple[str | None, str | None]:
    """A variant is given whole (subject and body) or not at all."""
    if subject is None and body is None:
        return None, None
    return (
        check.text(f"{field}.subject", subject, max_length=300),
        check.text(f"{field}.body", body, max_length=20_000),
    )


async def configure_ask_policy(
    session: AsyncSession, principal: Principal, new: AskPolicyInput
) -> AskPolicy:
    """Create or replace a program's ask policy. Variant A defaults to the built-in ask;
    variant B is optional, and when given, advocates are split between the two."""
    principal.require(Role.MARKETER)
    check = Checker()
    check.int_range("askAfterDays", new.ask_after_days, low=0, high=MAX_DAYS)
    check.int_range("retryDays", new.retry_days, low=1, high=MAX_DAYS)
    check.int_range("maxTries", new.max_tries, low=1, high=10)
    a_subject, a_body = _variant(check, "variantA", new.variant_a_subject, new.variant_a_body)
    b_subject, b_body = _variant(check, "variantB", new.variant_b_subject, new.variant_b_body)
    _check_template(check, "variantA.", a_subject, a_body)
    _check_template(check, "variantB.", b_subject, b_body)
    check.done()
    await _program_in_org(session, principal, new.program_id)
    policy = await session.get(AskPolicy, new.program_id, with_for_update=True)
    if policy is None:
        policy = AskPolicy(
            program_id=new.program_id,
            organization_id=principal.organization_id,
            variant_a_subject="",
            variant_a_body="",
        )
        session.add(policy)
    policy.enabled = new.enabled
    policy.kind = new.kind
    policy.ask_after_days = new.ask_after_days
    policy.retry_days = new.retry_days
    policy.max_tries = new.max_tries
    policy.variant_a_subject = a_subject or emails.DEFAULT_ASK.subject
    policy.variant_a_body = a_body or emails.DEFAULT_ASK.body
    policy.variant_b_subject = b_subject
    policy.variant_b_body = b_body
    policy.updated_at = utcnow()
    await session.flush()
    return policy


async def ask_policy_of(
    session: AsyncSession, organization_id: int, program_id: int
) -> AskPolicy | None:
    return await _program_setting(session, AskPolicy, organization_id, program_id)


async def schedule_ask(
    session: AsyncSession,
    principal: Principal,
    advocate_id: int,
    program_id: int,
    kind: MilestoneKind | None,
    at: dt.datetime | None = None,
) -> Ask:
    """A marketer's "ask them now" (or at ``at``). The job sends it inside the advocate's
    daytime window; an opt-out or a pause still stops it."""
    principal.require(Role.MARKETER)
    check = Checker()
    due = check.aware("at", at)
    if due is not None and due > utcnow() + MAX_SCHEDULE_AHEAD:
        check.fail("at", ErrorCode.OUT_OF_RANGE, "at must be within a year from now")
    check.done()
    advocate = await get_advocate(session, principal, advocate_id, "advocateId")
    program = await _program_in_org(session, principal, program_id)
    if advocate.nudges_opt_out or advocate.status == AdvocateStatus.OPTED_OUT:
        raise DomainError(
            ErrorCode.INVALID_STATE, "the advocate has opted out of these emails", "advocateId"
        )
    if program.status != ProgramStatus.ACTIVE:
        raise DomainError(ErrorCode.INVALID_STATE, "the program is not ACTIVE", "programId")
    policy = await ask_policy_of(session, principal.organization_id, program_id)
    ask_kind = kind or (policy.kind if policy is not None else None)
    if ask_kind is None:
        raise DomainError(
            ErrorCode.REQUIRED, "kind is required when the program has no ask policy", "kind"
        )
    now = utcnow()
    ask = Ask(
        organization_id=principal.organization_id,
        program_id=program_id,
        advocate_id=advocate_id,
        kind=ask_kind,
        status=AskStatus.SCHEDULED,
        source=AskSource.MARKETER,
        requested_by=actor_of(principal),
        due_at=max(due or now, now),
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(ask)
            await session.flush()
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise DomainError(
            ErrorCode.ALREADY_EXISTS,
            "the advocate already has an open ask; wait for it to close",
            "advocateId",
        ) from None
    return ask


async def mark_results_seen(
    session: AsyncSession, principal: Principal, advocate_id: int, at: dt.datetime | None
) -> Advocate:
    """The marketer saw this advocate get results: the next ask waits ``askAfterDays`` from
    now (or ``at``), when results are fresh, not from signup."""
    principal.require(Role.MARKETER)
    check = Checker()
    when = check.aware("at", at)
    if when is not None and when > utcnow() + MAX_CLOCK_SKEW:
        check.fail("at", ErrorCode.OUT_OF_RANGE, "at is in the future")
    check.done()
    advocate = await get_advocate(session, principal, advocate_id, "advocateId")
    advocate.results_seen_at = when or utcnow()
    advocate.updated_at = utcnow()
    await session.flush()
    return advocate


async def open_ask_of(session: AsyncSession, advocate_id: int) -> Ask | None:
    return await session.scalar(
        select(Ask).where(Ask.advocate_id == advocate_id, col(Ask.status).in_(OPEN_ASK_STATUSES))
    )
