from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from advocacy.kit.models_base import (
    created_at_field,
    enum_check,
    enum_field,
    json_column,
    timestamp_field,
)
from advocacy.programs.models import MilestoneKind


class AdvocateStatus(enum.StrEnum):
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    LAPSED = "LAPSED"
    OPTED_OUT = "OPTED_OUT"


class MilestoneStatus(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class Account(SQLModel, table=True):
    """A customer company (B2B). Advocates belong to at most one."""

    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("organization_id", "name", name="uq_account_org_name"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    name: str = Field(max_length=200, nullable=False)
    domain: str | None = Field(default=None, max_length=253)
    crm_id: str | None = Field(default=None, max_length=100)
    created_at: dt.datetime = created_at_field()


class Advocate(SQLModel, table=True):
    __tablename__ = "advocate"
    __table_args__ = (
        UniqueConstraint("organization_id", "email", name="uq_advocate_org_email"),
        UniqueConstraint("organization_id", "external_id", name="uq_advocate_org_external_id"),
        enum_check("status", AdvocateStatus, "ck_advocate_status"),
        CheckConstraint("points >= 0", name="ck_advocate_points_non_negative"),
        Index("ix_advocate_org_name", "organization_id", "name", "id"),
        Index("ix_advocate_org_points", "organization_id", "points", "id"),
        Index("ix_advocate_org_last_engaged", "organization_id", "last_engaged_at", "id"),
        Index("ix_advocate_org_created", "organization_id", "created_at", "id"),
        Index("ix_advocate_org_status", "organization_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    email: str = Field(max_length=254, nullable=False)
    name: str = Field(max_length=200, nullable=False)
    title: str | None = Field(default=None, max_length=200)
    interests: list[str] = json_column(list)
    status: AdvocateStatus = enum_field(AdvocateStatus, AdvocateStatus.ACTIVE)
    points: int = Field(default=0, nullable=False)
    referral_code: str = Field(max_length=32, unique=True, nullable=False)
    nudges_opt_out: bool = Field(default=False, nullable=False)
    """The advocate's own choice (the unsubscribe link): no nudges, no asks."""
    unsubscribed_at: dt.datetime | None = timestamp_field()
    """Set when the advocate clicked the unsubscribe link themselves: only they can undo it."""
    nudges_paused: bool = Field(default=False, nullable=False)
    """A marketer's pause of nudges and asks for this advocate (``pauseNudges``)."""
    locale: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(default=None, max_length=100)
    last_engaged_at: dt.datetime | None = timestamp_field()
    engaged_program_id: int | None = Field(
        default=None,
        sa_column_args=[ForeignKey("program.id", name="fk_advocate_engaged_program")],
    )
    """The program of the latest engagement: its engagement policy overrides apply."""
    results_seen_at: dt.datetime | None = timestamp_field()
    """A marketer-set "results seen" date: asks wait ``ask_after_days`` from it too."""
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class Milestone(SQLModel, table=True):
    """Something an advocate did for the brand. Approval awards the program's points."""

    __tablename__ = "milestone"
    __table_args__ = (
        UniqueConstraint("organization_id", "external_id", name="uq_milestone_org_external_id"),
        enum_check("kind", MilestoneKind, "ck_milestone_kind"),
        enum_check("status", MilestoneStatus, "ck_milestone_status"),
        CheckConstraint("points >= 0", name="ck_milestone_points_non_negative"),
        Index("ix_milestone_advocate_occurred", "advocate_id", "occurred_at", "id"),
        Index("ix_milestone_org_occurred", "organization_id", "occurred_at", "id"),
        Index("ix_milestone_program", "program_id"),
        Index(
            "ix_milestone_program_advocate",
            "organization_id",
            "program_id",
            "advocate_id",
            "occurred_at",
            postgresql_include=["kind", "status", "points"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    program_id: int = Field(foreign_key="program.id", nullable=False)
    kind: MilestoneKind = enum_field(MilestoneKind, MilestoneKind.OTHER)
    status: MilestoneStatus = enum_field(MilestoneStatus, MilestoneStatus.SUBMITTED)
    evidence_url: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)
    points: int = Field(default=0, nullable=False)
    occurred_at: dt.datetime = created_at_field()
    external_id: str | None = Field(default=None, max_length=200)
    input_fingerprint: str | None = Field(default=None, max_length=64)
    decided_at: dt.datetime | None = timestamp_field()
    decision_note: str | None = Field(default=None, max_length=2000)
    created_at: dt.datetime = created_at_field()
