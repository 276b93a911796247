"""Running gift rules for an event. Each firing first claims ``(rule, event)`` in the run
table (a unique key), so a job run twice — or twice at once — acts once; then it checks the
per-advocate cap, picks the item, and sends through the gifting service (budget, stock,
idempotency). What stops it (cap, budget, stock, no matching item) is recorded on the run."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import String, and_, cast, exists, func, literal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import Account, Advocate, AdvocateStatus
from advocacy.gifting import send_service
from advocacy.gifting.models import GiftSend, GiftSendReason
from advocacy.kit.db import utcnow
from advocacy.kit.dialect import is_unique_violation
from advocacy.kit.errors import DomainError, DomainErrors
from advocacy.programs.models import Program
from advocacy.rules import matching, templates
from advocacy.rules.models import GiftRule, GiftRuleRun, RuleStatus, RuleTrigger, RunOutcome
from advocacy.tenancy.principal import system_principal

log = logging.getLogger("advocacy.rules")
ANNIVERSARY_BATCH = 500


async def evaluate(
    session: AsyncSession,
    organization_id: int,
    trigger: RuleTrigger,
    advocate_id: int,
    event_key: str,
    milestone_kind: str | None = None,
    now: dt.datetime | None = None,
) -> list[GiftRuleRun]:
    """Fire every active rule of the organization that this event satisfies."""
    triggers = [trigger]
    if trigger == RuleTrigger.MILESTONE_APPROVED:
        triggers.append(RuleTrigger.POINTS_THRESHOLD)  # approvals are what move points
    rules = (
        await session.scalars(
            select(GiftRule)
            .where(
                GiftRule.organization_id == organization_id,
                col(GiftRule.trigger).in_(triggers),
                GiftRule.status == RuleStatus.ACTIVE,
            )
            .order_by(col(GiftRule.id))
        )
    ).all()
    advocate = await session.get(Advocate, advocate_id)
    if not rules or advocate is None or advocate.organization_id != organization_id:
        return []
    runs = []
    for rule in rules:
        key = event_key
        if (
            rule.trigger == RuleTrigger.MILESTONE_APPROVED
            and rule.milestone_kinds
            and milestone_kind not in rule.milestone_kinds
        ):
            continue
        if rule.trigger == RuleTrigger.POINTS_THRESHOLD:
            if advocate.points < (rule.threshold or 0):
                continue
            key = f"points:{advocate.id}"  # crossing a threshold happens once
        run = await fire(session, rule, advocate, key, milestone_kind, now)
        if run is not None:
            runs.append(run)
    return runs


async def _claim(
    session: AsyncSession, rule: GiftRule, advocate: Advocate, key: str
) -> GiftRuleRun | None:
    run = GiftRuleRun(
        organization_id=rule.organization_id,
        rule_id=rule.id or 0,
        trigger_key=key,
        advocate_id=advocate.id or 0,
    )
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        return None  # this event already fired this rule
    return run


async def _cap_reached(
    session: AsyncSession, rule: GiftRule, advocate: Advocate, now: dt.datetime
) -> str | None:
    if rule.cap_count is None or rule.cap_days is None:
        return None
    recent = await session.scalar(
        select(func.count())
        .select_from(GiftSend)
        .where(
            GiftSend.advocate_id == advocate.id,
            GiftSend.reason == GiftSendReason.RULE,
            col(GiftSend.created_at) > now - dt.timedelta(days=rule.cap_days),
        )
    )
    if (recent or 0) >= rule.cap_count:
        return f"cap reached: {rule.cap_count} gift(s) from rules in {rule.cap_days} days"
    return None


async def _message(
    session: AsyncSession, rule: GiftRule, advocate: Advocate, program: Program, kind: str | None
) -> str | None:
    if not rule.message_template:
        return None
    account = await session.get(Account, advocate.account_id) if advocate.account_id else None
    values = {
        "first_name": advocate.name.split()[0] if advocate.name.split() else advocate.name,
        "name": advocate.name,
        "account": account.name if account else "",
        "program": program.name,
        "milestone_kind": (kind or "").replace("_", " ").lower(),
        "points": str(advocate.points),
    }
    return templates.render(rule.message_template, values)[:2000]


async def fire(
    session: AsyncSession,
    rule: GiftRule,
    advocate: Advocate,
    key: str,
    milestone_kind: str | None = None,
    now: dt.datetime | None = None,
) -> GiftRuleRun | None:
    """Act on one event for one rule, once; the run records what happened."""
    now = now or utcnow()
    if rule.cap_count is not None:
        # Serialize capped rule sends per advocate, so concurrent events can't all pass the
        # cap. NO KEY UPDATE: it doesn't conflict with the key-share locks that inserting rows
        # referencing the advocate takes, so it can't deadlock with them.
        await session.execute(
            select(Advocate.id).where(Advocate.id == advocate.id).with_for_update(key_share=True)
        )
    run = await _claim(session, rule, advocate, key)
    if run is None:
        return None
    program = await session.get_one(Program, rule.program_id)
    skip = None
    if advocate.status == AdvocateStatus.OPTED_OUT:
        skip = "the advocate has opted out"
    else:
        skip = await _cap_reached(session, rule, advocate, now)
    item_id = rule.item_id
    if skip is None and item_id is None:
        best = await matching.best_match(
            session, advocate, program.currency, rule.price_cap or 0, now
        )
        item_id = best.id if best else None
        if item_id is None:
            skip = "no catalog item matches the advocate's interests under the price cap"
    if skip is None and item_id is not None:
        try:
            message = await _message(session, rule, advocate, program, milestone_kind)
        except ValueError:  # a template saved before templates were checked this strictly
            message = None
        new = send_service.NewSend(
            advocate_id=advocate.id or 0,
            item_id=item_id,
            program_id=rule.program_id,
            message=message,
            idempotency_key=f"rule-{rule.id}:{key}",
            reason=GiftSendReason.RULE,
            pending_approval=rule.requires_approval,
        )
        try:
            async with session.begin_nested():
                sent = await send_service.send_gift(
                    session, system_principal(rule.organization_id), new
                )
        except DomainError as error:
            skip = error.message
        except DomainErrors as errors:
            skip = str(errors)
        else:
            run.send_id = sent.send.id
            run.outcome = RunOutcome.PENDING_APPROVAL if rule.requires_approval else RunOutcome.SENT
    if skip is not None:
        run.outcome = RunOutcome.SKIPPED
        run.reason = skip[:500]
        log.info("rule %s skipped %s for advocate %s: %s", rule.id, key, advocate.id, skip)
    await session.flush()
    return run


async def fire_anniversaries(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """ANNIVERSARY rules: advocates who joined at least N days ago and haven't had it yet."""
    now = now or utcnow()
    rules = (
        await session.scalars(
            select(GiftRule).where(
                GiftRule.trigger == RuleTrigger.ANNIVERSARY, GiftRule.status == RuleStatus.ACTIVE
            )
        )
    ).all()
    fired = 0
    for rule in rules:
        key_of = literal("anniversary:", String) + cast(col(Advocate.id), String)
        done = exists().where(
            and_(col(GiftRuleRun.rule_id) == rule.id, col(GiftRuleRun.trigger_key) == key_of)
        )
        due = (
            await session.scalars(
                select(Advocate)
                .where(
                    Advocate.organization_id == rule.organization_id,
                    col(Advocate.created_at) <= now - dt.timedelta(days=rule.threshold or 0),
                    Advocate.status != AdvocateStatus.OPTED_OUT,
                    ~done,
                )
                .order_by(col(Advocate.id))
                .limit(ANNIVERSARY_BATCH)
            )
        ).all()
        for advocate in due:
            if await fire(session, rule, advocate, f"anniversary:{advocate.id}", None, now):
                fired += 1
    return fired
