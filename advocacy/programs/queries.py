"""Reads for programs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from advocacy.programs.models import Program, ProgramStatus

PROGRAM = Program.__table__  # type: ignore[attr-defined]


def programs_query(organization_id: int, statuses: Sequence[ProgramStatus] | None) -> Select[Any]:
    query = select(PROGRAM).where(PROGRAM.c.organization_id == organization_id)
    if statuses:
        query = query.where(PROGRAM.c.status.in_([str(s) for s in statuses]))
    return query.order_by(PROGRAM.c.created_at.desc(), PROGRAM.c.id.desc())
