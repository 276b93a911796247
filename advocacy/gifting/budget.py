"""The program budget ledger: reserve, release, spend.

Each operation is one ledger row plus one (conditional) UPDATE of the program's cached totals,
in the caller's transaction, the UPDATE last: it locks the program's row until commit, and every
other send, swap or fulfilment of the program waits for that lock, so callers keep it as close
to their commit as they can. The UPDATE's condition (and a CHECK constraint behind it) makes
overspending impossible even when many requests race for the last of a budget: PostgreSQL
serializes them on the program row and re-checks the condition for each.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from advocacy.config import get_settings
from advocacy.gifting.models import BudgetEntry, BudgetEntryKind
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.programs.models import Program
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit, subscribed

PROGRAM = Program.__table__  # type: ignore[attr-defined]


async def _record(
    session: AsyncSession,
    organization_id: int,
    program_id: int,
    send_id: int,
    kind: BudgetEntryKind,
    amount: int,
) -> None:
    session.add(
        BudgetEntry(
            organization_id=organization_id,
            program_id=program_id,
            send_id=send_id,
            kind=kind,
            amount=amount,
        )
    )
    await session.flush()


async def reserve(
    session: AsyncSession, organization_id: int, program_id: int, send_id: int, amount: int
) -> None:
    """Set ``amount`` aside for a send, or fail with BUDGET_EXCEEDED.

    The ledger row goes first and the conditional UPDATE last: the UPDATE locks the program's
    row until the transaction ends, and every send to the program waits on that lock, so
    callers make it their last statement before committing (a failure rolls the row back)."""
    if amount > 0:
        await _record(
            session, organization_id, program_id, send_id, BudgetEntryKind.RESERVE, amount
        )
        # Asked before the UPDATE takes the program's lock, so the lock isn't held for it.
        listening = await subscribed(session, organization_id, EventType.BUDGET_LOW)
        reserved = (
            await session.execute(
                update(Program)
                .where(
                    col(Program.id) == program_id,
                    col(Program.budget_total)
                    - col(Program.budget_reserved)
                    - col(Program.budget_spent)
                    >= amount,
                )
                .values(budget_reserved=col(Program.budget_reserved) + amount)
                .returning(PROGRAM)
            )
        ).first()
        if reserved is None:
            raise DomainError(
                ErrorCode.BUDGET_EXCEEDED,
                "the program's remaining budget is too small",
                "programId",
            )
        if listening and _crossed_low_mark(reserved, amount):
            await emit(session, organization_id, EventType.BUDGET_LOW, payloads.budget(reserved))


def _crossed_low_mark(program: Any, amount: int) -> bool:
    """Did this reservation take the remaining budget below ``ADVOCACY_BUDGET_LOW_PERCENT``
    of the total? (Once per crossing, not on every send below it.)"""
    mark = program.budget_total * get_settings().budget_low_percent / 100
    remaining = program.budget_total - program.budget_reserved - program.budget_spent
    return remaining < mark <= remaining + amount


async def release(
    session: AsyncSession, organization_id: int, program_id: int, send_id: int, amount: int
) -> None:
    """Give a reservation back (cancelled, declined, expired, failed, or a cheaper swap)."""
    if amount > 0:
        await _record(
            session, organization_id, program_id, send_id, BudgetEntryKind.RELEASE, amount
        )
        await session.execute(
            update(Program)
            .where(col(Program.id) == program_id)
            .values(budget_reserved=col(Program.budget_reserved) - amount)
        )


async def spend(
    session: AsyncSession, organization_id: int, program_id: int, send_id: int, amount: int
) -> None:
    """Turn a reservation into spend (fulfilled)."""
    if amount > 0:
        await _record(session, organization_id, program_id, send_id, BudgetEntryKind.SPEND, amount)
        await session.execute(
            update(Program)
            .where(col(Program.id) == program_id)
            .values(
                budget_reserved=col(Program.budget_reserved) - amount,
                budget_spent=col(Program.budget_spent) + amount,
            )
        )
