"""Engagement tables: the policies (per organization, overridden per program), the status
history, the nudges sent to lapsed advocates, the asks sent to active ones, and the
organization's editable email templates."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from advocacy.kit.models_base import created_at_field, enum_check, enum_field, timestamp_field
from advocacy.programs.models import MilestoneKind

DEFAULT_LAPSE_AFTER_DAYS = 60
DEFAULT_MAX_NUDGES = 3
DEFAULT_COOLDOWN_DAYS = 14
DEFAULT_GIVE_UP_AFTER_DAYS = 180
DEFAULT_DAYTIME_START_HOUR = 9
DEFAULT_DAYTIME_END_HOUR = 18
DEFAULT_TIMEZONE = "UTC"


class NudgeChannel(enum.StrEnum):
    """What a newly lapsed advocate gets."""

    EMAIL = "EMAIL"
    """Re-engagement emails, up to ``max_nudges``."""
    GIFT = "GIFT"
    """One surprise through the organization's ADVOCATE_LAPSED gift rules, nothing more."""
    GIFT_THEN_EMAIL = "GIFT_THEN_EMAIL"
    """A gift first (surprise), then emails (ask later)."""
    NONE = "NONE"


class NudgeKind(enum.StrEnum):
    """The channel one nudge went through."""

    EMAIL = "EMAIL"
    GIFT = "GIFT"


class NudgeOutcome(enum.StrEnum):
    OPEN = "OPEN"
    """The latest nudge of a lapse that is still going on."""
    RE_ENGAGED = "RE_ENGAGED"
    """The advocate came back while this was their latest nudge."""
    UNANSWERED = "UNANSWERED"
    """A later nudge followed it."""
    CANCELLED = "CANCELLED"
    """Never went out: the advocate opted out or was paused before the email left."""


class AskStatus(enum.StrEnum):
    SCHEDULED = "SCHEDULED"
    """Due at ``due_at``, not sent yet."""
    OPEN = "OPEN"
    """Sent; waiting for the advocate to do it (a retry is due at ``due_at``)."""
    RESPONDED = "RESPONDED"
    UNANSWERED = "UNANSWERED"
    """Every try went out and nothing came back."""
    CANCELLED = "CANCELLED"


OPEN_ASK_STATUSES = (AskStatus.SCHEDULED, AskStatus.OPEN)


class AskSource(enum.StrEnum):
    POLICY = "POLICY"
    MARKETER = "MARKETER"


class TemplateKind(enum.StrEnum):
    NUDGE = "NUDGE"


class EngagementPolicy(SQLModel, table=True):
    """An organization's engagement rules; without a row, the defaults apply. A program can
    override the lapse and nudge fields for the advocates it last engaged
    (:class:`ProgramEngagementPolicy`)."""

    __tablename__ = "engagement_policy"
    __table_args__ = (
        CheckConstraint("lapse_after_days >= 1", name="ck_engagement_policy_lapse_positive"),
        enum_check("nudge_channel", NudgeChannel, "ck_engagement_policy_channel"),
        CheckConstraint(
            "max_nudges >= 0 AND cooldown_days >= 1 AND give_up_after_days >= 1",
            name="ck_engagement_policy_cadence",
        ),
        CheckConstraint(
            "daytime_start_hour >= 0 AND daytime_end_hour <= 24"
            " AND daytime_start_hour < daytime_end_hour",
            name="ck_engagement_policy_daytime",
        ),
    )

    organization_id: int = Field(foreign_key="organization.id", primary_key=True)
    lapse_after_days: int = Field(default=DEFAULT_LAPSE_AFTER_DAYS, nullable=False)
    """An ACTIVE advocate with no engagement for this long becomes LAPSED."""
    nudge_channel: NudgeChannel = enum_field(NudgeChannel, NudgeChannel.GIFT_THEN_EMAIL)
    """GIFT_THEN_EMAIL by default: without an ADVOCATE_LAPSED rule it is plain emails, and an
    organization that adds such a rule gets its gifts without changing the policy."""
    max_nudges: int = Field(default=DEFAULT_MAX_NUDGES, nullable=False)
    cooldown_days: int = Field(default=DEFAULT_COOLDOWN_DAYS, nullable=False)
    give_up_after_days: int = Field(default=DEFAULT_GIVE_UP_AFTER_DAYS, nullable=False)
    """No nudge once an advocate has been silent this long."""
    daytime_start_hour: int = Field(default=DEFAULT_DAYTIME_START_HOUR, nullable=False)
    daytime_end_hour: int = Field(default=DEFAULT_DAYTIME_END_HOUR, nullable=False)
    """Nudges and asks go out only between these hours of the advocate's local time."""
    default_timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64, nullable=False)
    """For advocates without a timezone of their own."""
    nudges_paused: bool = Field(default=False, nullable=False)
    """Organization-wide pause of nudges and asks."""
    updated_at: dt.datetime = created_at_field()


