"""Asks: inviting an ACTIVE advocate to do one specific thing, at the right moment.

A program's :class:`AskPolicy` says what to ask for and when: not before ``ask_after_days``
since the advocate joined or since their last result signal (an approved milestone, or a
marketer-set "results seen" date); ``max_tries`` emails ``retry_days`` apart; then it's
UNANSWERED and the next ask waits for a new signal. A marketer can ``scheduleAsk`` one now.
At most one ask is open per advocate (a partial unique index, so racing jobs can't open two);
a milestone of the asked kind answers it. An opt-out cancels it; a pause holds it.

Two message variants split advocates deterministically (a hash of program and advocate), so
the same advocate always sees the same variant and the response rate per variant means
something.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.engagement import emails
from advocacy.engagement.models import (
    OPEN_ASK_STATUSES,
    Ask,
    AskPolicy,
    AskSource,
    AskStatus,
    EngagementPolicy,
)
from advocacy.engagement.policy import policy_for_advocate
from advocacy.kit.db import UTCDateTime, utcnow
from advocacy.kit.dialect import dialect_name, greatest, insert_ignoring_conflicts
from advocacy.kit.jobs import enqueue_after_commit
from advocacy.kit.mail.notifier import deliver
from advocacy.programs.models import Program, ProgramStatus

BATCH = 500
RESEND_AFTER = dt.timedelta(minutes=5)
DEFAULT_RETRY_DAYS = 21
DEFAULT_MAX_TRIES = 2
ADVOCATE = Advocate.__table__  # type: ignore[attr-defined]
ASK = Ask.__table__  # type: ignore[attr-defined]
ASK_POLICY = AskPolicy.__table__  # type: ignore[attr-defined]
PROGRAM = Program.__table__  # type: ignore[attr-defined]
INSERTED_COLUMNS = (
    "organization_id",
    "program_id",
    "advocate_id",
    "kind",
    "variant",
    "status",
    "source",
    "tries",
    "due_at",
    "created_at",
)


def variant_for(program_id: int, advocate_id: int, has_variant_b: bool) -> str:
    """A or B, the same every time for this advocate in this program."""
    if not has_variant_b:
        return "A"
    digest = hashlib.sha256(f"ask-variant:{program_id}:{advocate_id}".encode()).digest()
    return "B" if digest[0] & 1 else "A"


def result_signal(dialect: str) -> Any:
    """The latest of joining, the last approved milestone and the marketer's "results seen"."""
    joined = ADVOCATE.c.created_at
    return greatest(
        dialect,
        joined,
        func.coalesce(ADVOCATE.c.last_engaged_at, joined),
        func.coalesce(ADVOCATE.c.results_seen_at, joined),
        type_=UTCDateTime(),
    )


