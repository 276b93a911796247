"""The figures, as plain frozen dataclasses: one per KPI family, for one window (the period or
one bucket). Rates are derived here, from the counts, so they can't disagree with them.

Money is integer minor units per ISO 4217 currency (``dict[currency, amount]``), never mixed
across currencies and never a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from advocacy.programs.models import MilestoneKind

T = TypeVar("T")


def rate(part: int, whole: int) -> float:
    """``part / whole``, 0 when there is nothing to divide (the API's convention)."""
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class Series(Generic[T]):
    """One family's figures for the period and for each of its buckets, in order."""

    period: T
    buckets: tuple[T, ...]

    def at(self, index: int | None) -> T:
        """The period's figures for ``None``, else bucket ``index``'s."""
        return self.period if index is None else self.buckets[index]


@dataclass(frozen=True)
class AdvocateFigures:
    """Statuses as of the window's end; the rest within the window."""

    total: int
    invited: int
    active: int
    lapsed: int
    opted_out: int
    new: int
    participating: int
    """Advocates with an approved milestone that occurred in the window."""
    nudged_lapses: int
    """Lapses whose first nudge went out in the window."""
    re_engaged: int
    """Of those, the ones the advocate came back from (the nudge's outcome RE_ENGAGED)."""

    @property
    def participation_rate(self) -> float:
        return rate(self.participating, self.total)

    @property
    def re_engagement_rate(self) -> float:
        return rate(self.re_engaged, self.nudged_lapses)


@dataclass(frozen=True)
class KindFigures:
    kind: MilestoneKind
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    points: int = 0

    @property
    def recorded(self) -> int:
        return self.submitted + self.approved + self.rejected


@dataclass(frozen=True)
class MilestoneFigures:
    """Milestones that occurred in the window, by their status now; every kind, in order."""

    by_kind: tuple[KindFigures, ...]

    @property
    def recorded(self) -> int:
        return sum(kind.recorded for kind in self.by_kind)

    @property
    def submitted(self) -> int:
        return sum(kind.submitted for kind in self.by_kind)

    @property
    def approved(self) -> int:
        return sum(kind.approved for kind in self.by_kind)

    @property
    def rejected(self) -> int:
        return sum(kind.rejected for kind in self.by_kind)

    @property
    def points_awarded(self) -> int:
        return sum(kind.points for kind in self.by_kind)


@dataclass(frozen=True)
class ReferralFigures:
    clicks: int
    signups: int
    """Referrals that signed up in the window and weren't rejected."""
    signups_converted: int
    """Of those, the ones that have converted since (the cohort's conversion)."""
    rejected: int
    """Referrals that signed up in the window and were rejected."""
    rejected_by_reason: Mapping[str | None, int]
    """Per fraud reason (a referral with two counts twice); None: rejected without one."""
    referrers: int
    """Advocates behind the window's signups."""
    conversions: int
    """Conversions in the window (by ``converted_at``), reversed ones left out."""
    revenue: Mapping[str, int]
    """The value of those conversions, by currency."""

    @property
    def click_to_signup_rate(self) -> float:
        return rate(self.signups, self.clicks)

    @property
    def signup_to_conversion_rate(self) -> float:
        return rate(self.signups_converted, self.signups)

    @property
    def referrals_per_referrer(self) -> float:
        return rate(self.signups, self.referrers)


@dataclass(frozen=True)
class GiftFigures:
    """Gifts offered in the window and what became of them so far."""

    offered: int = 0
    swapped: int = 0
    """Swapped for another item at least once, and not donated."""
    redeemed: int = 0
    """Redeemed as they were (swapped or not): not donated."""
    donated: int = 0
    declined: int = 0
    expired: int = 0
    cancelled: int = 0
    fulfilled: int = 0
    failed: int = 0
    median_seconds_to_redemption: float | None = None
    p90_seconds_to_redemption: float | None = None

    @property
    def redemption_rate(self) -> float:
        return rate(self.redeemed + self.donated, self.offered)


@dataclass(frozen=True)
class BudgetFigures:
    """One currency's budget: flows within the window, balances as of its end."""

    currency: str
    total: int
    """The programs' budgets today (a budget has no history)."""
    spent: int
    """Spent in the window (the ledger's SPEND entries)."""
    spent_to_date: int
    reserved: int

    @property
    def remaining(self) -> int:
        return self.total - self.reserved - self.spent_to_date


@dataclass(frozen=True)
class VariantFigures:
    variant: str
    sent: int = 0
    responded: int = 0

    @property
    def response_rate(self) -> float:
        return rate(self.responded, self.sent)


@dataclass(frozen=True)
class OutreachFigures:
    """Asks per A/B variant, or nudges per channel: sent in the window, answered since."""

    by_variant: tuple[VariantFigures, ...]

    @property
    def sent(self) -> int:
        return sum(variant.sent for variant in self.by_variant)

    @property
    def responded(self) -> int:
        return sum(variant.responded for variant in self.by_variant)

    @property
    def response_rate(self) -> float:
        return rate(self.responded, self.sent)


@dataclass(frozen=True)
class PointsLeader:
    rank: int
    advocate_id: int
    points: int
    milestones: int


@dataclass(frozen=True)
class RevenueLeader:
    rank: int
    """Within the currency."""
    advocate_id: int
    currency: str
    amount: int
    conversions: int
