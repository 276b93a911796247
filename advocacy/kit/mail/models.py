from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from advocacy.kit.models_base import created_at_field, json_column


class OutboxEmail(SQLModel, table=True):
    """An email written instead of sent, when no SMTP server is configured: the demo and the
    tests read them here. ``dedup_key`` makes writing the same email twice impossible."""

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_to", "to_address", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    dedup_key: str = Field(max_length=200, unique=True, nullable=False)
    to_address: str = Field(max_length=320, nullable=False)
    subject: str = Field(max_length=300, nullable=False)
    body: str = Field(sa_type=Text, nullable=False)
    headers: dict[str, str] = json_column(dict)
    """Extra headers the SMTP message would carry (``List-Unsubscribe``…)."""
    created_at: dt.datetime = created_at_field()
