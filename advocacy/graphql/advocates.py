"""Account, advocate and milestone queries and mutations."""

from __future__ import annotations

import datetime as dt
import enum

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates import import_service, milestone_service, service
from advocacy.advocates.models import Account as AccountModel
from advocacy.advocates.models import Advocate as AdvocateModel
from advocacy.advocates.models import Milestone as MilestoneModel
from advocacy.advocates.queries import (
    AdvocateFilter,
    AdvocateOrder,
    MilestoneFilter,
    accounts_query,
    advocates_query,
    milestones_query,
)
from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.ids import decode_id, filter_id
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.graphql.scalars import filter_time
from advocacy.graphql.types import (
    Account,
    Advocate,
    AdvocateStatus,
    Milestone,
    MilestoneKind,
    MilestoneStatus,
    advocates_connection,
    milestones_connection,
)
from advocacy.graphql.unset import maybe
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.tenancy.principal import Principal

strawberry.enum(AdvocateOrder, name="AdvocateOrderField")


@strawberry.enum
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.input
class AdvocateOrderBy:
    field: AdvocateOrder = AdvocateOrder.NAME
    direction: OrderDirection = OrderDirection.ASC


@strawberry.input(description="All given conditions must hold.")
class AdvocateFilterInput:
    statuses: list[AdvocateStatus] | None = None
    account_id: strawberry.ID | None = None
    interest: str | None = strawberry.field(default=None, description="One interest tag.")
    search: str | None = strawberry.field(default=None, description="Part of the name or email.")
    engaged_after: dt.datetime | None = None
    engaged_before: dt.datetime | None = None


@strawberry.input(description="All given conditions must hold.")
class MilestoneFilterInput:
    advocate_id: strawberry.ID | None = None
    program_id: strawberry.ID | None = None
    kinds: list[MilestoneKind] | None = None
    statuses: list[MilestoneStatus] | None = None
    occurred_after: dt.datetime | None = None
    occurred_before: dt.datetime | None = None


@strawberry.input
class CreateAccountInput:
    name: str
    domain: str | None = None
    crm_id: str | None = None


@strawberry.type
class AccountPayload:
    account: Account | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateAdvocateInput:
    email: str
    name: str
    title: str | None = None
    account_id: strawberry.ID | None = None
    interests: list[str] | None = None
    status: AdvocateStatus = AdvocateStatus.ACTIVE
    locale: str | None = None
    timezone: str | None = strawberry.field(
        default=None, description="IANA name, e.g. Europe/Paris"
    )
    external_id: str | None = strawberry.field(default=None, description="Your CRM's id.")
    nudges_opt_out: bool = False


@strawberry.input
class UpdateAdvocateInput:
    id: strawberry.ID
    email: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    account_id: strawberry.ID | None = strawberry.UNSET
    interests: list[str] | None = strawberry.UNSET
    status: AdvocateStatus | None = strawberry.UNSET
    locale: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    nudges_opt_out: bool | None = strawberry.UNSET


@strawberry.type
class AdvocatePayload:
    advocate: Advocate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="One advocate to create, or to update when the email exists.")
class AdvocateImportRow:
    email: str
    name: str
    title: str | None = None
    account_name: str | None = strawberry.field(
        default=None, description="Created if the organization has no account of that name."
    )
    account_domain: str | None = None
    interests: list[str] | None = None
    external_id: str | None = None
    locale: str | None = None
    timezone: str | None = None


@strawberry.input
class ImportAdvocatesInput:
    rows: list[AdvocateImportRow] = strawberry.field(description="At most 1,000 rows.")


@strawberry.type
class ImportAdvocatesPayload:
    created_count: int = 0
    updated_count: int = 0
    advocates: list[Advocate] = strawberry.field(
        default_factory=list, description="The saved advocates, created then updated."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="One per rejected row field, e.g. `rows.3.email`; the other rows are saved.",
    )


