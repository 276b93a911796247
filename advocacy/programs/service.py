"""The only writer of programs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.updates import UNCHANGED, Unchanged
from advocacy.kit.validation import Checker
from advocacy.programs.models import MilestoneKind, Program, ProgramStatus, default_points
from advocacy.tenancy.models import Role
from advocacy.tenancy.owned import get_owned
from advocacy.tenancy.principal import Principal

MAX_POINTS_PER_MILESTONE = 100_000
MAX_KPI_TARGETS = 20

# Which status a program may move to from each status. ENDED is final.
ALLOWED_STATUS_CHANGES: dict[ProgramStatus, frozenset[ProgramStatus]] = {
    ProgramStatus.DRAFT: frozenset({ProgramStatus.ACTIVE, ProgramStatus.ENDED}),
    ProgramStatus.ACTIVE: frozenset({ProgramStatus.PAUSED, ProgramStatus.ENDED}),
    ProgramStatus.PAUSED: frozenset({ProgramStatus.ACTIVE, ProgramStatus.ENDED}),
    ProgramStatus.ENDED: frozenset(),
}


@dataclass
class ProgramChanges:
    """Fields of ``updateProgram``; ``UNCHANGED`` leaves a field as it is."""

    name: str | Unchanged | None = UNCHANGED
    description: str | Unchanged | None = UNCHANGED
    goal: str | Unchanged | None = UNCHANGED
    status: ProgramStatus | Unchanged | None = UNCHANGED
    budget_total: int | Unchanged | None = UNCHANGED
    currency: str | Unchanged | None = UNCHANGED
    starts_on: dt.date | Unchanged | None = UNCHANGED
    ends_on: dt.date | Unchanged | None = UNCHANGED
    points_per_kind: PointsInput | Unchanged | None = UNCHANGED
    kpi_targets: KpisInput | Unchanged | None = UNCHANGED


@dataclass
class NewProgram:
    name: str
    currency: str
    budget_total: int = 0
    description: str | None = None
    goal: str | None = None
    status: ProgramStatus = ProgramStatus.DRAFT
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    points_per_kind: PointsInput = field(default_factory=dict)
    kpi_targets: KpisInput = field(default_factory=dict)


PointsInput = Mapping[MilestoneKind, int] | Sequence[tuple[MilestoneKind, int]]
KpisInput = Mapping[str, int] | Sequence[tuple[str, int]]


def _entries(values: Mapping[Any, int] | Sequence[tuple[Any, int]]) -> list[tuple[Any, int]]:
    """Entries in input order, so an error can name the position (``pointsPerKind.1.points``)."""
    return list(values.items()) if isinstance(values, Mapping) else list(values)


def _check_points(check: Checker, points: PointsInput) -> dict[str, int]:
    """The points the caller set, by kind; the caller merges them over the defaults."""
    checked: dict[str, int] = {}
    for index, (kind, value) in enumerate(_entries(points)):
        if str(kind) in checked:
            check.fail(
                f"pointsPerKind.{index}.kind", ErrorCode.ALREADY_EXISTS, f"{kind} is listed twice"
            )
            continue
        clean = check.int_range(
            f"pointsPerKind.{index}.points", value, low=0, high=MAX_POINTS_PER_MILESTONE
        )
        if clean is not None:
            checked[str(kind)] = clean
    return checked


def _check_kpis(check: Checker, targets: KpisInput) -> dict[str, int]:
    entries = _entries(targets)
    if len(entries) > MAX_KPI_TARGETS:
        check.fail(
            "kpiTargets", ErrorCode.TOO_MANY, f"kpiTargets may hold at most {MAX_KPI_TARGETS}"
        )
        return {}
    clean: dict[str, int] = {}
    for index, (name, target) in enumerate(entries):
        key = check.text(f"kpiTargets.{index}.name", name, max_length=60)
        value = check.int_range(f"kpiTargets.{index}.target", target, low=0, high=10**12)
        if key is not None and key in clean:
            check.fail(
                f"kpiTargets.{index}.name", ErrorCode.ALREADY_EXISTS, f"{key} is listed twice"
            )
        elif key is not None and value is not None:
            clean[key] = value
    return clean


def _check_dates(check: Checker, starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        check.fail("endsOn", ErrorCode.OUT_OF_RANGE, "endsOn must not be before startsOn")


async def _ensure_name_free(
    session: AsyncSession, organization_id: int, name: str, except_id: int | None = None
) -> None:
    query = select(Program.id).where(
        Program.organization_id == organization_id, Program.name == name
    )
    if except_id is not None:
        query = query.where(Program.id != except_id)
    if await session.scalar(query) is not None:
        raise DomainError(ErrorCode.ALREADY_EXISTS, f"a program named {name!r} exists", "name")


async def create_program(session: AsyncSession, principal: Principal, new: NewProgram) -> Program:
    principal.require(Role.MARKETER)
    check = Checker()
    name = check.text("name", new.name, max_length=200)
    description = check.text("description", new.description, max_length=5000, required=False)
    goal = check.text("goal", new.goal, max_length=2000, required=False)
    currency = check.currency("currency", new.currency)
    budget = check.amount("budgetTotal", new.budget_total)
    if new.status not in (ProgramStatus.DRAFT, ProgramStatus.ACTIVE):
        check.fail("status", ErrorCode.INVALID, "a new program starts as DRAFT or ACTIVE")
    _check_dates(check, new.starts_on, new.ends_on)
    points = default_points() | _check_points(check, new.points_per_kind)
    kpis = _check_kpis(check, new.kpi_targets)
    check.done()
    assert name is not None and currency is not None and budget is not None
    await _ensure_name_free(session, principal.organization_id, name)
    program = Program(
        organization_id=principal.organization_id,
        name=name,
        description=description,
        goal=goal,
        status=new.status,
        budget_total=budget,
        currency=currency,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        points_per_kind=points,
        kpi_targets=kpis,
    )
    session.add(program)
    await session.flush()
    return program


async def get_program_for_update(
    session: AsyncSession, principal: Principal, program_id: int, field_name: str = "id"
) -> Program:
    return await get_owned(
        session, principal, Program, program_id, field_name, "program", for_update=True
    )


async def update_program(
    session: AsyncSession, principal: Principal, program_id: int, changes: ProgramChanges
) -> Program:
    principal.require(Role.MARKETER)
    program = await get_program_for_update(session, principal, program_id)
    check = Checker()
    updates: dict[str, object] = {}
    if changes.name is not UNCHANGED:
        updates["name"] = check.text("name", changes.name, max_length=200)
    if changes.description is not UNCHANGED:
        updates["description"] = check.text(
            "description", changes.description, max_length=5000, required=False
        )
    if changes.goal is not UNCHANGED:
        updates["goal"] = check.text("goal", changes.goal, max_length=2000, required=False)
    if changes.budget_total is not UNCHANGED:
        total = check.amount("budgetTotal", changes.budget_total)
        committed = program.budget_reserved + program.budget_spent
        if total is not None and total < committed:
            check.fail(
                "budgetTotal",
                ErrorCode.OUT_OF_RANGE,
                f"budgetTotal can't be below what is already reserved or spent ({committed})",
            )
        updates["budget_total"] = total
    if changes.currency is not UNCHANGED:
        currency = check.currency("currency", changes.currency)
        if currency and currency != program.currency and program.status != ProgramStatus.DRAFT:
            check.fail("currency", ErrorCode.INVALID_STATE, "currency can change only while DRAFT")
        updates["currency"] = currency
    if changes.status is not UNCHANGED:
        status = check.not_null("status", changes.status)
        if (
            status is not None
            and status != program.status
            and status not in ALLOWED_STATUS_CHANGES[program.status]
        ):
            check.fail(
                "status",
                ErrorCode.INVALID_STATE,
                f"a {program.status} program can't become {status}",
            )
        updates["status"] = status
    starts_on = program.starts_on if changes.starts_on is UNCHANGED else changes.starts_on
    ends_on = program.ends_on if changes.ends_on is UNCHANGED else changes.ends_on
    _check_dates(check, starts_on, ends_on)
    updates["starts_on"], updates["ends_on"] = starts_on, ends_on
    if changes.points_per_kind is not UNCHANGED:
        # Only the kinds the caller names change; the others keep the program's values.
        updates["points_per_kind"] = program.points_per_kind | _check_points(
            check, changes.points_per_kind or {}
        )
    if changes.kpi_targets is not UNCHANGED:
        updates["kpi_targets"] = _check_kpis(check, changes.kpi_targets or {})
    check.done()
    if "name" in updates:
        await _ensure_name_free(
            session, principal.organization_id, str(updates["name"]), program.id
        )
    for key, value in updates.items():
        setattr(program, key, value)
    program.updated_at = utcnow()
    await session.flush()
    return program
