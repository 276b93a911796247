"""KPIs: ``programStats``, ``organizationStats`` and ``advocate.stats``, for a period and as a
time series of DAY, WEEK or MONTH buckets (UTC).

The figures come from ``advocacy.analytics``: each family is computed once per request, only
when a field of it is selected (``StatsReport``), and ``advocate.stats`` goes through a loader
so a page of advocates costs one statement per family, not one per advocate.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry

from advocacy.analytics import queries, results
from advocacy.analytics.period import Interval, Period, make_period
from advocacy.analytics.report import StatsReport
from advocacy.analytics.scope import Scope
from advocacy.graphql.context import Info
from advocacy.graphql.errors import ApiError
from advocacy.graphql.ids import decode_any_id
from advocacy.graphql.loaders import required
from advocacy.graphql.pagination import MAX_PAGE_SIZE
from advocacy.graphql.permissions import CanRead
from advocacy.graphql.scalars import BigInt, filter_time
from advocacy.graphql.types import Advocate, CurrencyAmount, Program, StatsInterval
from advocacy.kit.errors import DomainError
from advocacy.programs.models import MilestoneKind
from advocacy.referrals.models import FraudReason

From = Annotated[
    dt.datetime, strawberry.argument(name="from", description="Start of the period (inclusive).")
]
To = Annotated[dt.datetime, strawberry.argument(description="End of the period (exclusive).")]
IntervalArgument = Annotated[
    Interval,
    strawberry.argument(
        description="Bucket length of the series: UTC days, Monday weeks or calendar months; "
        "at most 400 buckets."
    ),
]
Top = Annotated[int, strawberry.argument(description="How many (at most 100).")]


def checked_period(start: dt.datetime, end: dt.datetime, interval: Interval) -> Period:
    """The period of the arguments, or BAD_USER_INPUT naming what is wrong."""
    filter_time(start, "from")
    filter_time(end, "to")
    try:
        return make_period(start, end, interval)
    except DomainError as error:
        raise ApiError(error.message, "BAD_USER_INPUT") from error


def _top(first: int) -> int:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise ApiError(f"first must be between 1 and {MAX_PAGE_SIZE}", "BAD_USER_INPUT")
    return first


def _money(amounts: Any) -> list[CurrencyAmount]:
    return [CurrencyAmount(currency=c, amount=BigInt(amounts[c])) for c in sorted(amounts)]


# --- figures ---------------------------------------------------------------------------------


@strawberry.type(description="Advocates: statuses at the window's end, the rest within it.")
class AdvocateCounts:
    total: int = strawberry.field(description="Advocates counted at the window's end.")
    invited: int
    active: int
    lapsed: int
    opted_out: int
    new: int = strawberry.field(description="Joined in the window.")
    participating: int = strawberry.field(
        description="With an approved milestone that occurred in the window."
    )
    participation_rate: float = strawberry.field(description="participating / total.")
    nudged_lapses: int = strawberry.field(description="Lapses first nudged in the window.")
    re_engaged: int = strawberry.field(
        description="Of those, lapses the advocate came back from (back to ACTIVE)."
    )
    re_engagement_rate: float = strawberry.field(description="reEngaged / nudgedLapses.")

    @classmethod
    def of(cls, f: results.AdvocateFigures) -> AdvocateCounts:
        return cls(
            total=f.total,
            invited=f.invited,
            active=f.active,
            lapsed=f.lapsed,
            opted_out=f.opted_out,
            new=f.new,
            participating=f.participating,
            participation_rate=f.participation_rate,
            nudged_lapses=f.nudged_lapses,
            re_engaged=f.re_engaged,
            re_engagement_rate=f.re_engagement_rate,
        )


@strawberry.type(description="Milestones of one kind that occurred in the window.")
class MilestoneKindCounts:
    kind: MilestoneKind
    recorded: int
    submitted: int
    approved: int
    rejected: int
    points: int = strawberry.field(description="Awarded for the approved ones.")


@strawberry.type(description="Milestones that occurred in the window, by their status now.")
class MilestoneCounts:
    recorded: int
    submitted: int
    approved: int
    rejected: int
    points_awarded: int
    by_kind: list[MilestoneKindCounts] = strawberry.field(description="Every kind, zeros too.")

    @classmethod
    def of(cls, f: results.MilestoneFigures) -> MilestoneCounts:
        return cls(
            recorded=f.recorded,
            submitted=f.submitted,
            approved=f.approved,
            rejected=f.rejected,
            points_awarded=f.points_awarded,
            by_kind=[
                MilestoneKindCounts(
                    kind=k.kind,
                    recorded=k.recorded,
                    submitted=k.submitted,
                    approved=k.approved,
                    rejected=k.rejected,
                    points=k.points,
                )
                for k in f.by_kind
            ],
        )


@strawberry.type(description="Rejected referrals with one fraud reason.")
class RejectionCount:
    reason: FraudReason | None = strawberry.field(
        description="Null: rejected by a marketer without a fraud flag."
    )
    count: int


@strawberry.type(description="The referral funnel: each step counted when it happened.")
class ReferralFunnel:
    clicks: int
    signups: int = strawberry.field(description="Signed up in the window, not rejected.")
    conversions: int = strawberry.field(description="Converted in the window (not reversed).")
    click_to_signup_rate: float = strawberry.field(description="signups / clicks.")
    signup_to_conversion_rate: float = strawberry.field(
        description="Of the window's signups, the share that has converted since."
    )
    referred_revenue: list[CurrencyAmount] = strawberry.field(
        description="The value of the window's conversions, per currency."
    )
    rejected: int = strawberry.field(description="Signed up in the window and rejected.")
    rejected_by_reason: list[RejectionCount] = strawberry.field(
        description="A referral rejected for two reasons counts under both."
    )
    referring_advocates: int = strawberry.field(description="Advocates behind the signups.")
    referrals_per_referring_advocate: float = strawberry.field(
        description="signups / referringAdvocates."
    )

    @classmethod
    def of(cls, f: results.ReferralFigures) -> ReferralFunnel:
        reasons = sorted(f.rejected_by_reason.items(), key=lambda item: (item[0] or "", item[1]))
        return cls(
            clicks=f.clicks,
            signups=f.signups,
            conversions=f.conversions,
            click_to_signup_rate=f.click_to_signup_rate,
            signup_to_conversion_rate=f.signup_to_conversion_rate,
            referred_revenue=_money(f.revenue),
            rejected=f.rejected,
            rejected_by_reason=[
                RejectionCount(reason=FraudReason(r) if r else None, count=n) for r, n in reasons
            ],
            referring_advocates=f.referrers,
            referrals_per_referring_advocate=f.referrals_per_referrer,
        )


@strawberry.type(description="Gifts offered in the window, and what became of them so far.")
class GiftCounts:
    offered: int
    swapped: int = strawberry.field(description="Swapped at least once, and not donated.")
    redeemed: int = strawberry.field(description="Redeemed (not donated).")
    donated: int
    declined: int
    expired: int
    cancelled: int
    fulfilled: int
    failed: int
    redemption_rate: float = strawberry.field(description="(redeemed + donated) / offered.")
    median_seconds_to_redemption: float | None = strawberry.field(
        description="From the offer to the redemption or donation; null: none redeemed."
    )
    p90_seconds_to_redemption: float | None

    @classmethod
    def of(cls, f: results.GiftFigures) -> GiftCounts:
        return cls(
            offered=f.offered,
            swapped=f.swapped,
            redeemed=f.redeemed,
            donated=f.donated,
            declined=f.declined,
            expired=f.expired,
            cancelled=f.cancelled,
            fulfilled=f.fulfilled,
            failed=f.failed,
            redemption_rate=f.redemption_rate,
            median_seconds_to_redemption=f.median_seconds_to_redemption,
            p90_seconds_to_redemption=f.p90_seconds_to_redemption,
        )


@strawberry.type(description="One currency's budget, in minor units, from the ledger.")
class BudgetStats:
    currency: str
    total: BigInt = strawberry.field(description="The budgets today.")
    spent: BigInt = strawberry.field(description="Spent in the window.")
    spent_to_date: BigInt = strawberry.field(description="Spent up to the window's end.")
    reserved: BigInt = strawberry.field(description="Reserved at the window's end.")
    remaining: BigInt = strawberry.field(description="total - reserved - spentToDate.")
    cost_per_converted_referral: BigInt | None = strawberry.field(
        description="spent / conversions of the window, rounded; null without conversions."
    )

    @classmethod
    def of(cls, f: results.BudgetFigures, cost: int | None) -> BudgetStats:
        return cls(
            currency=f.currency,
            total=BigInt(f.total),
            spent=BigInt(f.spent),
            spent_to_date=BigInt(f.spent_to_date),
            reserved=BigInt(f.reserved),
            remaining=BigInt(f.remaining),
            cost_per_converted_referral=BigInt(cost) if cost is not None else None,
        )


@strawberry.type(description="Sent with one variant (asks: A/B; nudges: the channel).")
class OutreachVariantStats:
    variant: str
    sent: int
    responded: int
    response_rate: float = strawberry.field(description="responded / sent.")


@strawberry.type(description="Sent in the window, and answered since.")
class OutreachStats:
    sent: int
    responded: int
    response_rate: float
    by_variant: list[OutreachVariantStats]

    @classmethod
    def of(cls, f: results.OutreachFigures) -> OutreachStats:
        return cls(
            sent=f.sent,
            responded=f.responded,
            response_rate=f.response_rate,
            by_variant=[
                OutreachVariantStats(
                    variant=v.variant,
                    sent=v.sent,
                    responded=v.responded,
                    response_rate=v.response_rate,
                )
                for v in f.by_variant
            ],
        )


# --- windows -------------------------------------------------------------------------------


@strawberry.type(description="The KPIs of one window: the whole period or one bucket.")
class StatsWindow:
    report: strawberry.Private[StatsReport]
    index: strawberry.Private[int | None]
    start: dt.datetime
    end: dt.datetime = strawberry.field(description="Exclusive.")

    @strawberry.field
    async def advocates(self) -> AdvocateCounts:
        return AdvocateCounts.of((await self.report.advocates()).at(self.index))

    @strawberry.field
    async def milestones(self) -> MilestoneCounts:
        return MilestoneCounts.of((await self.report.milestones()).at(self.index))

    @strawberry.field
    async def referrals(self) -> ReferralFunnel:
        return ReferralFunnel.of((await self.report.referrals()).at(self.index))

    @strawberry.field
    async def gifts(self) -> GiftCounts:
        return GiftCounts.of((await self.report.gifts()).at(self.index))

    @strawberry.field(description="Per currency (a program has one).")
    async def budget(self) -> list[BudgetStats]:
        budget = (await self.report.budget()).at(self.index)
        costs = await self.report.cost_per_conversion(self.index)
        return [BudgetStats.of(entry, costs[entry.currency]) for entry in budget]

    @strawberry.field(description="Asks, by A/B variant.")
    async def asks(self) -> OutreachStats:
        return OutreachStats.of((await self.report.asks()).at(self.index))

    @strawberry.field(description="Nudges, by channel.")
    async def nudges(self) -> OutreachStats:
        return OutreachStats.of((await self.report.nudges()).at(self.index))


@strawberry.type(description="An advocate's place by points in the period.")
class PointsLeader:
    advocate_id: strawberry.Private[int]
    rank: int
    points: int
    milestones: int = strawberry.field(description="Approved milestones in the period.")

    @strawberry.field
    async def advocate(self, info: Info) -> Advocate:
        return await required(info.context.loaders.advocate, self.advocate_id)


@strawberry.type(description="An advocate's place by referred revenue in one currency.")
class RevenueLeader:
    advocate_id: strawberry.Private[int]
    rank: int = strawberry.field(description="Within the currency.")
    revenue: CurrencyAmount
    conversions: int

    @strawberry.field
    async def advocate(self, info: Info) -> Advocate:
        return await required(info.context.loaders.advocate, self.advocate_id)


def _windows(report: StatsReport) -> tuple[StatsWindow, list[StatsWindow]]:
    period = report.period
    whole = StatsWindow(report=report, index=None, start=period.start, end=period.end)
    series = [
        StatsWindow(report=report, index=i, start=b.start, end=b.end)
        for i, b in enumerate(period.buckets)
    ]
    return whole, series


@strawberry.interface(description="KPIs of a period, and as a time series.")
class Stats:
    report: strawberry.Private[StatsReport]
    from_: dt.datetime = strawberry.field(name="from")
    to: dt.datetime
    interval: Interval
    period: StatsWindow = strawberry.field(description="The whole period.")
    series: list[StatsWindow] = strawberry.field(description="One window per bucket, in order.")

    @strawberry.field(description="Top advocates by points of approved milestones in the period.")
    async def top_by_points(self, first: Top = 10) -> list[PointsLeader]:
        leaders = await self.report.top_by_points(_top(first))
        return [
            PointsLeader(
                advocate_id=x.advocate_id, rank=x.rank, points=x.points, milestones=x.milestones
            )
            for x in leaders
        ]

    @strawberry.field(description="Top advocates by referred revenue in the period, per currency.")
    async def top_by_referred_revenue(self, first: Top = 10) -> list[RevenueLeader]:
        leaders = await self.report.top_by_referred_revenue(_top(first))
        return [
            RevenueLeader(
                advocate_id=x.advocate_id,
                rank=x.rank,
                revenue=CurrencyAmount(currency=x.currency, amount=BigInt(x.amount)),
                conversions=x.conversions,
            )
            for x in leaders
        ]


@strawberry.type(description="A program's KPIs.")
class ProgramStats(Stats):
    program_id: strawberry.Private[int]

    @strawberry.field
    async def program(self, info: Info) -> Program:
        return await required(info.context.loaders.program, self.program_id)


@strawberry.type(description="The organization's KPIs, over all its programs.")
class OrganizationStats(Stats):
    pass


def _stats_fields(report: StatsReport) -> dict[str, Any]:
    whole, series = _windows(report)
    period = report.period
    return {
        "report": report,
        "from_": period.start,
        "to": period.end,
        "interval": period.interval,
        "period": whole,
        "series": series,
    }


# --- one advocate --------------------------------------------------------------------------


@strawberry.type(description="One advocate's KPIs in one window.")
class AdvocateStatsWindow:
    advocate_id: strawberry.Private[int]
    stats_period: strawberry.Private[Period]
    index: strawberry.Private[int | None]
    start: dt.datetime
    end: dt.datetime = strawberry.field(description="Exclusive.")

    async def _family(self, info: Info, family: str) -> Any:
        key = (family, self.stats_period, self.advocate_id)
        return (await info.context.loaders.advocate_stats.load(key)).at(self.index)

    @strawberry.field
    async def milestones(self, info: Info) -> MilestoneCounts:
        return MilestoneCounts.of(await self._family(info, "milestones"))

    @strawberry.field(description="Their referrals' funnel.")
    async def referrals(self, info: Info) -> ReferralFunnel:
        return ReferralFunnel.of(await self._family(info, "referrals"))

    @strawberry.field(description="Gifts offered to them.")
    async def gifts(self, info: Info) -> GiftCounts:
        return GiftCounts.of(await self._family(info, "gifts"))

    @strawberry.field(description="Spent on their gifts in the window, per currency.")
    async def spent(self, info: Info) -> list[CurrencyAmount]:
        return _money(await self._family(info, "spend"))

    @strawberry.field(description="Asks to them, by A/B variant.")
    async def asks(self, info: Info) -> OutreachStats:
        return OutreachStats.of(await self._family(info, "asks"))

    @strawberry.field(description="Nudges to them, by channel.")
    async def nudges(self, info: Info) -> OutreachStats:
        return OutreachStats.of(await self._family(info, "nudges"))


@strawberry.type(description="One advocate's KPIs for a period, and as a time series.")
class AdvocateStats:
    from_: dt.datetime = strawberry.field(name="from")
    to: dt.datetime
    interval: Interval
    period: AdvocateStatsWindow
    series: list[AdvocateStatsWindow]


def advocate_stats(
    advocate_id: int, start: dt.datetime, end: dt.datetime, interval: Interval
) -> AdvocateStats:
    """``advocate.stats``: nothing is read until a window's field is resolved."""
    period = checked_period(start, end, interval)

    def window(index: int | None, start: dt.datetime, end: dt.datetime) -> AdvocateStatsWindow:
        return AdvocateStatsWindow(
            advocate_id=advocate_id, stats_period=period, index=index, start=start, end=end
        )

    return AdvocateStats(
        from_=period.start,
        to=period.end,
        interval=interval,
        period=window(None, period.start, period.end),
        series=[window(i, b.start, b.end) for i, b in enumerate(period.buckets)],
    )


