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


class FlaggedAction(enum.StrEnum):
    """What happens to a referral a fraud rule flags."""

    REJECT = "REJECT"
    HOLD = "HOLD"
    """Held for a marketer's approveReferral / rejectReferral."""


class ReferralSettings(SQLModel, table=True):
    """An organization's referral program: where links land, the attribution windows, the fraud
    rules' thresholds and the double-sided rewards. One per organization; it names the program
    whose budget pays the rewards and whose points the referrer's milestone earns."""

    __tablename__ = "referral_settings"
    __table_args__ = (
        enum_check("flagged_action", FlaggedAction, "ck_referral_settings_flagged_action"),
        CheckConstraint(
            "click_to_signup_days >= 0 AND signup_to_conversion_days >= 0 "
            "AND reward_delay_days >= 0 AND min_conversion_value >= 0 "
            "AND max_signups_per_visitor_per_day >= 1 AND click_dedup_minutes >= 0",
            name="ck_referral_settings_non_negative",
        ),
    )

    organization_id: int = Field(foreign_key="organization.id", primary_key=True)
    program_id: int = Field(foreign_key="program.id", nullable=False)
    landing_url: str = Field(max_length=2000, nullable=False)
    fallback_url: str | None = Field(default=None, max_length=2000)
    """Where unknown or revoked codes of this organization go (default: the landing URL)."""
    click_to_signup_days: int = Field(default=30, nullable=False)
    signup_to_conversion_days: int = Field(default=90, nullable=False)
    click_dedup_minutes: int = Field(default=30, nullable=False)
    flagged_action: FlaggedAction = enum_field(FlaggedAction, FlaggedAction.HOLD)
    same_domain_is_self_referral: bool = Field(default=False, nullable=False)
    min_conversion_value: int = Field(default=0, sa_type=BigInteger, nullable=False)
    max_signups_per_visitor_per_day: int = Field(default=3, nullable=False)
    referrer_item_id: int | None = Field(default=None, foreign_key="gift_item.id")
    friend_item_id: int | None = Field(default=None, foreign_key="gift_item.id")
    reward_delay_days: int = Field(default=0, nullable=False)
    """Refund window: rewards go out this many days after the conversion, if it still stands."""
    updated_at: dt.datetime = created_at_field()


