"""Webhook endpoints, the events raised for them, and one delivery per (endpoint, event)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from advocacy.kit.models_base import (
    created_at_field,
    enum_check,
    enum_field,
    json_column,
    timestamp_field,
)


class EndpointStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class DeliveryStatus(enum.StrEnum):
    PENDING = "PENDING"
    """Waiting for its next attempt (``next_attempt_at``)."""
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    """Given up: a 4xx other than 408/429, a day of failures, or the endpoint disabled."""


class WebhookEndpoint(SQLModel, table=True):
    """Where an organization wants its events. The signing secret is never stored: it is
    derived from the server's secret key and ``secret_salt`` (rotation = a new salt), so a copy
    of the database alone can't forge signatures."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (
        enum_check("status", EndpointStatus, "ck_webhook_endpoint_status"),
        Index("ix_webhook_endpoint_org", "organization_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    url: str = Field(max_length=2000, nullable=False)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] = json_column(list)
    secret_salt: str = Field(max_length=64, nullable=False)
    status: EndpointStatus = enum_field(EndpointStatus, EndpointStatus.ACTIVE)
    consecutive_failures: int = Field(default=0, nullable=False)
    disabled_at: dt.datetime | None = timestamp_field()
    disabled_reason: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class WebhookEvent(SQLModel, table=True):
    """Something that happened, as receivers see it. ``uid`` is the stable id receivers
    de-duplicate on (every redelivery carries the same one)."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_org", "organization_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    uid: str = Field(max_length=40, unique=True, nullable=False)
    type: str = Field(max_length=40, nullable=False)
    payload: dict[str, object] = json_column(dict)
    created_at: dt.datetime = created_at_field()


class WebhookDelivery(SQLModel, table=True):
    """One event to one endpoint: attempted until it succeeds or is given up on."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_endpoint_event"),
        enum_check("status", DeliveryStatus, "ck_webhook_delivery_status"),
        CheckConstraint("attempts >= 0", name="ck_webhook_delivery_attempts"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", nullable=False)
    event_id: int = Field(foreign_key="webhook_event.id", nullable=False)
    status: DeliveryStatus = enum_field(DeliveryStatus, DeliveryStatus.PENDING)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: dt.datetime = created_at_field()
    lease_until: dt.datetime | None = timestamp_field()
    """A worker is attempting it until then; past it, the sweep hands it to another."""
    retry_until: dt.datetime = created_at_field()
    """Transient failures are retried until then (a day after the event, or the redelivery)."""
    last_attempt_at: dt.datetime | None = timestamp_field()
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    delivered_at: dt.datetime | None = timestamp_field()
    created_at: dt.datetime = created_at_field()
