"""Engagement: policies (organization and program), pauses, the nudge email template, nudges
and the advocates' status history."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import AdvocateStatus
from advocacy.engagement import emails, service
from advocacy.engagement.models import AdvocateStatusChange as StatusChangeModel
from advocacy.engagement.models import EngagementPolicy as PolicyModel
from advocacy.engagement.models import NudgeChannel, NudgeKind, NudgeOutcome
from advocacy.engagement.models import ProgramEngagementPolicy as ProgramPolicyModel
from advocacy.engagement.policy import Policy
from advocacy.engagement.queries import NudgeFilter as NudgeFilterQuery
from advocacy.engagement.queries import nudges_query
from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.ids import decode_id, encode_id, filter_id
from advocacy.graphql.loaders import required
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.graphql.scalars import filter_time
from advocacy.graphql.types import Advocate, Node
from advocacy.graphql.unset import maybe
from advocacy.tenancy.principal import Principal

strawberry.enum(NudgeChannel, description="What a newly lapsed advocate gets.")
strawberry.enum(NudgeKind, name="NudgeKind", description="The channel one nudge went through.")
strawberry.enum(NudgeOutcome)


@strawberry.type(description="How the organization decides engagement (defaults until set).")
class EngagementPolicy:
    lapse_after_days: int = strawberry.field(
        description="An ACTIVE advocate with no engagement for this long becomes LAPSED."
    )
    nudge_channel: NudgeChannel
    max_nudges: int = strawberry.field(description="Nudges per lapse at most.")
    cooldown_days: int = strawberry.field(description="Days between two nudges at least.")
    give_up_after_days: int = strawberry.field(
        description="No nudge once an advocate has been silent this long."
    )
    daytime_start_hour: int = strawberry.field(
        description="Nudges and asks go out from this hour of the advocate's local time…"
    )
    daytime_end_hour: int = strawberry.field(description="…until this hour (exclusive).")
    default_timezone: str = strawberry.field(
        description="The timezone of advocates who have none of their own."
    )
    nudges_paused: bool = strawberry.field(
        description="Organization-wide pause of nudges and asks (pauseNudges without advocate)."
    )

    @classmethod
    def from_row(cls, row: PolicyModel) -> EngagementPolicy:
        """The same fields as the jobs' effective :class:`Policy`, read the same way."""
        return cls(**dataclasses.asdict(Policy.of_row(row)))


@strawberry.type(
    description="A program's overrides of the organization's policy (null: inherited). They "
    "apply to advocates whose latest engagement was in this program."
)
class ProgramEngagementPolicy:
    lapse_after_days: int | None
    nudge_channel: NudgeChannel | None
    max_nudges: int | None
    cooldown_days: int | None
    give_up_after_days: int | None

    @classmethod
    def from_row(cls, row: ProgramPolicyModel) -> ProgramEngagementPolicy:
        return cls(
            lapse_after_days=row.lapse_after_days,
            nudge_channel=NudgeChannel(row.nudge_channel) if row.nudge_channel else None,
            max_nudges=row.max_nudges,
            cooldown_days=row.cooldown_days,
            give_up_after_days=row.give_up_after_days,
        )


@strawberry.type(description="One move between statuses: who or what, why, when.")
class AdvocateStatusChange:
    from_status: AdvocateStatus
    to_status: AdvocateStatus
    reason: str = strawberry.field(description="NO_ENGAGEMENT, MILESTONE_APPROVED or MARKETER.")
    actor: str
    at: dt.datetime

    @classmethod
    def from_row(cls, row: StatusChangeModel) -> AdvocateStatusChange:
        return cls(
            from_status=AdvocateStatus(row.from_status),
            to_status=AdvocateStatus(row.to_status),
            reason=row.reason,
            actor=row.actor,
            at=row.created_at,
        )


async def status_changes_of(info: Info, advocate_id: int) -> list[AdvocateStatusChange]:
    rows = await service.status_changes(
        info.context.session, info.context.organization_id, advocate_id
    )
    return [AdvocateStatusChange.from_row(row) for row in rows]


