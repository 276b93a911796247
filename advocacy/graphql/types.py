"""GraphQL object types and the enums they expose. Built from rows, resolved through loaders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy import Row

from advocacy.advocates.models import AdvocateStatus, MilestoneKind, MilestoneStatus
from advocacy.advocates.queries import MilestoneFilter, advocates_query
from advocacy.graphql.context import Info
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.graphql.pagination import (
    Connection,
    connection_from_query,
    make_connection,
    page_window,
)
from advocacy.graphql.scalars import BigInt
from advocacy.programs.models import ProgramStatus
from advocacy.tenancy.models import Role

# The domain enums are the API's enums: strawberry.enum registers each class in place.
for _domain_enum in (AdvocateStatus, MilestoneKind, MilestoneStatus, ProgramStatus, Role):
    strawberry.enum(_domain_enum)


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type
class Organization(Node):
    slug: str
    name: str
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> Organization:
        return cls(
            id=strawberry.ID(encode_id("Organization", row.id)),
            slug=row.slug,
            name=row.name,
            created_at=row.created_at,
        )


@strawberry.type(description="A marketer API token. The secret is shown only when created.")
class ApiToken(Node):
    name: str
    role: Role
    prefix: str = strawberry.field(description="The first characters of the secret.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: Any) -> ApiToken:
        return cls(
            id=strawberry.ID(encode_id("ApiToken", row.id)),
            name=row.name,
            role=Role(row.role),
            prefix=row.prefix,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="A customer company. Advocates belong to at most one.")
class Account(Node):
    pk: strawberry.Private[int]
    name: str
    domain: str | None
    crm_id: str | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> Account:
        return cls(
            id=strawberry.ID(encode_id("Account", row.id)),
            pk=row.id,
            name=row.name,
            domain=row.domain,
            crm_id=row.crm_id,
            created_at=row.created_at,
        )

    @strawberry.field(description="Advocates of this account, by name.")
    async def advocates(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Advocate]:
        from advocacy.advocates.queries import AdvocateFilter

        ctx = info.context
        query = advocates_query(
            ctx.session, ctx.organization_id, AdvocateFilter(account_id=self.pk)
        )
        return await connection_from_query(ctx.session, query, Advocate.from_row, first, after)


@strawberry.type(description="A points value for one milestone kind.")
class KindPoints:
    kind: MilestoneKind
    points: int


@strawberry.type(description="A named KPI target of a program, e.g. `reviews: 50`.")
class KpiTarget:
    name: str
    target: BigInt


@strawberry.type(description="Money in minor units (cents) of an ISO 4217 currency.")
class Budget:
    total: BigInt
    currency: str


@strawberry.type(description="A campaign: goal, KPI targets, budget, points per milestone kind.")
class Program(Node):
    pk: strawberry.Private[int]
    name: str
    description: str | None
    goal: str | None
    status: ProgramStatus
    budget: Budget
    starts_on: dt.date | None
    ends_on: dt.date | None
    points_per_kind: list[KindPoints]
    kpi_targets: list[KpiTarget]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> Program:
        return cls(
            id=strawberry.ID(encode_id("Program", row.id)),
            pk=row.id,
            name=row.name,
            description=row.description,
            goal=row.goal,
            status=ProgramStatus(row.status),
            budget=Budget(total=row.budget_total, currency=row.currency),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            points_per_kind=[
                KindPoints(kind=MilestoneKind(kind), points=points)
                for kind, points in sorted(row.points_per_kind.items())
            ],
            kpi_targets=[
                KpiTarget(name=name, target=target) for name, target in row.kpi_targets.items()
            ],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Milestones recorded in this program, newest first.")
    async def milestones(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        kinds: list[MilestoneKind] | None = None,
        statuses: list[MilestoneStatus] | None = None,
    ) -> Connection[Milestone]:
        from advocacy.advocates.queries import milestones_query

        ctx = info.context
        flt = MilestoneFilter(
            program_id=self.pk,
            kinds=tuple(kinds) if kinds else None,
            statuses=tuple(statuses) if statuses else None,
        )
        query = milestones_query(ctx.organization_id, flt)
        return await connection_from_query(ctx.session, query, Milestone.from_row, first, after)


@strawberry.type(description="A customer who promotes the brand.")
class Advocate(Node):
    pk: strawberry.Private[int]
    account_id: strawberry.Private[int | None]
    email: str
    name: str
    title: str | None
    interests: list[str]
    status: AdvocateStatus
    points: int
    referral_code: str
    nudges_opt_out: bool
    locale: str | None
    timezone: str | None
    external_id: str | None
    last_engaged_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> Advocate:
        return cls(
            id=strawberry.ID(encode_id("Advocate", row.id)),
            pk=row.id,
            account_id=row.account_id,
            email=row.email,
            name=row.name,
            title=row.title,
            interests=row.interests,
            status=AdvocateStatus(row.status),
            points=row.points,
            referral_code=row.referral_code,
            nudges_opt_out=row.nudges_opt_out,
            locale=row.locale,
            timezone=row.timezone,
            external_id=row.external_id,
            last_engaged_at=row.last_engaged_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    async def account(self, info: Info) -> Account | None:
        if self.account_id is None:
            return None
        row = await info.context.loaders.account.load(self.account_id)
        return None if row is None else Account.from_row(row)

    @strawberry.field(description="This advocate's milestones, newest first.")
    async def milestones(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        kinds: list[MilestoneKind] | None = None,
        statuses: list[MilestoneStatus] | None = None,
        program_id: strawberry.ID | None = None,
    ) -> Connection[Milestone]:
        loaders = info.context.loaders
        offset, limit = page_window(first, after)
        flt = MilestoneFilter(
            program_id=None
            if program_id is None
            else decode_id(program_id, "Program", "programId"),
            kinds=tuple(kinds) if kinds else None,
            statuses=tuple(statuses) if statuses else None,
        )
        rows = await loaders.advocate_milestones.load((self.pk, limit + 1, offset, flt))
        pk = self.pk

        async def total() -> int:
            return await loaders.advocate_milestone_count.load((pk, flt))

        nodes = [Milestone.from_row(row) for row in rows[:limit]]
        return make_connection(nodes, offset, len(rows) > limit, total)


@strawberry.type(description="Something an advocate did: a review, a referral, a talk…")
class Milestone(Node):
    pk: strawberry.Private[int]
    advocate_id: strawberry.Private[int]
    program_id: strawberry.Private[int]
    kind: MilestoneKind
    status: MilestoneStatus
    evidence_url: str | None
    note: str | None
    points: int = strawberry.field(description="Points awarded on approval (0 until then).")
    occurred_at: dt.datetime
    external_id: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Row[Any] | Any) -> Milestone:
        return cls(
            id=strawberry.ID(encode_id("Milestone", row.id)),
            pk=row.id,
            advocate_id=row.advocate_id,
            program_id=row.program_id,
            kind=MilestoneKind(row.kind),
            status=MilestoneStatus(row.status),
            evidence_url=row.evidence_url,
            note=row.note,
            points=row.points,
            occurred_at=row.occurred_at,
            external_id=row.external_id,
            decided_at=row.decided_at,
            decision_note=row.decision_note,
            created_at=row.created_at,
        )

    @strawberry.field
    async def advocate(self, info: Info) -> Advocate:
        row = await info.context.loaders.advocate.load(self.advocate_id)
        assert row is not None, "a milestone's advocate is in the same organization"
        return Advocate.from_row(row)

    @strawberry.field
    async def program(self, info: Info) -> Program:
        row = await info.context.loaders.program.load(self.program_id)
        assert row is not None, "a milestone's program is in the same organization"
        return Program.from_row(row)


NODE_TYPES: dict[str, Any] = {
    "Organization": Organization,
    "ApiToken": ApiToken,
    "Account": Account,
    "Program": Program,
    "Advocate": Advocate,
    "Milestone": Milestone,
}
