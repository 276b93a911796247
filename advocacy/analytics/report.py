"""One request's KPIs for an organization or a program: each family computed at most once, and
only if asked for (the GraphQL fields await what they show).

Also the figure that needs two families: the cost per converted referral, the window's spend
divided by its conversions, rounded to the nearest minor unit (per currency; None without
conversions).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.analytics import queries
from advocacy.analytics.membership import MemberFigures
from advocacy.analytics.period import Period
from advocacy.analytics.results import (
    AdvocateFigures,
    BudgetFigures,
    GiftFigures,
    MilestoneFigures,
    OutreachFigures,
    PointsLeader,
    ReferralFigures,
    RevenueLeader,
    Series,
)
from advocacy.analytics.scope import Scope

T = TypeVar("T")


def cost_per_conversion(spent: int, conversions: int) -> int | None:
    """Minor units, rounded half up; None when nothing converted."""
    if conversions <= 0:
        return None
    return (2 * spent + conversions) // (2 * conversions)


class StatsReport:
    def __init__(self, session: AsyncSession, scope: Scope, period: Period) -> None:
        assert not scope.per_advocate
        self.session = session
        self.scope = scope
        self.period = period
        self._computed: dict[Any, asyncio.Future[Any]] = {}

    async def _once(self, name: Any, compute: Callable[[], Awaitable[T]]) -> T:
        """``compute()`` the first time ``name`` is asked for; everyone shares that answer."""
        found = self._computed.get(name)
        if found is None:
            found = asyncio.ensure_future(compute())
            self._computed[name] = found
        result: T = await found
        return result

    async def _family(self, family: queries.Family) -> Series[Any]:
        async def compute() -> Series[Any]:
            return (await family(self.session, self.scope, self.period))[0]

        return await self._once(family, compute)

    async def members(self) -> MemberFigures:
        """What depends on when advocates joined: shared by advocates, referrals and nudges."""
        return await self._once(
            "members", lambda: queries.member_figures(self.session, self.scope, self.period)
        )

    async def advocates(self) -> Series[AdvocateFigures]:
        async def compute() -> Series[AdvocateFigures]:
            members = await self.members()
            return await queries.advocate_figures(self.session, self.scope, self.period, members)

        return await self._once("advocates", compute)

    async def milestones(self) -> Series[MilestoneFigures]:
        return await self._family(queries.milestone_figures)

    async def referrals(self) -> Series[ReferralFigures]:
        async def compute() -> Series[ReferralFigures]:
            clicks = (await self.members()).clicks
            found = await queries.referral_figures(self.session, self.scope, self.period, clicks)
            return found[0]

        return await self._once("referrals", compute)

    async def gifts(self) -> Series[GiftFigures]:
        return await self._family(queries.gift_figures)

    async def asks(self) -> Series[OutreachFigures]:
        return await self._family(queries.ask_figures)

    async def nudges(self) -> Series[OutreachFigures]:
        return (await self.members()).nudges

    async def budget(self) -> Series[tuple[BudgetFigures, ...]]:
        return await self._once(
            "budget", lambda: queries.budget_figures(self.session, self.scope, self.period)
        )

    async def cost_per_conversion(self, index: int | None) -> dict[str, int | None]:
        """Per currency of the budget, for the period (``None``) or bucket ``index``."""
        budget = (await self.budget()).at(index)
        conversions = (await self.referrals()).at(index).conversions
        return {entry.currency: cost_per_conversion(entry.spent, conversions) for entry in budget}

    async def top_by_points(self, limit: int) -> list[PointsLeader]:
        return await self._once(
            ("points", limit),
            lambda: queries.top_by_points(self.session, self.scope, self.period, limit),
        )

    async def top_by_referred_revenue(self, limit: int) -> list[RevenueLeader]:
        return await self._once(
            ("revenue", limit),
            lambda: queries.top_by_referred_revenue(self.session, self.scope, self.period, limit),
        )
