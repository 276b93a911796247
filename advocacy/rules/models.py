from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from advocacy.kit.models_base import (
    created_at_field,
    enum_check,
    enum_field,
    json_column,
    timestamp_field,
)


class RuleTrigger(enum.StrEnum):
    MILESTONE_APPROVED = "MILESTONE_APPROVED"
    REFERRAL_CONVERTED = "REFERRAL_CONVERTED"
    ADVOCATE_LAPSED = "ADVOCATE_LAPSED"
    POINTS_THRESHOLD = "POINTS_THRESHOLD"
    ANNIVERSARY = "ANNIVERSARY"


class RuleStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"


class GiftRule(SQLModel, table=True):
    """When ``trigger`` happens to an advocate, send them ``item_id`` — or, with no item, the
    catalog item that best matches their interests under ``price_cap`` — from ``program_id``."""

    __tablename__ = "gift_rule"
    __table_args__ = (
        enum_check("trigger", RuleTrigger, "ck_gift_rule_trigger"),
        enum_check("status", RuleStatus, "ck_gift_rule_status"),
        CheckConstraint(
            "item_id IS NOT NULL OR price_cap IS NOT NULL", name="ck_gift_rule_has_action"
        ),
        CheckConstraint(
            "(cap_count IS NULL) = (cap_days IS NULL)", name="ck_gift_rule_cap_complete"
        ),
        UniqueConstraint("organization_id", "name", name="uq_gift_rule_org_name"),
        Index("ix_gift_rule_org_trigger", "organization_id", "trigger", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    name: str = Field(max_length=200, nullable=False)
    trigger: RuleTrigger = enum_field(RuleTrigger, RuleTrigger.MILESTONE_APPROVED)
    milestone_kinds: list[str] = json_column(list)
    """MILESTONE_APPROVED: only these kinds (empty: any)."""
    threshold: int | None = Field(default=None)
    """POINTS_THRESHOLD: the points to cross; ANNIVERSARY: days since joining."""
    program_id: int = Field(foreign_key="program.id", nullable=False)
    item_id: int | None = Field(default=None, foreign_key="gift_item.id")
    price_cap: int | None = Field(default=None, sa_type=BigInteger)
    """With no item: the best interest match costing at most this."""
    message_template: str | None = Field(default=None, max_length=2000)
    cap_count: int | None = Field(default=None)
    cap_days: int | None = Field(default=None)
    """At most ``cap_count`` gifts from rules per advocate per ``cap_days`` days."""
    requires_approval: bool = Field(default=False, nullable=False)
    status: RuleStatus = enum_field(RuleStatus, RuleStatus.ACTIVE)
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class RunOutcome(enum.StrEnum):
    SENT = "SENT"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    SKIPPED = "SKIPPED"


class GiftRuleRun(SQLModel, table=True):
    """One firing of a rule for one trigger event. ``(rule_id, trigger_key)`` is unique: the
    same event (a milestone's approval, a conversion, a lapse) never acts twice."""

    __tablename__ = "gift_rule_run"
    __table_args__ = (
        enum_check("outcome", RunOutcome, "ck_gift_rule_run_outcome"),
        UniqueConstraint("rule_id", "trigger_key", name="uq_gift_rule_run_event"),
        Index("ix_gift_rule_run_rule", "rule_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    rule_id: int = Field(foreign_key="gift_rule.id", nullable=False)
    trigger_key: str = Field(max_length=100, nullable=False)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    outcome: RunOutcome = enum_field(RunOutcome, RunOutcome.SENT)
    reason: str | None = Field(default=None, max_length=500)
    """Why it couldn't act (budget, stock, cap, no matching item)."""
    send_id: int | None = Field(default=None, foreign_key="gift_send.id")
    created_at: dt.datetime = created_at_field()


class RuleEvent(SQLModel, table=True):
    """Something rules may react to, written in the transaction where it happened. The
    ``rules.evaluate`` message only points at it; the sweeper re-enqueues events a lost message
    left unprocessed (DESIGN.md §2), and the run table makes a repeat harmless."""

    __tablename__ = "rule_event"
    __table_args__ = (
        enum_check("trigger", RuleTrigger, "ck_rule_event_trigger"),
        Index("ix_rule_event_unprocessed", "processed_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    trigger: RuleTrigger = enum_field(RuleTrigger, RuleTrigger.MILESTONE_APPROVED)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    event_key: str = Field(max_length=100, nullable=False)
    milestone_kind: str | None = Field(default=None, max_length=20)
    created_at: dt.datetime = created_at_field()
    processed_at: dt.datetime | None = timestamp_field()
