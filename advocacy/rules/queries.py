"""Reads for gift rules and their run history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from advocacy.rules.models import GiftRule, GiftRuleRun, RuleStatus, RuleTrigger

GIFT_RULE = GiftRule.__table__  # type: ignore[attr-defined]
GIFT_RULE_RUN = GiftRuleRun.__table__  # type: ignore[attr-defined]


def gift_rules_query(
    organization_id: int, trigger: RuleTrigger | None, status: RuleStatus | None
) -> Select[Any]:
    query = select(GIFT_RULE).where(GIFT_RULE.c.organization_id == organization_id)
    if trigger is not None:
        query = query.where(GIFT_RULE.c.trigger == str(trigger))
    if status is not None:
        query = query.where(GIFT_RULE.c.status == str(status))
    return query.order_by(GIFT_RULE.c.name, GIFT_RULE.c.id)


def runs_query(organization_id: int, rule_id: int) -> Select[Any]:
    return (
        select(GIFT_RULE_RUN)
        .where(
            GIFT_RULE_RUN.c.organization_id == organization_id,
            GIFT_RULE_RUN.c.rule_id == rule_id,
        )
        .order_by(GIFT_RULE_RUN.c.id.desc())
    )