@strawberry.type(description="One nudge of one lapse: an email, or a gift through gift rules.")
class Nudge(Node):
    pk: strawberry.Private[int]
    advocate_id: strawberry.Private[int]
    channel: NudgeKind
    sequence: int = strawberry.field(description="1 for the first nudge of this lapse, …")
    reason: str
    outcome: NudgeOutcome
    created_at: dt.datetime
    sent_at: dt.datetime | None = strawberry.field(
        description="When the email left or the gift rules were rung; null while queued."
    )
    re_engaged_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Nudge:
        return cls(
            id=strawberry.ID(encode_id("Nudge", row.id)),
            pk=row.id,
            advocate_id=row.advocate_id,
            channel=NudgeKind(row.channel),
            sequence=row.sequence,
            reason=row.reason,
            outcome=NudgeOutcome(row.outcome),
            created_at=row.created_at,
            sent_at=row.sent_at,
            re_engaged_at=row.re_engaged_at,
        )

    @strawberry.field
    async def advocate(self, info: Info) -> Advocate:
        return await required(info.context.loaders.advocate, self.advocate_id)


@strawberry.input
class NudgeFilter:
    advocate_id: strawberry.ID | None = None
    channels: list[NudgeKind] | None = None
    outcomes: list[NudgeOutcome] | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None


def nudge_filter(flt: NudgeFilter | None, advocate_id: int | None = None) -> NudgeFilterQuery:
    if flt is None:
        return NudgeFilterQuery(advocate_id=advocate_id)
    return NudgeFilterQuery(
        advocate_id=advocate_id
        if advocate_id is not None
        else filter_id(flt.advocate_id, "Advocate"),
        channels=tuple(flt.channels) if flt.channels else None,
        outcomes=tuple(flt.outcomes) if flt.outcomes else None,
        created_after=filter_time(flt.created_after, "filter.createdAfter"),
        created_before=filter_time(flt.created_before, "filter.createdBefore"),
    )


async def nudges_connection(
    info: Info, flt: NudgeFilterQuery, first: int | None, after: str | None
) -> Connection[Nudge]:
    query = nudges_query(info.context.organization_id, flt)
    return await connection_from_query(info.context.session, query, Nudge.from_row, first, after)


@strawberry.type(description="An engagement email's wording.")
class EmailTemplate:
    subject: str
    body: str
    fields: list[str] = strawberry.field(
        description="The placeholders it may use, e.g. {first_name}. The unsubscribe link is "
        "always added below the body."
    )

    @classmethod
    def of(cls, template: emails.Template) -> EmailTemplate:
        return cls(
            subject=template.subject,
            body=template.body,
            fields=["{" + name + "}" for name in emails.FIELDS],
        )


@strawberry.input(description="Omitted fields keep their value.")
class ConfigureEngagementPolicyInput:
    lapse_after_days: int | None = strawberry.UNSET
    nudge_channel: NudgeChannel | None = strawberry.UNSET
    max_nudges: int | None = strawberry.UNSET
    cooldown_days: int | None = strawberry.UNSET
    give_up_after_days: int | None = strawberry.UNSET
    daytime_start_hour: int | None = strawberry.UNSET
    daytime_end_hour: int | None = strawberry.UNSET
    default_timezone: str | None = strawberry.UNSET


@strawberry.input(description="Omitted fields keep their value; null inherits the organization's.")
class ConfigureProgramEngagementPolicyInput:
    program_id: strawberry.ID
    lapse_after_days: int | None = strawberry.UNSET
    nudge_channel: NudgeChannel | None = strawberry.UNSET
    max_nudges: int | None = strawberry.UNSET
    cooldown_days: int | None = strawberry.UNSET
    give_up_after_days: int | None = strawberry.UNSET


def _changes(input: Any) -> service.PolicyChanges:
    return service.PolicyChanges(
        **{
            name: maybe(getattr(input, name, strawberry.UNSET))
            for name in (
                "lapse_after_days",
                "nudge_channel",
                "max_nudges",
                "cooldown_days",
                "give_up_after_days",
                "daytime_start_hour",
                "daytime_end_hour",
                "default_timezone",
            )
        }
    )


@strawberry.input(description="With no advocateId: the whole organization.")
class NudgePauseInput:
    advocate_id: strawberry.ID | None = None