# --- root fields ---------------------------------------------------------------------------


async def _program_id(info: Info, global_id: str) -> int:
    decoded = decode_any_id(global_id)
    if decoded is None or decoded[0] != "Program":
        raise ApiError("programId is not a valid Program id", "BAD_USER_INPUT")
    ctx = info.context
    if not await queries.program_exists(ctx.session, ctx.organization_id, decoded[1]):
        raise ApiError("programId names no program of this organization", "BAD_USER_INPUT")
    return decoded[1]


def program_stats_of(info: Info, program_id: int, period: Period) -> ProgramStats:
    """A program's KPIs on the caller's session (programStats, and each programStatsUpdated)."""
    scope = Scope(info.context.organization_id, program_id=program_id)
    report = StatsReport(info.context.session, scope, period)
    return ProgramStats(program_id=program_id, **_stats_fields(report))


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        permission_classes=[CanRead],
        description="A program's KPIs for the period [from, to) and per bucket of interval.",
    )
    async def program_stats(
        self,
        info: Info,
        program_id: strawberry.ID,
        from_: From,
        to: To,
        interval: IntervalArgument,
    ) -> ProgramStats:
        period = checked_period(from_, to, interval)
        return program_stats_of(info, await _program_id(info, program_id), period)

    @strawberry.field(
        permission_classes=[CanRead],
        description="The organization's KPIs for the period [from, to) and per bucket; "
        "money per currency.",
    )
    def organization_stats(
        self, info: Info, from_: From, to: To, interval: IntervalArgument
    ) -> OrganizationStats:
        period = checked_period(from_, to, interval)
        scope = Scope(info.context.organization_id)
        return OrganizationStats(**_stats_fields(StatsReport(info.context.session, scope, period)))


__all__ = [
    "AdvocateStats",
    "AnalyticsQuery",
    "OrganizationStats",
    "ProgramStats",
    "StatsInterval",
    "advocate_stats",
    "checked_period",
    "program_stats_of",
]