class RevokedReferralCode(SQLModel, table=True):
    """A code an advocate no longer uses: its clicks go to the organization's fallback URL and
    count for nobody."""

    __tablename__ = "revoked_referral_code"

    code: str = Field(max_length=32, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    revoked_at: dt.datetime = created_at_field()


class ReferralClick(SQLModel, table=True):
    """A counted click on a referral link. No IP address or user agent is stored: only a keyed
    hash of them, to count a visitor once per window and to tie signups to a visitor."""

    __tablename__ = "referral_click"
    __table_args__ = (
        Index("ix_referral_click_advocate", "advocate_id", "created_at"),
        Index("ix_referral_click_org_created", "organization_id", "created_at"),
        Index("ix_referral_click_visitor", "visitor_hash", "code", "created_at"),
        UniqueConstraint(
            "code", "visitor_hash", "dedup_bucket", name="uq_referral_click_visitor_window"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    code: str = Field(max_length=32, nullable=False)
    channel: str | None = Field(default=None, max_length=40)
    visitor_hash: str = Field(max_length=64, nullable=False)
    created_at: dt.datetime = created_at_field()
    dedup_bucket: int | None = Field(default=None, sa_type=BigInteger)
    """Which de-duplication window (epoch seconds // window) the click fell in; null when
    de-duplication is off."""


class ReferralStatus(enum.StrEnum):
    SIGNED_UP = "SIGNED_UP"
    HELD = "HELD"
    CONVERTED = "CONVERTED"
    REJECTED = "REJECTED"
    REVERSED = "REVERSED"


class Verdict(enum.StrEnum):
    CLEAN = "CLEAN"
    FLAGGED = "FLAGGED"


class FraudReason(enum.StrEnum):
    SELF_REFERRAL = "SELF_REFERRAL"
    SAME_EMAIL_DOMAIN = "SAME_EMAIL_DOMAIN"
    ALREADY_ADVOCATE = "ALREADY_ADVOCATE"
    ALREADY_CUSTOMER = "ALREADY_CUSTOMER"
    """The email's domain is a customer account's domain."""
    DUPLICATE_EMAIL = "DUPLICATE_EMAIL"
    DISPOSABLE_EMAIL = "DISPOSABLE_EMAIL"
    TOO_MANY_SIGNUPS_FROM_VISITOR = "TOO_MANY_SIGNUPS_FROM_VISITOR"
    BELOW_MINIMUM_VALUE = "BELOW_MINIMUM_VALUE"
    OUTSIDE_ATTRIBUTION_WINDOW = "OUTSIDE_ATTRIBUTION_WINDOW"


class Referral(SQLModel, table=True):
    """Someone an advocate referred: signed up, then perhaps converted (a purchase)."""

    __tablename__ = "referral"
    __table_args__ = (
        enum_check("status", ReferralStatus, "ck_referral_status"),
        enum_check("verdict", Verdict, "ck_referral_verdict"),
        CheckConstraint(
            "conversion_value IS NULL OR conversion_value >= 0", name="ck_referral_value"
        ),
        UniqueConstraint("organization_id", "external_id", name="uq_referral_org_external_id"),
        UniqueConstraint(
            "organization_id", "conversion_key", name="uq_referral_org_conversion_key"
        ),
        Index("ix_referral_org_created", "organization_id", "created_at", "id"),
        Index("ix_referral_org_email", "organization_id", "email", "id"),
        Index("ix_referral_referrer", "referrer_id", "created_at"),
        Index("ix_referral_visitor", "visitor_hash", "created_at"),
        Index("ix_referral_reward_due", "reward_due_at"),
        Index(
            "ix_referral_program_referrer",
            "organization_id",
            "program_id",
            "referrer_id",
            "signed_up_at",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    program_id: int = Field(foreign_key="program.id", nullable=False)
    referrer_id: int = Field(foreign_key="advocate.id", nullable=False)
    code: str = Field(max_length=32, nullable=False)
    click_id: int | None = Field(default=None, foreign_key="referral_click.id")
    visitor_hash: str | None = Field(default=None, max_length=64)
    email: str = Field(max_length=254, nullable=False)
    name: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)
    status: ReferralStatus = enum_field(ReferralStatus, ReferralStatus.SIGNED_UP)
    verdict: Verdict = enum_field(Verdict, Verdict.CLEAN)
    reasons: list[str] = json_column(list)
    signed_up_at: dt.datetime = created_at_field()
    converted_at: dt.datetime | None = timestamp_field()
    conversion_value: int | None = Field(default=None, sa_type=BigInteger)
    currency: str | None = Field(default=None, max_length=3)
    order_id: str | None = Field(default=None, max_length=200)
    conversion_key: str | None = Field(default=None, max_length=200)
    input_fingerprint: str | None = Field(default=None, max_length=64)
    """Of the conversion input recorded under ``conversion_key``."""
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id")
    reward_due_at: dt.datetime | None = timestamp_field()
    """Set on conversion; cleared when the rewards go out or the conversion is reversed."""
    rewarded_at: dt.datetime | None = timestamp_field()
    referrer_send_id: int | None = Field(default=None, foreign_key="gift_send.id")
    friend_send_id: int | None = Field(default=None, foreign_key="gift_send.id")
    reward_note: str | None = Field(default=None, max_length=500)
    """Why a reward could not be sent (budget, stock), when that happened."""
    decided_at: dt.datetime | None = timestamp_field()
    reversed_at: dt.datetime | None = timestamp_field()
    created_at: dt.datetime = created_at_field()
    updated_at: dt.datetime = created_at_field()
