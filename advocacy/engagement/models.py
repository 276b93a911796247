from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from advocacy.models_base import created_at_field

DEFAULT_LAPSE_AFTER_DAYS = 60


class EngagementPolicy(SQLModel, table=True):
    """An organization's engagement rules; without a row, the defaults apply."""

    __tablename__ = "engagement_policy"
    __table_args__ = (
        CheckConstraint("lapse_after_days >= 1", name="ck_engagement_policy_lapse_positive"),
    )

    organization_id: int = Field(foreign_key="organization.id", primary_key=True)
    lapse_after_days: int = Field(default=DEFAULT_LAPSE_AFTER_DAYS, nullable=False)
    """An ACTIVE advocate with no engagement for this long becomes LAPSED."""
    updated_at: dt.datetime = created_at_field()


class AdvocateStatusChange(SQLModel, table=True):
    """Who or what moved an advocate between statuses, why and when."""

    __tablename__ = "advocate_status_change"
    __table_args__ = (Index("ix_advocate_status_change_advocate", "advocate_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    from_status: str = Field(max_length=10, nullable=False)
    to_status: str = Field(max_length=10, nullable=False)
    reason: str = Field(max_length=40, nullable=False)
    """``NO_ENGAGEMENT``, ``MILESTONE_APPROVED``, ``MARKETER``."""
    actor: str = Field(max_length=60, nullable=False)
    created_at: dt.datetime = created_at_field()
