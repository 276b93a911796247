"""GraphQL object types and the enums they expose. Built from rows, resolved through loaders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import strawberry
from sqlalchemy import Row, Select

from advocacy.advocates.models import AdvocateStatus, MilestoneStatus
from advocacy.advocates.queries import (
    AdvocateFilter,
    MilestoneFilter,
    advocates_query,
    with_accounts,
)
from advocacy.analytics.period import Interval
from advocacy.gifting.models import GiftSendStatus
from advocacy.gifting.queries import GiftSendFilter
from advocacy.graphql.context import Info
from advocacy.graphql.ids import encode_id
from advocacy.graphql.pagination import (
    Connection,
    connection_from_query,
    make_connection,
)
from advocacy.graphql.scalars import BigInt
from advocacy.programs.models import MilestoneKind, ProgramStatus
from advocacy.tenancy.models import Role

if TYPE_CHECKING:
    from advocacy.graphql.analytics import AdvocateStats
    from advocacy.graphql.asks import Ask, AskFilter, AskPolicy, AskVariantStats
    from advocacy.graphql.engagement import (
        AdvocateStatusChange,
        Nudge,
        NudgeFilter,
        ProgramEngagementPolicy,
    )
    from advocacy.graphql.gifting import GiftSend
    from advocacy.graphql.loaders import Loaders
    from advocacy.graphql.referrals import Referral, ReferralFilterInput

GiftSendRef = Annotated["GiftSend", strawberry.lazy("advocacy.graphql.gifting")]
ReferralRef = Annotated["Referral", strawberry.lazy("advocacy.graphql.referrals")]
StatusChangeRef = Annotated["AdvocateStatusChange", strawberry.lazy("advocacy.graphql.engagement")]
NudgeRef = Annotated["Nudge", strawberry.lazy("advocacy.graphql.engagement")]
NudgeFilterRef = Annotated["NudgeFilter", strawberry.lazy("advocacy.graphql.engagement")]
ProgramPolicyRef = Annotated[
    "ProgramEngagementPolicy", strawberry.lazy("advocacy.graphql.engagement")
]
AskRef = Annotated["Ask", strawberry.lazy("advocacy.graphql.asks")]
AskFilterRef = Annotated["AskFilter", strawberry.lazy("advocacy.graphql.asks")]
AskPolicyRef = Annotated["AskPolicy", strawberry.lazy("advocacy.graphql.asks")]
AskVariantStatsRef = Annotated["AskVariantStats", strawberry.lazy("advocacy.graphql.asks")]
ReferralFilterRef = Annotated["ReferralFilterInput", strawberry.lazy("advocacy.graphql.referrals")]
AdvocateStatsRef = Annotated["AdvocateStats", strawberry.lazy("advocacy.graphql.analytics")]
StatsInterval = strawberry.enum(
    Interval, name="StatsInterval", description="The length of a time-series bucket (UTC)."
)
"""Registered here, before ``Advocate.stats`` takes it as an argument."""


@strawberry.type(description="An amount per currency.")
class CurrencyAmount:
    currency: str
    amount: BigInt


@strawberry.type(description="One advocate's referral funnel.")
class ReferralStats:
    clicks: int = strawberry.field(description="Counted clicks (bots and repeats excluded).")
    signups: int = strawberry.field(description="Referrals not rejected.")
    conversions: int
    revenue: list[CurrencyAmount] = strawberry.field(description="Converted order value.")


T = TypeVar("T")


def maybe_later(value: T | Awaitable[T]) -> T:
    """Return a value or an awaitable of it from a *sync* resolver. graphql-core awaits what a
    resolver returns when it is awaitable, so already-loaded values complete without a task.
    The cast only tells the type checker what the field finally resolves to."""
    return cast(T, value)


async def advocates_connection(
    info: Info, query: Select[Any], first: int | None, after: str | None
) -> Connection[Advocate]:
    """A page of advocates with the relations the query selects loaded for the whole page:
    accounts joined into the page query, milestones in one more statement."""
    from advocacy.graphql.prefetch import node_selection, prefetch_for_advocates, selects

    selection = node_selection(info)
    join_accounts = bool(selects(selection, "account"))
    accounts: dict[int, Account] = {}

    def to_node(row: Any) -> Advocate:
        if join_accounts and row.account__id is not None and row.account__id not in accounts:
            accounts[row.account__id] = Account.from_joined(row)
        return Advocate.from_row(row)

    async def prefetch(page: list[Advocate]) -> None:
        info.context.loaders.account.prime_many(accounts)
        account_ids = set() if join_accounts else {a.account_id for a in page if a.account_id}
        await prefetch_for_advocates(info, selection, [a.pk for a in page], account_ids)

    return await connection_from_query(
        info.context.session,
        query,
        to_node,
        first,
        after,
        prefetch,
        page_query=with_accounts(query) if join_accounts else None,
    )


async def milestones_connection(
    info: Info, query: Select[Any], first: int | None, after: str | None
) -> Connection[Milestone]:
    """A page of milestones with their advocates and programs loaded for the whole page when
    the query selects them."""
    from advocacy.graphql.prefetch import prefetch_for_milestones

    async def prefetch(page: list[Milestone]) -> None:
        await prefetch_for_milestones(
            info, {m.advocate_id for m in page}, {m.program_id for m in page}
        )

    return await connection_from_query(
        info.context.session, query, Milestone.from_row, first, after, prefetch
    )


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

    @classmethod
    def from_joined(cls, row: Any) -> Account:
        """From the ``account__*`` columns of a joined advocates row (``with_accounts``)."""
        return cls(
            id=strawberry.ID(encode_id("Account", row.account__id)),
            pk=row.account__id,
            name=row.account__name,
            domain=row.account__domain,
            crm_id=row.account__crm_id,
            created_at=row.account__created_at,
        )

    @strawberry.field(description="Advocates of this account, by name.")
    async def advocates(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Advocate]:

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


@strawberry.type(description="A program's budget in minor units (cents), from its ledger.")
class Budget:
    total: BigInt
    currency: str
    reserved: BigInt = strawberry.field(description="Set aside for gifts not yet fulfilled.")
    spent: BigInt = strawberry.field(description="Paid for fulfilled gifts.")
    remaining: BigInt = strawberry.field(description="total - reserved - spent.")


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
            budget=Budget(
                total=row.budget_total,
                currency=row.currency,
                reserved=row.budget_reserved,
                spent=row.budget_spent,
                remaining=row.budget_total - row.budget_reserved - row.budget_spent,
            ),
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
        return await milestones_connection(
            info, milestones_query(ctx.organization_id, flt), first, after
        )

    @strawberry.field(description="This program's overrides of the engagement policy, if any.")
    async def engagement_policy(self, info: Info) -> ProgramPolicyRef | None:
        from advocacy.engagement.service import program_policy_of
        from advocacy.graphql.engagement import ProgramEngagementPolicy

        row = await program_policy_of(info.context.session, info.context.organization_id, self.pk)
        return ProgramEngagementPolicy.from_row(row) if row is not None else None

    @strawberry.field(description="When and how this program asks advocates for something.")
    async def ask_policy(self, info: Info) -> AskPolicyRef | None:
        from advocacy.graphql.asks import ask_policy_of

        return await ask_policy_of(info, self.pk)

    @strawberry.field(description="Asks sent and answered per message variant (A/B).")
    async def ask_stats(self, info: Info) -> list[AskVariantStatsRef]:
        from advocacy.graphql.asks import variant_stats_of

        return await variant_stats_of(info, self.pk)

    @strawberry.field(description="This program's asks, newest first.")
    async def asks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AskFilterRef | None = None,
    ) -> Connection[AskRef]:
        from advocacy.graphql.asks import ask_filter, asks_connection

        return await asks_connection(info, ask_filter(filter, program_id=self.pk), first, after)

    @strawberry.field(description="Gifts sent from this program's budget, newest first.")
    async def gift_sends(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        statuses: list[GiftSendStatus] | None = None,
    ) -> Connection[GiftSendRef]:
        from advocacy.graphql.gifting import gift_sends_connection

        flt = GiftSendFilter(program_id=self.pk, statuses=tuple(statuses) if statuses else None)
        return await gift_sends_connection(info, flt, first, after)


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
    nudges_opt_out: bool = strawberry.field(
        description="The advocate unsubscribed (or was opted out): no nudges, no asks."
    )
    unsubscribed_at: dt.datetime | None = strawberry.field(
        description="When they unsubscribed through an email's link (only they can undo it)."
    )
    nudges_paused: bool = strawberry.field(description="A marketer paused their nudges and asks.")
    results_seen_at: dt.datetime | None = strawberry.field(
        description="When a marketer last saw them get results (asks wait from it)."
    )
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
            unsubscribed_at=row.unsubscribed_at,
            nudges_paused=row.nudges_paused,
            results_seen_at=row.results_seen_at,
            locale=row.locale,
            timezone=row.timezone,
            external_id=row.external_id,
            last_engaged_at=row.last_engaged_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    def account(self, info: Info) -> Account | None:
        return maybe_later(self.load_account(info.context.loaders))

    def load_account(self, loaders: Loaders) -> Account | Awaitable[Account | None] | None:
        if self.account_id is None:
            return None
        return loaders.account.get_or_load(self.account_id)

    @strawberry.field(description="This advocate's milestones, newest first.")
    def milestones(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        kinds: list[MilestoneKind] | None = None,
        statuses: list[MilestoneStatus] | None = None,
        program_id: strawberry.ID | None = None,
    ) -> Connection[Milestone]:
        return maybe_later(
            self.load_milestones(info.context.loaders, first, after, kinds, statuses, program_id)
        )

    @strawberry.field(description="Gifts sent to this advocate, newest first.")
    async def gift_sends(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        statuses: list[GiftSendStatus] | None = None,
    ) -> Connection[GiftSendRef]:
        from advocacy.graphql.gifting import gift_sends_connection

        flt = GiftSendFilter(advocate_id=self.pk, statuses=tuple(statuses) if statuses else None)
        return await gift_sends_connection(info, flt, first, after)

    @strawberry.field(description="Status moves (lapses, revivals), newest first; the last 50.")
    async def status_changes(self, info: Info) -> list[StatusChangeRef]:
        from advocacy.graphql.engagement import status_changes_of

        return await status_changes_of(info, self.pk)

    @strawberry.field(description="Nudges sent while lapsed, newest first.")
    async def nudges(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: NudgeFilterRef | None = None,
    ) -> Connection[NudgeRef]:
        from advocacy.graphql.engagement import nudge_filter, nudges_connection

        return await nudges_connection(info, nudge_filter(filter, self.pk), first, after)

    @strawberry.field(description="Asks sent to this advocate, newest first.")
    async def asks(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AskFilterRef | None = None,
    ) -> Connection[AskRef]:
        from advocacy.graphql.asks import ask_filter, asks_connection

        return await asks_connection(info, ask_filter(filter, advocate_id=self.pk), first, after)

    @strawberry.field(description="The link to share: counts a click, then redirects.")
    def referral_link(self) -> str:
        from advocacy.referrals.codes import referral_link

        return referral_link(self.referral_code)

    @strawberry.field(description="People this advocate referred, newest first.")
    async def referrals(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ReferralFilterRef | None = None,
    ) -> Connection[ReferralRef]:
        from advocacy.graphql.referrals import referral_filter, referrals_connection

        return await referrals_connection(info, referral_filter(filter, self.pk), first, after)

    @strawberry.field(description="Clicks, signups, conversions and revenue of their referrals.")
    async def referral_stats(self, info: Info) -> ReferralStats:
        funnel = await info.context.loaders.referral_funnel.load(self.pk)
        return ReferralStats(
            clicks=funnel.clicks,
            signups=funnel.signups,
            conversions=funnel.conversions,
            revenue=[
                CurrencyAmount(currency=currency, amount=BigInt(amount))
                for currency, amount in sorted(funnel.revenue.items())
            ],
        )

    @strawberry.field(
        description="Their KPIs for the period [from, to) and per bucket of interval (UTC)."
    )
    def stats(
        self,
        from_: Annotated[dt.datetime, strawberry.argument(name="from")],
        to: dt.datetime,
        interval: Interval,
    ) -> AdvocateStatsRef:
        from advocacy.graphql.analytics import advocate_stats

        return advocate_stats(self.pk, from_, to, interval)

    def load_milestones(
        self,
        loaders: Loaders,
        first: int | None = None,
        after: str | None = None,
        kinds: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        program_id: str | None = None,
    ) -> Connection[Milestone] | Awaitable[Connection[Milestone]]:
        from advocacy.graphql.prefetch import milestone_window_from

        limit, offset, flt = milestone_window_from(first, after, kinds, statuses, program_id)
        pk = self.pk

        async def total() -> int:
            return await loaders.advocate_milestone_count.load((pk, flt))

        def connection(milestones: list[Milestone]) -> Connection[Milestone]:
            return make_connection(milestones[:limit], offset, len(milestones) > limit, total)

        found = loaders.advocate_milestones.get_or_load((pk, limit + 1, offset, flt))
        if isinstance(found, list):
            return connection(found)

        async def later() -> Connection[Milestone]:
            return connection(await found)

        return later()


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

    @strawberry.field(description="Always in the milestone's organization.")
    def advocate(self, info: Info) -> Advocate:
        return maybe_later(self.load_advocate(info.context.loaders))

    def load_advocate(self, loaders: Loaders) -> Advocate | Awaitable[Advocate]:
        return cast(Advocate | Awaitable[Advocate], loaders.advocate.get_or_load(self.advocate_id))

    @strawberry.field(description="Always in the milestone's organization.")
    def program(self, info: Info) -> Program:
        return maybe_later(self.load_program(info.context.loaders))

    def load_program(self, loaders: Loaders) -> Program | Awaitable[Program]:
        return cast(Program | Awaitable[Program], loaders.program.get_or_load(self.program_id))