async def open_policy_asks(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Schedule an ask (due now) for every advocate a policy says it is time to ask."""
    now = now or utcnow()
    dialect = dialect_name(session)
    policies = (
        await session.execute(
            select(ASK_POLICY)
            .join(PROGRAM, PROGRAM.c.id == ASK_POLICY.c.program_id)
            .where(ASK_POLICY.c.enabled.is_(True), PROGRAM.c.status == ProgramStatus.ACTIVE)
            .order_by(ASK_POLICY.c.program_id)
        )
    ).all()
    total = 0
    for policy in policies:
        org_policy = await policy_for_advocate(session, policy.organization_id, None)
        if org_policy.nudges_paused:
            continue
        signal = result_signal(dialect)
        other = ASK.alias("other")
        candidates = (
            select(
                ADVOCATE.c.organization_id,
                literal(policy.program_id).label("program_id"),
                ADVOCATE.c.id.label("advocate_id"),
                literal(str(policy.kind)).label("kind"),
                literal("A").label("variant"),
                literal(str(AskStatus.SCHEDULED)).label("status"),
                literal(str(AskSource.POLICY)).label("source"),
                literal(0).label("tries"),
                literal(now, UTCDateTime()).label("due_at"),
                literal(now, UTCDateTime()).label("created_at"),
            )
            .where(
                ADVOCATE.c.organization_id == policy.organization_id,
                ADVOCATE.c.status == AdvocateStatus.ACTIVE,
                ADVOCATE.c.nudges_opt_out.is_(False),
                ADVOCATE.c.nudges_paused.is_(False),
                signal <= literal(now - dt.timedelta(days=policy.ask_after_days), UTCDateTime()),
                ~exists().where(
                    other.c.advocate_id == ADVOCATE.c.id, other.c.status.in_(OPEN_ASK_STATUSES)
                ),
                ~exists().where(
                    other.c.advocate_id == ADVOCATE.c.id,
                    other.c.program_id == policy.program_id,
                    other.c.created_at >= signal,
                ),
            )
            .order_by(ADVOCATE.c.id)
            .limit(BATCH)
        )
        statement = insert_ignoring_conflicts(dialect, ASK).from_select(
            list(INSERTED_COLUMNS), candidates
        )
        result: Any = await session.execute(statement)
        total += max(result.rowcount or 0, 0)
    return total


@dataclass(frozen=True)
class AskWording:
    subject: str
    body: str
    retry_days: int
    max_tries: int
    has_variant_b: bool

    def template(self, policy: Any, variant: str) -> emails.Template:
        if variant == "B" and policy is not None and policy.variant_b_subject:
            return emails.Template(policy.variant_b_subject, policy.variant_b_body)
        return emails.Template(self.subject, self.body)


def _wording(policy: AskPolicy | None) -> AskWording:
    if policy is None:  # a marketer's ask in a program without a policy
        return AskWording(
            emails.DEFAULT_ASK.subject,
            emails.DEFAULT_ASK.body,
            DEFAULT_RETRY_DAYS,
            DEFAULT_MAX_TRIES,
            has_variant_b=False,
        )
    return AskWording(
        policy.variant_a_subject,
        policy.variant_a_body,
        policy.retry_days,
        policy.max_tries,
        has_variant_b=policy.variant_b_subject is not None,
    )


def _close(ask: Ask, status: AskStatus, reason: str, now: dt.datetime) -> None:
    ask.status = status
    ask.close_reason = reason
    ask.closed_at = now


def _why_not(ask: Ask, advocate: Advocate, policy: AskPolicy | None) -> str | None:
    """Why this ask must not go out at all (it is cancelled), or None."""
    if advocate.nudges_opt_out or advocate.status == AdvocateStatus.OPTED_OUT:
        return "OPTED_OUT"
    if ask.source == AskSource.POLICY:
        if advocate.status != AdvocateStatus.ACTIVE:
            return "NOT_ACTIVE"
        if policy is None or not policy.enabled:
            return "POLICY_DISABLED"
    return None


async def _claim_one(session: AsyncSession, ask: Ask, now: dt.datetime) -> bool:
    """Decide one due ask: cancel it, give up on it, move it to the advocate's next daytime,
    or claim its next email (``tries`` + 1, its sending rung after commit)."""
    advocate = await session.get_one(Advocate, ask.advocate_id)
    policy = await session.get(AskPolicy, ask.program_id)
    wording = _wording(policy)
    reason = _why_not(ask, advocate, policy)
    if reason is not None:
        _close(ask, AskStatus.CANCELLED, reason, now)
        return False
    if ask.status == AskStatus.OPEN and ask.tries >= wording.max_tries:
        _close(ask, AskStatus.UNANSWERED, "NO_RESPONSE", now)
        return False
    org_policy = await policy_for_advocate(session, advocate.organization_id, None)
    if not org_policy.is_daytime_for(advocate.timezone, now):
        ask.due_at = org_policy.next_daytime_for(advocate.timezone, now)
        return False
    if ask.tries == 0:
        assert advocate.id is not None
        ask.variant = variant_for(ask.program_id, advocate.id, wording.has_variant_b)
    ask.tries += 1
    ask.status = AskStatus.OPEN
    ask.rung_at = now
    ask.due_at = now + dt.timedelta(days=wording.retry_days)
    return True


async def claim_due_asks(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Claim the next email of every ask that is due (or close or defer it); how many were
    claimed. Their emails leave in ``engagement.send_ask_email`` after commit, one message
    each, so one bad address or a slow mail server costs one email, not the batch.

    Asks of paused advocates and organizations aren't due (they wait, and don't crowd out
    everyone else's); one outside its advocate's daytime moves to when that opens. The due
    asks are locked ``FOR UPDATE SKIP LOCKED``: a second job takes other asks, never the same.
    """
    from advocacy.engagement.jobs import send_ask_email

    now = now or utcnow()
    paused_org = (
        select(EngagementPolicy.organization_id)  # type: ignore[call-overload]
        .where(col(EngagementPolicy.nudges_paused).is_(True))
        .scalar_subquery()
    )
    due = await session.scalars(
        select(Ask)
        .join(Advocate, col(Advocate.id) == col(Ask.advocate_id))
        .where(
            col(Ask.status).in_(OPEN_ASK_STATUSES),
            col(Ask.due_at) <= now,
            col(Advocate.nudges_paused).is_(False),
            col(Ask.organization_id).not_in(paused_org),
        )
        .order_by(col(Ask.due_at), col(Ask.id))
        .limit(BATCH)
        .with_for_update(skip_locked=True, of=Ask)
    )
    claimed = [ask for ask in list(due) if await _claim_one(session, ask, now)]
    await session.flush()
    for ask in claimed:
        enqueue_after_commit(session, send_ask_email, ask_id=ask.id, attempt=ask.tries)
    return len(claimed)


async def ring_unsent_asks(session: AsyncSession, now: dt.datetime | None = None) -> list[int]:
    """Re-ring claimed asks whose email never left (a lost message, a late one outside the
    daytime window) once ``RESEND_AFTER`` has passed since the last ring."""
    from advocacy.engagement.jobs import send_ask_email

    now = now or utcnow()
    stale = (
        await session.execute(
            update(ASK)
            .where(
                ASK.c.id.in_(
                    select(ASK.c.id)
                    .where(
                        ASK.c.status == AskStatus.OPEN,
                        ASK.c.emailed_tries < ASK.c.tries,
                        ASK.c.rung_at < now - RESEND_AFTER,
                    )
                    .order_by(ASK.c.rung_at)
                    .limit(1000)
                    .scalar_subquery()
                )
            )
            .values(rung_at=now)
            .returning(ASK.c.id, ASK.c.tries)
        )
    ).all()
    for row in stale:
        enqueue_after_commit(session, send_ask_email, ask_id=row.id, attempt=row.tries)
    return [row.id for row in stale]


async def send_ask_email(
    session: AsyncSession, ask_id: int, attempt: int, now: dt.datetime | None = None
) -> bool:
    """Send try ``attempt`` of an ask exactly once (outbox; marked in the same transaction),
    unless the advocate opted out in the meantime (the ask is cancelled)."""
    ask = await session.get(Ask, ask_id, with_for_update=True)
    if (
        ask is None
        or ask.status != AskStatus.OPEN
        or ask.emailed_tries >= attempt
        or ask.tries < attempt
    ):
        return False
    advocate = await session.get_one(Advocate, ask.advocate_id)
    policy = await session.get(AskPolicy, ask.program_id)
    now = now or utcnow()
    if advocate.nudges_opt_out or advocate.status == AdvocateStatus.OPTED_OUT:
        _close(ask, AskStatus.CANCELLED, "OPTED_OUT", now)
        await session.flush()
        return False
    org_policy = await policy_for_advocate(session, advocate.organization_id, None)
    if advocate.nudges_paused or org_policy.nudges_paused:
        return False  # the sweep rings it again; it leaves once resumed
    if not org_policy.is_daytime_for(advocate.timezone, now):
        return False
    program = await session.get_one(Program, ask.program_id)
    email = await emails.compose(
        session,
        advocate,
        _wording(policy).template(policy, ask.variant),
        f"ask:{ask.id}:{attempt}",
        program=program,
        ask_kind=str(ask.kind),
    )
    await deliver(session, email)
    ask.emailed_tries = attempt
    ask.first_sent_at = ask.first_sent_at or now
    ask.last_sent_at = now
    await session.flush()
    return True


async def record_response(
    session: AsyncSession,
    advocate_id: int,
    program_id: int,
    kind: str,
    milestone_id: int,
    at: dt.datetime,
) -> None:
    """An approved milestone of the asked kind in the asking program answers the open ask (a
    rejected one doesn't, so the response rates count real results); an ask not sent yet is
    moot."""
    asked = (ASK.c.advocate_id == advocate_id, ASK.c.program_id == program_id, ASK.c.kind == kind)
    await session.execute(
        update(ASK)
        .where(*asked, ASK.c.status == AskStatus.OPEN)
        .values(
            status=AskStatus.RESPONDED,
            responded_at=at,
            response_milestone_id=milestone_id,
            closed_at=at,
            close_reason="RESPONDED",
        )
    )
    await session.execute(
        update(ASK)
        .where(*asked, ASK.c.status == AskStatus.SCHEDULED)
        .values(status=AskStatus.CANCELLED, closed_at=at, close_reason="DONE_BEFORE_ASKED")
    )


async def cancel_open_asks(
    session: AsyncSession, advocate_id: int, reason: str, now: dt.datetime | None = None
) -> None:
    await session.execute(
        update(ASK)
        .where(ASK.c.advocate_id == advocate_id, ASK.c.status.in_(OPEN_ASK_STATUSES))
        .values(status=AskStatus.CANCELLED, closed_at=now or utcnow(), close_reason=reason)
    )


@dataclass(frozen=True)
class VariantStats:
    variant: str
    sent: int
    responded: int

    @property
    def response_rate(self) -> float:
        return self.responded / self.sent if self.sent else 0.0


async def variant_stats(session: AsyncSession, program_id: int) -> list[VariantStats]:
    """Asks sent and answered per variant, for the program's A/B comparison."""
    rows = (
        await session.execute(
            select(
                ASK.c.variant,
                func.count(),
                func.sum(func.cast(ASK.c.status == AskStatus.RESPONDED, ASK.c.tries.type)),
            )
            .where(ASK.c.program_id == program_id, ASK.c.emailed_tries > 0)
            .group_by(ASK.c.variant)
        )
    ).all()
    found = {
        variant: VariantStats(variant, sent, int(responded or 0))
        for variant, sent, responded in rows
    }
    return [found.get(variant, VariantStats(variant, 0, 0)) for variant in ("A", "B")]
