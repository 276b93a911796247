"""Asks: a program's ask policy with its A/B variants, the asks themselves, ``scheduleAsk``,
``markResultsSeen`` and the response rate per variant."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate as AdvocateModel
from advocacy.engagement import asks, service
from advocacy.engagement.models import Ask as AskModel
from advocacy.engagement.models import AskPolicy as AskPolicyModel
from advocacy.engagement.models import AskSource, AskStatus
from advocacy.engagement.queries import AskFilter as AskFilterQuery
from advocacy.engagement.queries import asks_query
from advocacy.graphql.context import Info
from advocacy.graphql.errors import ApiError, UserError
from advocacy.graphql.ids import decode_id, encode_id, filter_id
from advocacy.graphql.loaders import required
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.graphql.types import Advocate, Milestone, Node, Program
from advocacy.programs.models import MilestoneKind
from advocacy.tenancy.principal import Principal

strawberry.enum(AskStatus)
strawberry.enum(AskSource)


@strawberry.type(description="The wording of one ask variant.")
class AskVariant:
    subject: str
    body: str


@strawberry.type(description="When and how a program asks its ACTIVE advocates for something.")
class AskPolicy:
    enabled: bool
    kind: MilestoneKind = strawberry.field(description="What to ask for.")
    ask_after_days: int = strawberry.field(
        description="Not before this many days since joining or the last result signal."
    )
    retry_days: int = strawberry.field(description="Days before the retry of an unanswered ask.")
    max_tries: int = strawberry.field(description="Emails per ask, first and retries.")
    variant_a: AskVariant
    variant_b: AskVariant | None = strawberry.field(
        description="When set, advocates are split between A and B, each always the same one."
    )

    @classmethod
    def from_row(cls, row: AskPolicyModel) -> AskPolicy:
        b = None
        if row.variant_b_subject is not None and row.variant_b_body is not None:
            b = AskVariant(subject=row.variant_b_subject, body=row.variant_b_body)
        return cls(
            enabled=row.enabled,
            kind=MilestoneKind(row.kind),
            ask_after_days=row.ask_after_days,
            retry_days=row.retry_days,
            max_tries=row.max_tries,
            variant_a=AskVariant(subject=row.variant_a_subject, body=row.variant_a_body),
            variant_b=b,
        )


@strawberry.type(description="Asks sent with one variant, and how many were answered.")
class AskVariantStats:
    variant: str
    sent: int
    responded: int
    response_rate: float = strawberry.field(description="responded / sent (0 when none sent).")

    @classmethod
    def of(cls, stats: asks.VariantStats) -> AskVariantStats:
        return cls(
            variant=stats.variant,
            sent=stats.sent,
            responded=stats.responded,
            response_rate=stats.response_rate,
        )


@strawberry.type(description="A request to an advocate to do one thing for a program.")
class Ask(Node):
    pk: strawberry.Private[int]
    advocate_id: strawberry.Private[int]
    program_id: strawberry.Private[int]
    response_milestone_id: strawberry.Private[int | None]
    kind: MilestoneKind
    variant: str
    status: AskStatus
    source: AskSource
    tries: int = strawberry.field(description="Emails sent so far.")
    due_at: dt.datetime = strawberry.field(description="When the next email or the give-up is due.")
    first_sent_at: dt.datetime | None
    last_sent_at: dt.datetime | None
    responded_at: dt.datetime | None
    closed_at: dt.datetime | None
    close_reason: str | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> Ask:
        return cls(
            id=strawberry.ID(encode_id("Ask", row.id)),
            pk=row.id,
            advocate_id=row.advocate_id,
            program_id=row.program_id,
            response_milestone_id=row.response_milestone_id,
            kind=MilestoneKind(row.kind),
            variant=row.variant,
            status=AskStatus(row.status),
            source=AskSource(row.source),
            tries=row.tries,
            due_at=row.due_at,
            first_sent_at=row.first_sent_at,
            last_sent_at=row.last_sent_at,
            responded_at=row.responded_at,
            closed_at=row.closed_at,
            close_reason=row.close_reason,
            created_at=row.created_at,
        )

    @strawberry.field
    async def advocate(self, info: Info) -> Advocate:
        return await required(info.context.loaders.advocate, self.advocate_id)

    @strawberry.field
    async def program(self, info: Info) -> Program:
        return await required(info.context.loaders.program, self.program_id)

    @strawberry.field(description="The milestone that answered it.")
    async def response(self, info: Info) -> Milestone | None:
        if self.response_milestone_id is None:
            return None
        return await info.context.loaders.milestone.load(self.response_milestone_id)


@strawberry.input
class AskFilter:
    advocate_id: strawberry.ID | None = None
    program_id: strawberry.ID | None = None
    statuses: list[AskStatus] | None = None
    variant: str | None = None


def ask_filter(
    flt: AskFilter | None, *, advocate_id: int | None = None, program_id: int | None = None
) -> AskFilterQuery:
    if flt is None:
        return AskFilterQuery(advocate_id=advocate_id, program_id=program_id)
    return AskFilterQuery(
        advocate_id=advocate_id
        if advocate_id is not None
        else filter_id(flt.advocate_id, "Advocate"),
        program_id=program_id if program_id is not None else filter_id(flt.program_id, "Program"),
        statuses=tuple(flt.statuses) if flt.statuses else None,
        variant=_variant_filter(flt.variant),
    )


def _variant_filter(variant: str | None) -> str | None:
    if variant is not None and variant not in ("A", "B"):
        raise ApiError("filter.variant must be A or B", "BAD_USER_INPUT")
    return variant


async def asks_connection(
    info: Info, flt: AskFilterQuery, first: int | None, after: str | None
) -> Connection[Ask]:
    query = asks_query(info.context.organization_id, flt)
    return await connection_from_query(info.context.session, query, Ask.from_row, first, after)


async def ask_policy_of(info: Info, program_id: int) -> AskPolicy | None:
    row = await service.ask_policy_of(
        info.context.session, info.context.organization_id, program_id
    )
    return AskPolicy.from_row(row) if row is not None else None


async def variant_stats_of(info: Info, program_id: int) -> list[AskVariantStats]:
    stats = await asks.variant_stats(info.context.session, program_id)
    return [AskVariantStats.of(entry) for entry in stats]


@strawberry.input
class AskVariantInput:
    subject: str
    body: str


@strawberry.input(description="Replaces the program's ask policy.")
class ConfigureAskPolicyInput:
    program_id: strawberry.ID
    kind: MilestoneKind
    enabled: bool = True
    ask_after_days: int = 30
    retry_days: int = 21
    max_tries: int = 2
    variant_a: AskVariantInput | None = strawberry.field(
        default=None, description="Default: the built-in ask."
    )
    variant_b: AskVariantInput | None = None


@strawberry.input
class ScheduleAskInput:
    advocate_id: strawberry.ID
    program_id: strawberry.ID
    kind: MilestoneKind | None = strawberry.field(
        default=None, description="Default: the kind of the program's ask policy."
    )
    at: dt.datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.input
class MarkResultsSeenInput:
    advocate_id: strawberry.ID
    at: dt.datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.type
class AskPolicyPayload:
    ask_policy: AskPolicy | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AskPayload:
    ask: Ask | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ResultsSeenPayload:
    advocate: Advocate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AskQuery:
    @strawberry.field(permission_classes=[CanRead], description="Asks, newest first.")
    async def asks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AskFilter | None = None,
    ) -> Connection[Ask]:
        return await asks_connection(info, ask_filter(filter), first, after)


@strawberry.type
class AskMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def configure_ask_policy(
        self, info: Info, input: ConfigureAskPolicyInput
    ) -> AskPolicyPayload:
        async def work(session: AsyncSession, principal: Principal) -> AskPolicyModel:
            a, b = input.variant_a, input.variant_b
            return await service.configure_ask_policy(
                session,
                principal,
                service.AskPolicyInput(
                    program_id=decode_id(input.program_id, "Program", "programId"),
                    kind=input.kind,
                    enabled=input.enabled,
                    ask_after_days=input.ask_after_days,
                    retry_days=input.retry_days,
                    max_tries=input.max_tries,
                    variant_a_subject=a.subject if a else None,
                    variant_a_body=a.body if a else None,
                    variant_b_subject=b.subject if b else None,
                    variant_b_body=b.body if b else None,
                ),
            )

        return await mutate(
            info,
            work,
            AskPolicyPayload,
            lambda row: AskPolicyPayload(ask_policy=AskPolicy.from_row(row)),
        )

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Ask an advocate now (inside their daytime window); opt-outs still apply.",
    )
    async def schedule_ask(self, info: Info, input: ScheduleAskInput) -> AskPayload:
        async def work(session: AsyncSession, principal: Principal) -> AskModel:
            return await service.schedule_ask(
                session,
                principal,
                decode_id(input.advocate_id, "Advocate", "advocateId"),
                decode_id(input.program_id, "Program", "programId"),
                input.kind,
                input.at,
            )

        return await mutate(info, work, AskPayload, lambda row: AskPayload(ask=Ask.from_row(row)))

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="The advocate saw results: the next ask waits askAfterDays from this date.",
    )
    async def mark_results_seen(
        self, info: Info, input: MarkResultsSeenInput
    ) -> ResultsSeenPayload:
        async def work(session: AsyncSession, principal: Principal) -> AdvocateModel:
            return await service.mark_results_seen(
                session,
                principal,
                decode_id(input.advocate_id, "Advocate", "advocateId"),
                input.at,
            )

        return await mutate(
            info,
            work,
            ResultsSeenPayload,
            lambda row: ResultsSeenPayload(advocate=Advocate.from_row(row)),
        )
