"""The KPI families, one function each (the modules beside this one hold the SQL), with the
number of statements each sends, whatever the data:

- membership: ``membership.member_figures`` (1): statuses, new advocates, re-engagement,
  referral clicks and nudges, which all depend on when advocates joined
- advocates: ``advocates.advocate_figures`` (1, and the membership figures)
- milestones: ``milestones.milestone_figures`` (1)
- referrals: ``referrals.referral_figures`` (2, and the membership's clicks)
- gifts: ``gifts.gift_figures`` (1)
- budget: ``budget.budget_figures`` (1); for advocates ``budget.advocate_spend`` (1)
- asks: ``outreach.ask_figures`` (1); nudges of single advocates ``outreach.nudge_figures`` (1)
- leaderboards: ``leaderboard.top_by_points``, ``leaderboard.top_by_referred_revenue`` (1 each)

Each takes ``(session, scope, period)`` and returns the figures of the period and of every
bucket, for every group of the scope (one, or one per advocate).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.analytics.advocates import advocate_figures
from advocacy.analytics.budget import advocate_spend, budget_figures
from advocacy.analytics.gifts import gift_figures
from advocacy.analytics.leaderboard import top_by_points, top_by_referred_revenue
from advocacy.analytics.membership import member_figures
from advocacy.analytics.milestones import milestone_figures
from advocacy.analytics.outreach import ask_figures, nudge_figures
from advocacy.analytics.period import Period
from advocacy.analytics.referrals import referral_figures
from advocacy.analytics.results import Series
from advocacy.analytics.scope import Scope
from advocacy.analytics.tables import PROGRAM

Family = Callable[[AsyncSession, Scope, Period], Awaitable[dict[int, Series[Any]]]]

PER_ADVOCATE: dict[str, Family] = {
    "milestones": milestone_figures,
    "referrals": referral_figures,
    "gifts": gift_figures,
    "spend": advocate_spend,
    "asks": ask_figures,
    "nudges": nudge_figures,
}
"""The families that make sense for one advocate, by name (``advocate.stats``)."""


async def program_exists(session: AsyncSession, organization_id: int, program_id: int) -> bool:
    """Whether the organization has this program (another organization's is as good as none)."""
    found = await session.scalar(
        select(PROGRAM.c.id).where(
            PROGRAM.c.id == program_id, PROGRAM.c.organization_id == organization_id
        )
    )
    return found is not None


__all__ = [
    "PER_ADVOCATE",
    "Family",
    "advocate_figures",
    "advocate_spend",
    "ask_figures",
    "budget_figures",
    "gift_figures",
    "member_figures",
    "milestone_figures",
    "nudge_figures",
    "program_exists",
    "referral_figures",
    "top_by_points",
    "top_by_referred_revenue",
]