class ProgramEngagementPolicy(SQLModel, table=True):
    """A program's overrides of its organization's policy (null: inherit). It applies to the
    advocates whose latest engagement was in this program (``advocate.engaged_program_id``)."""

    __tablename__ = "program_engagement_policy"
    __table_args__ = (
        CheckConstraint(
            "lapse_after_days IS NULL OR lapse_after_days >= 1",
            name="ck_program_engagement_policy_lapse",
        ),
        CheckConstraint(
            "nudge_channel IS NULL"
            " OR nudge_channel IN ('EMAIL', 'GIFT', 'GIFT_THEN_EMAIL', 'NONE')",
            name="ck_program_engagement_policy_channel",
        ),
        Index("ix_program_engagement_policy_org", "organization_id"),
    )

    program_id: int = Field(foreign_key="program.id", primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    lapse_after_days: int | None = None
    nudge_channel: str | None = Field(default=None, max_length=15)
    max_nudges: int | None = None
    cooldown_days: int | None = None
    give_up_after_days: int | None = None
    updated_at: dt.datetime = created_at_field()


class AdvocateStatusChange(SQLModel, table=True):
    """Who or what moved an advocate between statuses, why and when."""

    __tablename__ = "advocate_status_change"
    __table_args__ = (
        Index("ix_advocate_status_change_advocate", "advocate_id", "id"),
        Index("ix_advocate_status_change_org", "organization_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    from_status: str = Field(max_length=10, nullable=False)
    to_status: str = Field(max_length=10, nullable=False)
    reason: str = Field(max_length=40, nullable=False)
    """``NO_ENGAGEMENT``, ``MILESTONE_APPROVED``, ``MARKETER``."""
    actor: str = Field(max_length=60, nullable=False)
    created_at: dt.datetime = created_at_field()


class Nudge(SQLModel, table=True):
    """One nudge of one lapse. ``(lapse_id, sequence)`` is unique, so two nudge jobs racing for
    the same advocate can't both send the same nudge."""

    __tablename__ = "nudge"
    __table_args__ = (
        UniqueConstraint("lapse_id", "sequence", name="uq_nudge_lapse_sequence"),
        enum_check("channel", NudgeKind, "ck_nudge_channel"),
        enum_check("outcome", NudgeOutcome, "ck_nudge_outcome"),
        Index("ix_nudge_advocate", "advocate_id", "id"),
        Index("ix_nudge_org", "organization_id", "id"),
        Index("ix_nudge_org_sent", "organization_id", "sent_at"),
        Index(
            "ix_nudge_unsent_email",
            "rung_at",
            postgresql_where=text("sent_at IS NULL AND outcome = 'OPEN' AND channel = 'EMAIL'"),
            sqlite_where=text("sent_at IS NULL AND outcome = 'OPEN' AND channel = 'EMAIL'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    lapse_id: int = Field(foreign_key="advocate_status_change.id", nullable=False)
    """The ACTIVE → LAPSED change this nudge answers."""
    sequence: int = Field(nullable=False)
    channel: NudgeKind = enum_field(NudgeKind, NudgeKind.EMAIL)
    reason: str = Field(default="LAPSED", max_length=20, nullable=False)
    outcome: NudgeOutcome = enum_field(NudgeOutcome, NudgeOutcome.OPEN)
    rule_event_id: int | None = Field(default=None, foreign_key="rule_event.id")
    """GIFT: the ADVOCATE_LAPSED event the gift rules answer."""
    created_at: dt.datetime = created_at_field()
    rung_at: dt.datetime = created_at_field()
    """When its email job was last enqueued: the sweep re-rings only ones quiet for a while."""
    sent_at: dt.datetime | None = timestamp_field()
    """When the email left (or the gift rules were rung); null while queued."""
    re_engaged_at: dt.datetime | None = timestamp_field()


class AskPolicy(SQLModel, table=True):
    """When and how a program asks its ACTIVE advocates for something, with up to two message
    variants (A/B)."""

    __tablename__ = "ask_policy"
    __table_args__ = (
        enum_check("kind", MilestoneKind, "ck_ask_policy_kind"),
        CheckConstraint(
            "ask_after_days >= 0 AND retry_days >= 1 AND max_tries >= 1",
            name="ck_ask_policy_cadence",
        ),
        CheckConstraint(
            "(variant_b_subject IS NULL) = (variant_b_body IS NULL)",
            name="ck_ask_policy_variant_b_complete",
        ),
        Index("ix_ask_policy_org", "organization_id"),
    )

    program_id: int = Field(foreign_key="program.id", primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    enabled: bool = Field(default=True, nullable=False)
    kind: MilestoneKind = enum_field(MilestoneKind, MilestoneKind.REVIEW)
    ask_after_days: int = Field(default=30, nullable=False)
    """Not before this many days since joining or since the last result signal."""
    retry_days: int = Field(default=21, nullable=False)
    max_tries: int = Field(default=2, nullable=False)
    """Emails per ask: the first and its retries."""
    variant_a_subject: str = Field(max_length=300, nullable=False)
    variant_a_body: str = Field(sa_type=Text, nullable=False)
    variant_b_subject: str | None = Field(default=None, max_length=300)
    variant_b_body: str | None = Field(default=None, sa_type=Text)
    updated_at: dt.datetime = created_at_field()


class Ask(SQLModel, table=True):
    """One request to an advocate to do ``kind`` for ``program``: sent up to ``max_tries``
    times, answered by a milestone of that kind. At most one is open per advocate."""

    __tablename__ = "ask"
    __table_args__ = (
        enum_check("kind", MilestoneKind, "ck_ask_kind"),
        enum_check("status", AskStatus, "ck_ask_status"),
        enum_check("source", AskSource, "ck_ask_source"),
        CheckConstraint("variant IN ('A', 'B')", name="ck_ask_variant"),
        Index(
            "uq_ask_one_open_per_advocate",
            "advocate_id",
            unique=True,
            postgresql_where=text("status IN ('SCHEDULED', 'OPEN')"),
            sqlite_where=text("status IN ('SCHEDULED', 'OPEN')"),
        ),
        Index("ix_ask_due", "status", "due_at"),
        Index("ix_ask_advocate", "advocate_id", "id"),
        Index("ix_ask_program_variant", "program_id", "variant", "status"),
        Index("ix_ask_org", "organization_id", "id"),
        Index(
            "ix_ask_unsent_email",
            "rung_at",
            postgresql_where=text("status = 'OPEN' AND emailed_tries < tries"),
            sqlite_where=text("status = 'OPEN' AND emailed_tries < tries"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False)
    program_id: int = Field(foreign_key="program.id", nullable=False)
    advocate_id: int = Field(foreign_key="advocate.id", nullable=False)
    kind: MilestoneKind = enum_field(MilestoneKind, MilestoneKind.REVIEW)
    variant: str = Field(default="A", max_length=1, nullable=False)
    status: AskStatus = enum_field(AskStatus, AskStatus.SCHEDULED)
    source: AskSource = enum_field(AskSource, AskSource.POLICY)
    requested_by: str | None = Field(default=None, max_length=60)
    tries: int = Field(default=0, nullable=False)
    """Emails claimed (the job that claims one enqueues its sending)."""
    emailed_tries: int = Field(default=0, nullable=False)
    """Emails that actually left: the email job's exactly-once marker (outbox)."""
    due_at: dt.datetime = created_at_field()
    """When the next email (or, after the last try, the give-up) is due."""
    rung_at: dt.datetime | None = timestamp_field()
    """When the latest try's email job was enqueued (the sweep re-rings stale ones)."""
    first_sent_at: dt.datetime | None = timestamp_field()
    last_sent_at: dt.datetime | None = timestamp_field()
    responded_at: dt.datetime | None = timestamp_field()
    response_milestone_id: int | None = Field(default=None, foreign_key="milestone.id")
    closed_at: dt.datetime | None = timestamp_field()
    close_reason: str | None = Field(default=None, max_length=40)
    created_at: dt.datetime = created_at_field()


class EmailTemplate(SQLModel, table=True):
    """An organization's own wording of an engagement email (the built-in one otherwise)."""

    __tablename__ = "email_template"
    __table_args__ = (enum_check("kind", TemplateKind, "ck_email_template_kind"),)

    organization_id: int = Field(foreign_key="organization.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=10)
    """A :class:`TemplateKind`."""
    subject: str = Field(max_length=300, nullable=False)
    body: str = Field(sa_type=Text, nullable=False)
    updated_at: dt.datetime = created_at_field()
