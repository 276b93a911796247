"""Reads for engagement: nudges and asks, filtered, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from advocacy.engagement.models import Ask, AskStatus, Nudge, NudgeKind, NudgeOutcome

NUDGE = Nudge.__table__  # type: ignore[attr-defined]
ASK = Ask.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class NudgeFilter:
    advocate_id: int | None = None
    channels: tuple[NudgeKind, ...] | None = None
    outcomes: tuple[NudgeOutcome, ...] | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None


def nudges_query(organization_id: int, flt: NudgeFilter) -> Select[Any]:
    query = select(NUDGE).where(NUDGE.c.organization_id == organization_id)
    if flt.advocate_id is not None:
        query = query.where(NUDGE.c.advocate_id == flt.advocate_id)
    if flt.channels:
        query = query.where(NUDGE.c.channel.in_([str(c) for c in flt.channels]))
    if flt.outcomes:
        query = query.where(NUDGE.c.outcome.in_([str(o) for o in flt.outcomes]))
    if flt.created_after is not None:
        query = query.where(NUDGE.c.created_at >= flt.created_after)
    if flt.created_before is not None:
        query = query.where(NUDGE.c.created_at < flt.created_before)
    return query.order_by(NUDGE.c.id.desc())


@dataclass(frozen=True)
class AskFilter:
    advocate_id: int | None = None
    program_id: int | None = None
    statuses: tuple[AskStatus, ...] | None = None
    variant: str | None = None


def asks_query(organization_id: int, flt: AskFilter) -> Select[Any]:
    query = select(ASK).where(ASK.c.organization_id == organization_id)
    if flt.advocate_id is not None:
        query = query.where(ASK.c.advocate_id == flt.advocate_id)
    if flt.program_id is not None:
        query = query.where(ASK.c.program_id == flt.program_id)
    if flt.statuses:
        query = query.where(ASK.c.status.in_([str(s) for s in flt.statuses]))
    if flt.variant is not None:
        query = query.where(ASK.c.variant == flt.variant)
    return query.order_by(ASK.c.id.desc())
