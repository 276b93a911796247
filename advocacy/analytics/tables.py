"""The tables the KPI queries read, as SQLAlchemy Core tables (rows, no ORM objects)."""

from __future__ import annotations

from advocacy.advocates.queries import ADVOCATE, MILESTONE
from advocacy.engagement.models import AdvocateStatusChange
from advocacy.engagement.queries import ASK, NUDGE
from advocacy.gifting.models import BudgetEntry
from advocacy.gifting.queries import GIFT_EVENT, GIFT_SEND
from advocacy.programs.queries import PROGRAM
from advocacy.referrals.queries import CLICK, REFERRAL

BUDGET_ENTRY = BudgetEntry.__table__  # type: ignore[attr-defined]
STATUS_CHANGE = AdvocateStatusChange.__table__  # type: ignore[attr-defined]

__all__ = [
    "ADVOCATE",
    "ASK",
    "BUDGET_ENTRY",
    "CLICK",
    "GIFT_EVENT",
    "GIFT_SEND",
    "MILESTONE",
    "NUDGE",
    "PROGRAM",
    "REFERRAL",
    "STATUS_CHANGE",
]
