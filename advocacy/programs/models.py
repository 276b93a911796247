from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, CheckConstraint, Date, UniqueConstraint
from sqlmodel import Field, SQLModel

from advocacy.kit.models_base import created_at_field, enum_check, enum_field, json_column


class MilestoneKind(enum.StrEnum):
    """What an advocate did. Programs set the points per kind, so the kinds live here, below
    the advocates that record milestones of them."""

    REVIEW = "REVIEW"
    TESTIMONIAL = "TESTIMONIAL"
    REFERRAL = "REFERRAL"
    CASE_STUDY = "CASE_STUDY"
    REFERENCE_CALL = "REFERENCE_CALL"
    SOCIAL_MENTION = "SOCIAL_MENTION"
    EVENT_SPEAKING = "EVENT_SPEAKING"
    SUCCESS_STORY = "SUCCESS_STORY"
    COMMUNITY_ANSWER = "COMMUNITY_ANSWER"
    OTHER = "OTHER"


class ProgramStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


DEFAULT_POINTS: dict[str, int] = {
    MilestoneKind.REVIEW: 50,
    MilestoneKind.TESTIMONIAL: 75,
    MilestoneKind.REFERRAL: 100,
    MilestoneKind.CASE_STUDY: 200,
    MilestoneKind.REFERENCE_CALL: 100,
    MilestoneKind.SOCIAL_MENTION: 20,
    MilestoneKind.EVENT_SPEAKING: 150,
    MilestoneKind.SUCCESS_STORY: 150,
    MilestoneKind.COMMUNITY_ANSWER: 10,
    MilestoneKind.OTHER: 10,
}
"""Points a milestone kind earns when a program does not say otherwise."""


def default_points() -> dict[str, int]:
    return {str(kind): points for kind, points in DEFAULT_POINTS.items()}


class Program(SQLModel, table=True):
    __tablename__ = "program"
    __table_args__ = (
        UniqueConstraint("organization_id", "name", name="uq_program_org_name"),
        enum_check("status", ProgramStatus, "ck_program_status"),
        CheckConstraint("budget_total >= 0", name="ck_program_budget_non_negative"),
        CheckConstraint(
            "budget_reserved >= 0 AND budget_spent >= 0", name="ck_program_committed_non_negative"
        ),
        CheckConstraint(
            "budget_reserved + budget_spent <= budget_total", name="ck_program_budget_not_overspent"
        ),
        CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on",
            name="ck_program_dates_ordered",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    name: str = Field(max_length=200, nullable=False)
    description: str | None = Field(default=None, max_length=5000)
    goal: str | None = Field(default=None, max_length=2000)
    status: ProgramStatus = enum_field(ProgramStatus, ProgramStatus.DRAFT)
    budget_total: int = Field(default=0, sa_type=BigInteger, nullable=False)
    budget_reserved: int = Field(default=0, sa_type=BigInteger, nullable=False)
    """Cache of the ledger: reserved for sends not yet fulfilled."""
    budget_spent: int = Field(default=0, sa_type=BigInteger, nullable=False)
    """Cache of the ledger: spent on fulfilled sends."""
    currency: str = Field(max_length=3, nullable=False)
    starts_on: dt.date | None = Field(default=None, sa_type=Date)
    ends_on: dt.date | None = Field(default=None, sa_type=Date)
    points_per_kind: dict[str, int] = json_column(default_points)
    kpi_targets: dict[str, int] = json_column(dict)
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()
