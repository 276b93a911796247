"""The only writer of milestones: recording (idempotent by external id), approval, rejection.

State changes are single conditional UPDATEs (``WHERE status = 'SUBMITTED'``), so two
marketers approving the same milestone at once award its points exactly once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, literal, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import (
    Advocate,
    AdvocateStatus,
    Milestone,
    MilestoneStatus,
)
from advocacy.advocates.service import get_advocate
from advocacy.engagement import asks
from advocacy.engagement import service as engagement
from advocacy.kit.db import UTCDateTime, utcnow
from advocacy.kit.dialect import is_unique_violation
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.idempotency import earlier_result, fingerprint
from advocacy.kit.live import publish_after_commit
from advocacy.kit.validation import Checker
from advocacy.programs.models import MilestoneKind, Program, ProgramStatus
from advocacy.rules import jobs as rule_jobs
from advocacy.rules.models import RuleTrigger
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal, actor_of
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit

MAX_FUTURE_SKEW = dt.timedelta(days=1)


@dataclass
class NewMilestone:
    advocate_id: int
    program_id: int
    kind: MilestoneKind
    occurred_at: dt.datetime | None = None
    evidence_url: str | None = None
    note: str | None = None
    external_id: str | None = None


@dataclass
class RecordedMilestone:
    milestone: Milestone
    replayed: bool
    """True when the external id had been recorded before and the first result is returned."""


def _fingerprint(new: NewMilestone, occurred_at: dt.datetime | None) -> str:
    return fingerprint(
        {
            "advocate": new.advocate_id,
            "program": new.program_id,
            "kind": str(new.kind),
            "occurred_at": occurred_at.isoformat() if occurred_at else None,
            "evidence_url": new.evidence_url,
            "note": new.note,
        }
    )


async def _replay(
    session: AsyncSession, principal: Principal, external_id: str, digest: str
) -> RecordedMilestone | None:
    lookup = select(Milestone).where(
        Milestone.organization_id == principal.organization_id,
        Milestone.external_id == external_id,
    )
    earlier = await earlier_result(session, lookup, digest, field="externalId", what="milestone")
    return None if earlier is None else RecordedMilestone(earlier, replayed=True)


async def record_milestone(
    session: AsyncSession, principal: Principal, new: NewMilestone
) -> RecordedMilestone:
    principal.require(Role.MARKETER)
    check = Checker()
    evidence_url = check.url("evidenceUrl", new.evidence_url)
    note = check.text("note", new.note, max_length=2000, required=False)
    external_id = check.text("externalId", new.external_id, max_length=200, required=False)
    occurred_at = check.aware("occurredAt", new.occurred_at)
    if occurred_at is not None and occurred_at > utcnow() + MAX_FUTURE_SKEW:
        check.fail("occurredAt", ErrorCode.OUT_OF_RANGE, "occurredAt is in the future")
    check.done()
    new.evidence_url, new.note = evidence_url, note
    fingerprint = _fingerprint(new, occurred_at)

    if external_id is not None:
        replay = await _replay(session, principal, external_id, fingerprint)
        if replay is not None:
            return replay

    await get_advocate(session, principal, new.advocate_id, "advocateId")
    program_status = await session.scalar(
        select(Program.status).where(
            Program.id == new.program_id, Program.organization_id == principal.organization_id
        )
    )
    if program_status is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such program", "programId")
    if program_status == ProgramStatus.ENDED:
        raise DomainError(ErrorCode.INVALID_STATE, "the program has ended", "programId")

    milestone = Milestone(
        organization_id=principal.organization_id,
        advocate_id=new.advocate_id,
        program_id=new.program_id,
        kind=new.kind,
        status=MilestoneStatus.SUBMITTED,
        evidence_url=evidence_url,
        note=note,
        occurred_at=occurred_at or utcnow(),
        external_id=external_id,
        input_fingerprint=fingerprint if external_id else None,
    )
    try:
        async with session.begin_nested():
            session.add(milestone)
            await session.flush()
    except IntegrityError as error:
        # Another request recorded the same external id between our check and our insert.
        if external_id is None or not is_unique_violation(error):
            raise
        replay = await _replay(session, principal, external_id, fingerprint)
        if replay is None:
            raise
        return replay
    await emit(
        session,
        milestone.organization_id,
        EventType.MILESTONE_RECORDED,
        payloads.milestone(milestone),
    )
    publish_after_commit(
        session, milestone.organization_id, kind="milestone", programId=milestone.program_id
    )
    return RecordedMilestone(milestone, replayed=False)


async def _load_for_decision(
    session: AsyncSession, principal: Principal, milestone_id: int
) -> Milestone:
    milestone = await session.scalar(
        select(Milestone).where(
            Milestone.id == milestone_id, Milestone.organization_id == principal.organization_id
        )
    )
    if milestone is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such milestone", "id")
    return milestone


async def _decide(
    session: AsyncSession,
    milestone: Milestone,
    status: MilestoneStatus,
    points: int,
    note: str | None,
) -> dt.datetime:
    now = utcnow()
    moved = await session.execute(
        update(Milestone)
        .where(
            col(Milestone.id) == milestone.id, col(Milestone.status) == MilestoneStatus.SUBMITTED
        )
        .values(status=status, points=points, decided_at=now, decision_note=note)
        .returning(col(Milestone.id))
    )
    if moved.first() is None:
        await session.refresh(milestone)
        raise DomainError(
            ErrorCode.INVALID_STATE, f"the milestone is already {milestone.status}", "id"
        )
    return now


async def approve_milestone(
    session: AsyncSession, principal: Principal, milestone_id: int, note: str | None = None
) -> Milestone:
    """Award the program's points for the kind, mark the advocate engaged, revive a lapse."""
    principal.require(Role.MARKETER)
    check = Checker()
    clean_note = check.text("note", note, max_length=2000, required=False)
    check.done()
    milestone = await _load_for_decision(session, principal, milestone_id)
    points_table = await session.scalar(
        select(Program.points_per_kind).where(Program.id == milestone.program_id)
    )
    points = int((points_table or {}).get(str(milestone.kind), 0))
    await _decide(session, milestone, MilestoneStatus.APPROVED, points, clean_note)
    before = await session.scalar(
        select(Advocate.status).where(Advocate.id == milestone.advocate_id).with_for_update()
    )
    occurred = literal(milestone.occurred_at, type_=UTCDateTime())
    is_latest = or_(
        col(Advocate.last_engaged_at).is_(None), col(Advocate.last_engaged_at) <= occurred
    )
    await session.execute(
        update(Advocate)
        .where(col(Advocate.id) == milestone.advocate_id)
        .values(
            points=Advocate.points + points,
            last_engaged_at=case((is_latest, occurred), else_=Advocate.last_engaged_at),
            engaged_program_id=case(
                (is_latest, milestone.program_id), else_=Advocate.engaged_program_id
            ),
            status=case(
                (
                    col(Advocate.status).in_([AdvocateStatus.LAPSED, AdvocateStatus.INVITED]),
                    AdvocateStatus.ACTIVE,
                ),
                else_=Advocate.status,
            ),
            updated_at=utcnow(),
        )
    )
    await session.refresh(milestone)
    if before in (AdvocateStatus.LAPSED, AdvocateStatus.INVITED):
        await engagement.record_status_change(
            session,
            milestone.organization_id,
            milestone.advocate_id,
            before,
            AdvocateStatus.ACTIVE,
            "MILESTONE_APPROVED",
            actor_of(principal),
        )
    await emit(
        session,
        milestone.organization_id,
        EventType.MILESTONE_APPROVED,
        payloads.milestone(milestone),
    )
    publish_after_commit(
        session, milestone.organization_id, kind="milestone", programId=milestone.program_id
    )
    await asks.record_response(
        session,
        milestone.advocate_id,
        milestone.program_id,
        str(milestone.kind),
        milestone.id or 0,
        utcnow(),
    )
    await rule_jobs.record_event(
        session,
        milestone.organization_id,
        RuleTrigger.MILESTONE_APPROVED,
        milestone.advocate_id,
        f"milestone:{milestone.id}",
        str(milestone.kind),
    )
    return milestone


async def reject_milestone(
    session: AsyncSession, principal: Principal, milestone_id: int, reason: str | None = None
) -> Milestone:
    principal.require(Role.MARKETER)
    check = Checker()
    clean_reason = check.text("reason", reason, max_length=2000, required=False)
    check.done()
    milestone = await _load_for_decision(session, principal, milestone_id)
    await _decide(session, milestone, MilestoneStatus.REJECTED, 0, clean_reason)
    await session.refresh(milestone)
    await emit(
        session,
        milestone.organization_id,
        EventType.MILESTONE_REJECTED,
        payloads.milestone(milestone),
    )
    return milestone