@strawberry.input
class RecordMilestoneInput:
    advocate_id: strawberry.ID
    program_id: strawberry.ID
    kind: MilestoneKind
    occurred_at: dt.datetime | None = strawberry.field(default=None, description="Default: now.")
    evidence_url: str | None = None
    note: str | None = None
    external_id: str | None = strawberry.field(
        default=None,
        description="Your id for this milestone. Recording it again returns the first result; "
        "reusing it for different data is IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.type
class RecordMilestonePayload:
    milestone: Milestone | None = None
    replayed: bool = strawberry.field(
        default=False, description="True when this externalId had been recorded before."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ApproveMilestoneInput:
    id: strawberry.ID
    note: str | None = None


@strawberry.input
class RejectMilestoneInput:
    id: strawberry.ID
    reason: str | None = None


@strawberry.type
class MilestonePayload:
    milestone: Milestone | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _optional_id(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field)


def _advocate_filter(flt: AdvocateFilterInput | None) -> AdvocateFilter:
    if flt is None:
        return AdvocateFilter()
    return AdvocateFilter(
        statuses=tuple(flt.statuses) if flt.statuses else None,
        account_id=filter_id(flt.account_id, "Account"),
        interest=flt.interest.strip().lower() if flt.interest else None,
        search=flt.search.strip() if flt.search else None,
        engaged_after=filter_time(flt.engaged_after, "filter.engagedAfter"),
        engaged_before=filter_time(flt.engaged_before, "filter.engagedBefore"),
    )


def _milestone_filter(flt: MilestoneFilterInput | None) -> MilestoneFilter:
    if flt is None:
        return MilestoneFilter()
    return MilestoneFilter(
        advocate_id=filter_id(flt.advocate_id, "Advocate"),
        program_id=filter_id(flt.program_id, "Program"),
        kinds=tuple(flt.kinds) if flt.kinds else None,
        statuses=tuple(flt.statuses) if flt.statuses else None,
        occurred_after=filter_time(flt.occurred_after, "filter.occurredAfter"),
        occurred_before=filter_time(flt.occurred_before, "filter.occurredBefore"),
    )


@strawberry.type
class AdvocateQuery:
    @strawberry.field(permission_classes=[CanRead], description="Accounts, by name.")
    async def accounts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        search: str | None = None,
    ) -> Connection[Account]:
        ctx = info.context
        query = accounts_query(ctx.organization_id, search.strip() if search else None)
        return await connection_from_query(ctx.session, query, Account.from_row, first, after)

    @strawberry.field(permission_classes=[CanRead])
    async def account(self, info: Info, id: strawberry.ID) -> Account | None:
        return await info.context.loaders.by_global_id(id, "Account")

    @strawberry.field(permission_classes=[CanRead])
    async def advocates(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AdvocateFilterInput | None = None,
        order_by: AdvocateOrderBy | None = None,
    ) -> Connection[Advocate]:
        ctx = info.context
        order = order_by or AdvocateOrderBy()
        query = advocates_query(
            ctx.session,
            ctx.organization_id,
            _advocate_filter(filter),
            AdvocateOrder(order.field),
            order.direction == OrderDirection.DESC,
        )
        return await advocates_connection(info, query, first, after)

    @strawberry.field(permission_classes=[CanRead])
    async def advocate(self, info: Info, id: strawberry.ID) -> Advocate | None:
        return await info.context.loaders.by_global_id(id, "Advocate")

    @strawberry.field(permission_classes=[CanRead], description="Milestones, newest first.")
    async def milestones(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: MilestoneFilterInput | None = None,
    ) -> Connection[Milestone]:
        ctx = info.context
        query = milestones_query(ctx.organization_id, _milestone_filter(filter))
        return await milestones_connection(info, query, first, after)

    @strawberry.field(permission_classes=[CanRead])
    async def milestone(self, info: Info, id: strawberry.ID) -> Milestone | None:
        return await info.context.loaders.by_global_id(id, "Milestone")


def _advocate_payload(advocate: AdvocateModel) -> AdvocatePayload:
    return AdvocatePayload(advocate=Advocate.from_row(advocate))


def _milestone_payload(milestone: MilestoneModel) -> MilestonePayload:
    return MilestonePayload(milestone=Milestone.from_row(milestone))


@strawberry.type
class AdvocateMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def create_account(self, info: Info, input: CreateAccountInput) -> AccountPayload:
        async def work(session: AsyncSession, principal: Principal) -> AccountModel:
            new = service.NewAccount(name=input.name, domain=input.domain, crm_id=input.crm_id)
            return await service.create_account(session, principal, new)

        return await mutate(
            info,
            work,
            AccountPayload,
            lambda account: AccountPayload(account=Account.from_row(account)),
        )

    @strawberry.mutation(permission_classes=[CanWrite])
    async def create_advocate(self, info: Info, input: CreateAdvocateInput) -> AdvocatePayload:
        async def work(session: AsyncSession, principal: Principal) -> AdvocateModel:
            new = service.NewAdvocate(
                email=input.email,
                name=input.name,
                title=input.title,
                account_id=_optional_id(input.account_id, "Account", "accountId"),
                interests=input.interests or [],
                status=input.status,
                locale=input.locale,
                timezone=input.timezone,
                external_id=input.external_id,
                nudges_opt_out=input.nudges_opt_out,
            )
            return await service.create_advocate(session, principal, new)

        return await mutate(info, work, AdvocatePayload, _advocate_payload)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def update_advocate(self, info: Info, input: UpdateAdvocateInput) -> AdvocatePayload:
        async def work(session: AsyncSession, principal: Principal) -> AdvocateModel:
            advocate_id = decode_id(input.id, "Advocate", "id")
            account_id = maybe(input.account_id)
            changes = service.AdvocateChanges(
                email=maybe(input.email),
                name=maybe(input.name),
                title=maybe(input.title),
                account_id=account_id
                if not isinstance(account_id, str)
                else decode_id(account_id, "Account", "accountId"),
                interests=maybe(input.interests),
                status=maybe(input.status),
                locale=maybe(input.locale),
                timezone=maybe(input.timezone),
                external_id=maybe(input.external_id),
                nudges_opt_out=maybe(input.nudges_opt_out),
            )
            return await service.update_advocate(session, principal, advocate_id, changes)

        return await mutate(info, work, AdvocatePayload, _advocate_payload)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def import_advocates(
        self, info: Info, input: ImportAdvocatesInput
    ) -> ImportAdvocatesPayload:
        async def work(session: AsyncSession, principal: Principal) -> import_service.ImportResult:
            rows = [
                import_service.AdvocateRow(
                    email=row.email,
                    name=row.name,
                    title=row.title,
                    account_name=row.account_name,
                    account_domain=row.account_domain,
                    interests=row.interests,
                    external_id=row.external_id,
                    locale=row.locale,
                    timezone=row.timezone,
                )
                for row in input.rows
            ]
            return await import_service.import_advocates(session, principal, rows)

        def imported(result: import_service.ImportResult) -> ImportAdvocatesPayload:
            return ImportAdvocatesPayload(
                created_count=len(result.created),
                updated_count=len(result.updated),
                advocates=[Advocate.from_row(a) for a in [*result.created, *result.updated]],
                errors=[
                    UserError(field=e.field, code=e.code, message=e.message) for e in result.errors
                ],
            )

        return await mutate(info, work, ImportAdvocatesPayload, imported)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def record_milestone(
        self, info: Info, input: RecordMilestoneInput
    ) -> RecordMilestonePayload:
        async def work(
            session: AsyncSession, principal: Principal
        ) -> milestone_service.RecordedMilestone:
            new = milestone_service.NewMilestone(
                advocate_id=decode_id(input.advocate_id, "Advocate", "advocateId"),
                program_id=decode_id(input.program_id, "Program", "programId"),
                kind=input.kind,
                occurred_at=input.occurred_at,
                evidence_url=input.evidence_url,
                note=input.note,
                external_id=input.external_id,
            )
            return await milestone_service.record_milestone(session, principal, new)

        return await mutate(
            info,
            work,
            RecordMilestonePayload,
            lambda recorded: RecordMilestonePayload(
                milestone=Milestone.from_row(recorded.milestone), replayed=recorded.replayed
            ),
        )

    @strawberry.mutation(permission_classes=[CanWrite])
    async def approve_milestone(self, info: Info, input: ApproveMilestoneInput) -> MilestonePayload:
        async def work(session: AsyncSession, principal: Principal) -> MilestoneModel:
            milestone_id = decode_id(input.id, "Milestone", "id")
            return await milestone_service.approve_milestone(
                session, principal, milestone_id, input.note
            )

        return await mutate(info, work, MilestonePayload, _milestone_payload)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def reject_milestone(self, info: Info, input: RejectMilestoneInput) -> MilestonePayload:
        async def work(session: AsyncSession, principal: Principal) -> MilestoneModel:
            milestone_id = decode_id(input.id, "Milestone", "id")
            return await milestone_service.reject_milestone(
                session, principal, milestone_id, input.reason
            )

        return await mutate(info, work, MilestonePayload, _milestone_payload)


__all__ = ["AdvocateMutation", "AdvocateQuery", "DomainError", "ErrorCode"]
