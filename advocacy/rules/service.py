"""Creating, changing, pausing and deleting gift rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.gifting.catalog_service import get_gift_item
from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.updates import UNCHANGED, Unchanged
from advocacy.kit.validation import Checker
from advocacy.programs.models import MilestoneKind, Program
from advocacy.rules import templates
from advocacy.rules.models import GiftRule, GiftRuleRun, RuleStatus, RuleTrigger
from advocacy.tenancy.models import Role
from advocacy.tenancy.owned import get_owned
from advocacy.tenancy.principal import Principal

NEEDS_THRESHOLD = (RuleTrigger.POINTS_THRESHOLD, RuleTrigger.ANNIVERSARY)


@dataclass
class RuleSpec:
    name: str
    trigger: RuleTrigger
    program_id: int
    item_id: int | None = None
    price_cap: int | None = None
    milestone_kinds: Sequence[MilestoneKind] = field(default_factory=list)
    threshold: int | None = None
    message_template: str | None = None
    cap_count: int | None = None
    cap_days: int | None = None
    requires_approval: bool = False


@dataclass
class RuleChanges:
    name: str | Unchanged | None = UNCHANGED
    program_id: int | Unchanged | None = UNCHANGED
    item_id: int | Unchanged | None = UNCHANGED
    price_cap: int | Unchanged | None = UNCHANGED
    milestone_kinds: Sequence[MilestoneKind] | Unchanged | None = UNCHANGED
    threshold: int | Unchanged | None = UNCHANGED
    message_template: str | Unchanged | None = UNCHANGED
    cap_count: int | Unchanged | None = UNCHANGED
    cap_days: int | Unchanged | None = UNCHANGED
    requires_approval: bool | Unchanged | None = UNCHANGED


async def get_rule(
    session: AsyncSession, principal: Principal, rule_id: int, field_name: str = "id"
) -> GiftRule:
    return await get_owned(session, principal, GiftRule, rule_id, field_name, "gift rule")


async def _check_rule(session: AsyncSession, principal: Principal, rule: GiftRule) -> None:
    """The whole rule, after creation or a change: every field must make sense together."""
    check = Checker()
    name = check.text("name", rule.name, max_length=200)
    if rule.message_template is not None:
        template = check.text("messageTemplate", rule.message_template, max_length=2000)
        try:
            unknown = templates.unknown_fields(template or "")
        except ValueError:
            check.fail("messageTemplate", ErrorCode.INVALID, "messageTemplate has a stray brace")
        else:
            if unknown:
                check.fail(
                    "messageTemplate",
                    ErrorCode.INVALID,
                    f"unknown field(s) {', '.join(unknown)}; use {', '.join(templates.FIELDS)}",
                )
        rule.message_template = template
    if rule.trigger in NEEDS_THRESHOLD:
        if rule.threshold is None:
            check.fail("threshold", ErrorCode.REQUIRED, f"a {rule.trigger} rule needs threshold")
        else:
            check.int_range("threshold", rule.threshold, low=1, high=10_000_000)
    if rule.item_id is None and rule.price_cap is None:
        check.fail("itemId", ErrorCode.REQUIRED, "give itemId, or priceCap for the best match")
    if rule.price_cap is not None:
        check.amount("priceCap", rule.price_cap, allow_zero=False)
    if (rule.cap_count is None) != (rule.cap_days is None):
        check.fail("capDays", ErrorCode.REQUIRED, "capCount and capDays go together")
    elif rule.cap_count is not None and rule.cap_days is not None:
        check.int_range("capCount", rule.cap_count, low=1, high=1000)
        check.int_range("capDays", rule.cap_days, low=1, high=3650)
    check.done()
    rule.name = name or ""
    program = await session.scalar(
        select(Program).where(
            Program.id == rule.program_id, Program.organization_id == principal.organization_id
        )
    )
    if program is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such program", "programId")
    if rule.item_id is not None:
        item = await get_gift_item(session, principal, rule.item_id, "itemId")
        if item.currency != program.currency:
            raise DomainError(
                ErrorCode.INVALID,
                f"the item is priced in {item.currency}; the program pays in {program.currency}",
                "itemId",
            )
    duplicate = await session.scalar(
        select(GiftRule.id).where(
            GiftRule.organization_id == principal.organization_id,
            GiftRule.name == rule.name,
            col(GiftRule.id) != (rule.id or 0),
        )
    )
    if duplicate is not None:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "a rule with this name exists", "name")


async def create_rule(session: AsyncSession, principal: Principal, spec: RuleSpec) -> GiftRule:
    principal.require(Role.MARKETER)
    rule = GiftRule(
        organization_id=principal.organization_id,
        name=spec.name,
        trigger=spec.trigger,
        milestone_kinds=sorted({str(kind) for kind in spec.milestone_kinds}),
        threshold=spec.threshold,
        program_id=spec.program_id,
        item_id=spec.item_id,
        price_cap=spec.price_cap,
        message_template=spec.message_template,
        cap_count=spec.cap_count,
        cap_days=spec.cap_days,
        requires_approval=spec.requires_approval,
    )
    await _check_rule(session, principal, rule)
    session.add(rule)
    await session.flush()
    return rule


async def update_rule(
    session: AsyncSession, principal: Principal, rule_id: int, changes: RuleChanges
) -> GiftRule:
    principal.require(Role.MARKETER)
    rule = await get_rule(session, principal, rule_id)
    values: dict[str, Any] = {
        name: value for name, value in vars(changes).items() if value is not UNCHANGED
    }
    if "milestone_kinds" in values:
        values["milestone_kinds"] = sorted({str(kind) for kind in values["milestone_kinds"] or []})
    for required in ("name", "program_id", "requires_approval"):
        if required in values and values[required] is None:
            raise DomainError(ErrorCode.REQUIRED, f"{required} can't be null", required)
    for name, value in values.items():
        setattr(rule, name, value)
    await _check_rule(session, principal, rule)
    rule.updated_at = utcnow()
    await session.flush()
    return rule


async def set_status(
    session: AsyncSession, principal: Principal, rule_id: int, status: RuleStatus
) -> GiftRule:
    principal.require(Role.MARKETER)
    rule = await get_rule(session, principal, rule_id)
    rule.status = status
    rule.updated_at = utcnow()
    await session.flush()
    return rule


async def delete_rule(session: AsyncSession, principal: Principal, rule_id: int) -> int:
    """The rule and its run history go; gifts it sent stay (reason RULE)."""
    principal.require(Role.MARKETER)
    rule = await get_rule(session, principal, rule_id)
    await session.execute(delete(GiftRuleRun).where(col(GiftRuleRun.rule_id) == rule.id))
    await session.delete(rule)
    await session.flush()
    return rule_id
