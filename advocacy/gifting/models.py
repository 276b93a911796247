from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, CheckConstraint, Index
from sqlmodel import Field, SQLModel

from advocacy.models_base import created_at_field, enum_check, enum_field, json_column


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
