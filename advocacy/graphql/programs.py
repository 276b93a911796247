"""Program queries and mutations."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.ids import decode_id
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.graphql.scalars import BigInt
from advocacy.graphql.types import MilestoneKind, Program, ProgramStatus
from advocacy.graphql.unset import maybe
from advocacy.programs import service
from advocacy.programs.models import MilestoneKind as DomainKind
from advocacy.programs.models import Program as ProgramModel
from advocacy.programs.queries import programs_query
from advocacy.tenancy.principal import Principal


@strawberry.input
class KindPointsInput:
    kind: MilestoneKind
    points: int


@strawberry.input
class KpiTargetInput:
    name: str
    target: BigInt


@strawberry.input
class CreateProgramInput:
    name: str
    currency: str = strawberry.field(description="ISO 4217 code of the budget, e.g. USD.")
    budget_total: BigInt = strawberry.field(default=0, description="Budget in minor units (cents).")
    description: str | None = None
    goal: str | None = None
    status: ProgramStatus = ProgramStatus.DRAFT
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    points_per_kind: list[KindPointsInput] | None = strawberry.field(
        default=None, description="Points per milestone kind; unnamed kinds keep the defaults."
    )
    kpi_targets: list[KpiTargetInput] | None = None


@strawberry.input
class UpdateProgramInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    budget_total: BigInt | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    goal: str | None = strawberry.UNSET
    status: ProgramStatus | None = strawberry.UNSET
    starts_on: dt.date | None = strawberry.UNSET
    ends_on: dt.date | None = strawberry.UNSET
    points_per_kind: list[KindPointsInput] | None = strawberry.UNSET
    kpi_targets: list[KpiTargetInput] | None = strawberry.UNSET


@strawberry.type
class ProgramPayload:
    program: Program | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _points(items: list[KindPointsInput] | None) -> list[tuple[DomainKind, int]]:
    return [(DomainKind(item.kind), item.points) for item in items or []]


def _kpis(items: list[KpiTargetInput] | None) -> list[tuple[str, int]]:
    return [(item.name, int(item.target)) for item in items or []]


def _program_payload(program: ProgramModel) -> ProgramPayload:
    return ProgramPayload(program=Program.from_row(program))


@strawberry.type
class ProgramQuery:
    @strawberry.field(permission_classes=[CanRead], description="Programs, newest first.")
    async def programs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        statuses: list[ProgramStatus] | None = None,
    ) -> Connection[Program]:
        ctx = info.context
        query = programs_query(ctx.organization_id, statuses)
        return await connection_from_query(ctx.session, query, Program.from_row, first, after)

    @strawberry.field(permission_classes=[CanRead])
    async def program(self, info: Info, id: strawberry.ID) -> Program | None:
        return await info.context.loaders.by_global_id(id, "Program")


@strawberry.type
class ProgramMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def create_program(self, info: Info, input: CreateProgramInput) -> ProgramPayload:
        async def work(session: AsyncSession, principal: Principal) -> ProgramModel:
            return await service.create_program(
                session,
                principal,
                service.NewProgram(
                    name=input.name,
                    currency=input.currency,
                    budget_total=int(input.budget_total),
                    description=input.description,
                    goal=input.goal,
                    status=input.status,
                    starts_on=input.starts_on,
                    ends_on=input.ends_on,
                    points_per_kind=_points(input.points_per_kind),
                    kpi_targets=_kpis(input.kpi_targets),
                ),
            )

        return await mutate(info, work, ProgramPayload, _program_payload)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def update_program(self, info: Info, input: UpdateProgramInput) -> ProgramPayload:
        async def work(session: AsyncSession, principal: Principal) -> ProgramModel:
            program_id = decode_id(input.id, "Program", "id")
            points = maybe(input.points_per_kind)
            kpis = maybe(input.kpi_targets)
            changes = service.ProgramChanges(
                name=maybe(input.name),
                currency=maybe(input.currency),
                budget_total=maybe(input.budget_total),
                description=maybe(input.description),
                goal=maybe(input.goal),
                status=maybe(input.status),
                starts_on=maybe(input.starts_on),
                ends_on=maybe(input.ends_on),
                points_per_kind=points if not isinstance(points, list) else _points(points),
                kpi_targets=kpis if not isinstance(kpis, list) else _kpis(kpis),
            )
            return await service.update_program(session, principal, program_id, changes)

        return await mutate(info, work, ProgramPayload, _program_payload)
