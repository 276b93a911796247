"""Whose rows a KPI counts: an organization's, a program's, or a few advocates' (grouped by
advocate, so one statement serves a whole page of ``advocate.stats``).

A program's **advocates** are those it has touched: an advocate joins a program with their
first milestone in it (``occurred_at``), first gift sent from its budget, first ask it
scheduled, or first referral attributed to it (``signed_up_at``), whichever came first.
Tables with a ``program_id`` are filtered on it; rows that belong to an advocate but to no
program (referral clicks, nudges, status changes) count for a program from the moment their
advocate joined it: they are joined to the program's members (``members``: each table's
earliest touch per advocate, the milestones' read from the index on ``(organization_id,
program_id, advocate_id, occurred_at)`` alone). Every condition starts with the
organization, so no figure can reach another organization's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, ColumnElement, func, literal_column, select, union_all

from advocacy.analytics.tables import ADVOCATE, ASK, GIFT_SEND, MILESTONE, REFERRAL


@dataclass(frozen=True)
class Rows:
    """Where a statement reads an advocate's rows from, and on which conditions."""

    source: Any
    conditions: list[ColumnElement[bool]]


@dataclass(frozen=True)
class Scope:
    organization_id: int
    program_id: int | None = None
    advocate_ids: tuple[int, ...] | None = None
    """Per-advocate figures: each statement groups by advocate."""

    @property
    def per_advocate(self) -> bool:
        return self.advocate_ids is not None

    def key(self, advocate_column: Any) -> Any:
        """What the figures are grouped by: the advocate, or one constant group."""
        return advocate_column if self.per_advocate else literal_column("0")

    def of_program_rows(self, table: Any, advocate_column: Any) -> list[ColumnElement[bool]]:
        """Conditions for a table with ``organization_id`` and ``program_id``."""
        conditions = [table.c.organization_id == self.organization_id]
        if self.program_id is not None:
            conditions.append(table.c.program_id == self.program_id)
        if self.advocate_ids is not None:
            conditions.append(advocate_column.in_(self.advocate_ids))
        return conditions

    def of_advocate_rows(
        self, table: Any, advocate_column: Any, at: Any, members: CTE | None = None
    ) -> Rows:
        """``table``'s rows that belong to an advocate (``advocate_column``) at time ``at`` but
        to no program; for a program, those of its ``members`` after they joined."""
        conditions = [table.c.organization_id == self.organization_id]
        if self.advocate_ids is not None:
            conditions.append(advocate_column.in_(self.advocate_ids))
        if self.program_id is None:
            return Rows(table, conditions)
        assert members is not None, "a program's rows need its members"
        conditions.append(members.c.joined_at <= at)
        return Rows(table.join(members, members.c.advocate_id == advocate_column), conditions)

    def members(self, before: Any) -> CTE:
        """``(advocate_id, joined_at)`` of the advocates counted, joined before ``before``: every
        advocate of the organization (joined when created) or the program's advocates."""
        if self.program_id is None:
            return (
                select(ADVOCATE.c.id.label("advocate_id"), ADVOCATE.c.created_at.label("joined_at"))
                .where(
                    ADVOCATE.c.organization_id == self.organization_id,
                    ADVOCATE.c.created_at < before,
                )
                .cte("members")
            )
        touches = union_all(
            *(
                select(advocate.label("advocate_id"), func.min(at).label("at"))
                .where(
                    table.c.organization_id == self.organization_id,
                    table.c.program_id == self.program_id,
                    at < before,
                )
                .group_by(advocate)
                for table, advocate, at in (
                    (MILESTONE, MILESTONE.c.advocate_id, MILESTONE.c.occurred_at),
                    (GIFT_SEND, GIFT_SEND.c.advocate_id, GIFT_SEND.c.created_at),
                    (ASK, ASK.c.advocate_id, ASK.c.created_at),
                    (REFERRAL, REFERRAL.c.referrer_id, REFERRAL.c.signed_up_at),
                )
            )
        ).subquery("touches")
        return (
            select(touches.c.advocate_id, func.min(touches.c.at).label("joined_at"))
            .group_by(touches.c.advocate_id)
            .cte("members")
        )
