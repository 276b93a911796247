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


class GiftItemKind(enum.StrEnum):
    PHYSICAL = "PHYSICAL"
    GIFT_CARD = "GIFT_CARD"
    DONATION = "DONATION"
    SUBSCRIPTION = "SUBSCRIPTION"
    EXPERIENCE = "EXPERIENCE"
    DISCOUNT = "DISCOUNT"


class GiftProvider(enum.StrEnum):
    """Who fulfils an item: ``SANDBOX`` in-process (demos, tests), ``HTTP`` a configured
    fulfilment endpoint."""

    SANDBOX = "SANDBOX"
    HTTP = "HTTP"


class GiftItem(SQLModel, table=True):
    """A catalog entry. ``regions`` lists ISO 3166-1 alpha-2 countries it can go to (empty:
    anywhere); ``inventory`` null means unlimited and never goes below zero."""

    __tablename__ = "gift_item"
    __table_args__ = (
        enum_check("kind", GiftItemKind, "ck_gift_item_kind"),
        enum_check("provider", GiftProvider, "ck_gift_item_provider"),
        CheckConstraint("price >= 0", name="ck_gift_item_price_non_negative"),
        CheckConstraint(
            "inventory IS NULL OR inventory >= 0", name="ck_gift_item_inventory_non_negative"
        ),
        Index("ix_gift_item_org_name", "organization_id", "name", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    name: str = Field(max_length=200, nullable=False)
    description: str | None = Field(default=None, max_length=2000)
    kind: GiftItemKind = enum_field(GiftItemKind, GiftItemKind.PHYSICAL)
    price: int = Field(default=0, sa_type=BigInteger, nullable=False)
    currency: str = Field(max_length=3, nullable=False)
    tags: list[str] = json_column(list)
    regions: list[str] = json_column(list)
    inventory: int | None = Field(default=None)
    provider: GiftProvider = enum_field(GiftProvider, GiftProvider.SANDBOX)
    sku: str | None = Field(default=None, max_length=100)
    image_url: str | None = Field(default=None, max_length=2000)
    active: bool = Field(default=True, nullable=False)
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()


class GiftSendStatus(enum.StrEnum):
    PENDING_APPROVAL = "PENDING_APPROVAL"
    """Created by a gift rule that asks for a marketer's approval; its budget is reserved."""
    OFFERED = "OFFERED"
    REDEEMED = "REDEEMED"
    FULFILLING = "FULFILLING"
    NEEDS_RECONCILIATION = "NEEDS_RECONCILIATION"
    """The provider's answer never came (a time-out): the order may or may not be placed. The
    budget stays reserved until an order lookup or a marketer settles it (DESIGN.md §4)."""
    FULFILLED = "FULFILLED"
    FAILED = "FAILED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class GiftSendReason(enum.StrEnum):
    MANUAL = "MANUAL"
    MILESTONE = "MILESTONE"
    REFERRAL = "REFERRAL"
    LAPSE = "LAPSE"
    RULE = "RULE"


class BudgetEntryKind(enum.StrEnum):
    RESERVE = "RESERVE"
    RELEASE = "RELEASE"
    SPEND = "SPEND"


class GiftSend(SQLModel, table=True):
    """One gift offered to one advocate from one program's budget (DESIGN.md §4 lifecycle).
    Only the hash of the link token is kept; the link is shown once."""

    __tablename__ = "gift_send"
    __table_args__ = (
        enum_check("status", GiftSendStatus, "ck_gift_send_status"),
        enum_check("reason", GiftSendReason, "ck_gift_send_reason"),
        CheckConstraint("reserved_amount >= 0", name="ck_gift_send_reserved_non_negative"),
        CheckConstraint("original_value >= 0", name="ck_gift_send_value_non_negative"),
        CheckConstraint(
            "reserved_amount <= original_value", name="ck_gift_send_reserved_within_value"
        ),
        UniqueConstraint(
            "organization_id", "idempotency_key", name="uq_gift_send_org_idempotency_key"
        ),
        Index("ix_gift_send_org_created", "organization_id", "created_at", "id"),
        Index("ix_gift_send_program", "program_id", "status"),
        Index("ix_gift_send_advocate", "advocate_id", "created_at"),
        Index("ix_gift_send_status_expires", "status", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    program_id: int = Field(foreign_key="program.id", nullable=False)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    item_id: int = Field(foreign_key="gift_item.id", nullable=False)
    original_item_id: int = Field(foreign_key="gift_item.id", nullable=False)
    message: str | None = Field(default=None, max_length=2000)
    reason: GiftSendReason = enum_field(GiftSendReason, GiftSendReason.MANUAL)
    status: GiftSendStatus = enum_field(GiftSendStatus, GiftSendStatus.OFFERED)
    link_token_hash: str = Field(max_length=64, unique=True, nullable=False)
    link_salt: str | None = Field(default=None, max_length=64)
    """With the secret key, re-derives the link for the offer email and reminders; the link
    itself is never stored."""
    expires_at: dt.datetime = created_at_field()
    currency: str = Field(max_length=3, nullable=False)
    original_value: int = Field(default=0, sa_type=BigInteger, nullable=False)
    """The price when sent: the cap for swaps."""
    reserved_amount: int = Field(default=0, sa_type=BigInteger, nullable=False)
    idempotency_key: str | None = Field(default=None, max_length=200)
    input_fingerprint: str | None = Field(default=None, max_length=64)
    sent_by_token_id: int | None = Field(default=None, foreign_key="api_token.id")
    shipping_country: str | None = Field(default=None, max_length=2)
    """Where it ships (set when redeemed with an address); the address itself lives in
    ``shipping_details``, which marketer roles can't read."""
    fulfil_attempts: int = Field(default=0, nullable=False)
    claimed_at: dt.datetime | None = timestamp_field()
    """When a worker last took it for fulfilment (the sweeper's lease starts here)."""
    offer_emailed_at: dt.datetime | None = timestamp_field()
    reminded_at: dt.datetime | None = timestamp_field()
    provider_reference: str | None = Field(default=None, max_length=200)
    failure_reason: str | None = Field(default=None, max_length=2000)
    reconciliation_reason: str | None = Field(default=None, max_length=2000)
    """Why the provider's answer is unknown (set by the first attempt that timed out or was
    cut off); kept as history once the send is settled."""
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()
    redeemed_at: dt.datetime | None = timestamp_field()
    fulfilled_at: dt.datetime | None = timestamp_field()
    closed_at: dt.datetime | None = timestamp_field()
    """When it reached a final state without fulfilment (declined, expired, cancelled, failed)."""


class GiftEvent(SQLModel, table=True):
    """Append-only history of a send: what happened, who did it, when."""

    __tablename__ = "gift_event"
    __table_args__ = (
        Index("ix_gift_event_send", "send_id", "id"),
        Index("ix_gift_event_org_kind", "organization_id", "kind", "send_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    send_id: int = Field(foreign_key="gift_send.id", nullable=False)
    kind: str = Field(max_length=30, nullable=False)
    actor: str = Field(max_length=60, nullable=False)
    """``token:<id>``, ``advocate``, ``system`` or ``worker``."""
    detail: dict[str, object] = json_column(dict)
    created_at: dt.datetime = created_at_field()


class BudgetEntry(SQLModel, table=True):
    """The program budget ledger. Totals are derived from it; ``program.budget_reserved`` and
    ``budget_spent`` are a cache updated in the same transaction."""

    __tablename__ = "budget_entry"
    __table_args__ = (
        enum_check("kind", BudgetEntryKind, "ck_budget_entry_kind"),
        CheckConstraint("amount > 0", name="ck_budget_entry_amount_positive"),
        Index("ix_budget_entry_program", "program_id", "id"),
        Index("ix_budget_entry_org_created", "organization_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    program_id: int = Field(foreign_key="program.id", nullable=False)
    send_id: int = Field(foreign_key="gift_send.id", nullable=False)
    kind: BudgetEntryKind = enum_field(BudgetEntryKind, BudgetEntryKind.RESERVE)
    amount: int = Field(sa_type=BigInteger, nullable=False)
    created_at: dt.datetime = created_at_field()


class ShippingDetails(SQLModel, table=True):
    """Where a physical gift goes. Kept apart from the send so no marketer-facing query can
    reach it; read only by fulfilment; deleted once ``purge_after`` passes."""

    __tablename__ = "shipping_details"
    __table_args__ = (Index("ix_shipping_details_purge_after", "purge_after"),)

    send_id: int = Field(foreign_key="gift_send.id", primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    name: str = Field(max_length=200, nullable=False)
    line1: str = Field(max_length=200, nullable=False)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(max_length=100, nullable=False)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str = Field(max_length=2, nullable=False)
    phone: str | None = Field(default=None, max_length=40)
    created_at: dt.datetime = created_at_field()
    purge_after: dt.datetime | None = timestamp_field()