@strawberry.input(description="Both null: back to the built-in wording.")
class UpdateNudgeTemplateInput:
    subject: str | None = None
    body: str | None = None


@strawberry.type
class EngagementPolicyPayload:
    engagement_policy: EngagementPolicy | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProgramEngagementPolicyPayload:
    program_engagement_policy: ProgramEngagementPolicy | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NudgePausePayload:
    advocate: Advocate | None = strawberry.field(
        default=None, description="The paused or resumed advocate; null for the organization."
    )
    engagement_policy: EngagementPolicy | None = strawberry.field(
        default=None, description="The organization's policy, when paused or resumed org-wide."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EmailTemplatePayload:
    template: EmailTemplate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _paused_payload(result: Any) -> NudgePausePayload:
    if isinstance(result, PolicyModel):
        return NudgePausePayload(engagement_policy=EngagementPolicy.from_row(result))
    return NudgePausePayload(advocate=Advocate.from_row(result))


@strawberry.type
class EngagementQuery:
    @strawberry.field(permission_classes=[CanRead])
    async def engagement_policy(self, info: Info) -> EngagementPolicy:
        row = await service.policy_of(info.context.session, info.context.organization_id)
        return EngagementPolicy.from_row(row)

    @strawberry.field(permission_classes=[CanRead], description="Nudges, newest first.")
    async def nudges(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: NudgeFilter | None = None,
    ) -> Connection[Nudge]:
        return await nudges_connection(info, nudge_filter(filter), first, after)

    @strawberry.field(permission_classes=[CanRead], description="The nudge email's wording.")
    async def nudge_template(self, info: Info) -> EmailTemplate:
        template = await service.nudge_template_of(
            info.context.session, info.context.organization_id
        )
        return EmailTemplate.of(template)


@strawberry.type
class EngagementMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def configure_engagement_policy(
        self, info: Info, input: ConfigureEngagementPolicyInput
    ) -> EngagementPolicyPayload:
        async def work(session: AsyncSession, principal: Principal) -> PolicyModel:
            return await service.configure_policy(session, principal, _changes(input))

        return await mutate(
            info,
            work,
            EngagementPolicyPayload,
            lambda row: EngagementPolicyPayload(engagement_policy=EngagementPolicy.from_row(row)),
        )

    @strawberry.mutation(permission_classes=[CanWrite])
    async def configure_program_engagement_policy(
        self, info: Info, input: ConfigureProgramEngagementPolicyInput
    ) -> ProgramEngagementPolicyPayload:
        async def work(session: AsyncSession, principal: Principal) -> ProgramPolicyModel:
            program_id = decode_id(input.program_id, "Program", "programId")
            return await service.configure_program_policy(
                session, principal, program_id, _changes(input)
            )

        return await mutate(
            info,
            work,
            ProgramEngagementPolicyPayload,
            lambda row: ProgramEngagementPolicyPayload(
                program_engagement_policy=ProgramEngagementPolicy.from_row(row)
            ),
        )

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Stop nudges and asks for an advocate, or for everyone.",
    )
    async def pause_nudges(self, info: Info, input: NudgePauseInput) -> NudgePausePayload:
        return await _set_paused(info, input, paused=True)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def resume_nudges(self, info: Info, input: NudgePauseInput) -> NudgePausePayload:
        return await _set_paused(info, input, paused=False)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def update_nudge_template(
        self, info: Info, input: UpdateNudgeTemplateInput
    ) -> EmailTemplatePayload:
        async def work(session: AsyncSession, principal: Principal) -> emails.Template:
            return await service.update_nudge_template(
                session, principal, input.subject, input.body
            )

        return await mutate(
            info,
            work,
            EmailTemplatePayload,
            lambda template: EmailTemplatePayload(template=EmailTemplate.of(template)),
        )


async def _set_paused(info: Info, input: NudgePauseInput, *, paused: bool) -> NudgePausePayload:
    async def work(session: AsyncSession, principal: Principal) -> Any:
        advocate_id = (
            None
            if input.advocate_id is None
            else decode_id(input.advocate_id, "Advocate", "advocateId")
        )
        return await service.set_nudges_paused(session, principal, advocate_id, paused)

    return await mutate(info, work, NudgePausePayload, _paused_payload)
