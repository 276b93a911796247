"""Nudges: what a lapsed advocate gets, and when.

For every lapse (an ACTIVE → LAPSED row in ``advocate_status_change``) the policy in force
decides the channel — re-engagement emails, one surprise gift through the organization's
ADVOCATE_LAPSED gift rules, a gift then emails, or nothing — and the cadence: at most
``max_nudges`` per lapse, ``cooldown_days`` apart, none after ``give_up_after_days`` of
silence, none to advocates who opted out or are paused, and only inside the daytime window
of the advocate's own timezone.

The periodic job selects the due advocates set-based, one policy group at a time, and claims
each nudge by inserting ``(lapse, sequence)`` — unique — so a second job running at the same
time inserts nothing and sends nothing. Emails leave in their own job after commit
(``engagement.send_nudge_email``), marked sent in the same transaction as the outbox write.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.engagement import emails
from advocacy.engagement.lapses import last_seen
from advocacy.engagement.models import (
    AdvocateStatusChange,
    Nudge,
    NudgeChannel,
    NudgeKind,
    NudgeOutcome,
)
from advocacy.engagement.policy import Policy, PolicyGroup, policy_for_advocate, policy_groups
from advocacy.kit.db import UTCDateTime, utcnow
from advocacy.kit.dialect import dialect_name, insert_ignoring_conflicts
from advocacy.kit.jobs import enqueue_after_commit
from advocacy.kit.mail.notifier import deliver
from advocacy.rules.models import GiftRule, RuleEvent, RuleStatus, RuleTrigger

PAGE = 1000
RESEND_AFTER = dt.timedelta(minutes=5)
ADVOCATE = Advocate.__table__  # type: ignore[attr-defined]
CHANGE = AdvocateStatusChange.__table__  # type: ignore[attr-defined]
NUDGE = Nudge.__table__  # type: ignore[attr-defined]
RULE_EVENT = RuleEvent.__table__  # type: ignore[attr-defined]
RULE = GiftRule.__table__  # type: ignore[attr-defined]


def _latest_lapse() -> Any:
    """The advocate's latest ACTIVE → LAPSED change. Correlated explicitly: nested inside the
    nudge counts, auto-correlation would pick no enclosing advocate and compare every advocate
    against the latest lapse of anyone."""
    return (
        select(func.max(CHANGE.c.id))
        .where(CHANGE.c.advocate_id == ADVOCATE.c.id, CHANGE.c.to_status == AdvocateStatus.LAPSED)
        .correlate(ADVOCATE)
        .scalar_subquery()
    )


def _due(group: PolicyGroup, limit: int, now: dt.datetime, after_id: int) -> Any:
    """Lapsed advocates of ``group`` owed their next nudge (all but the daytime check)."""
    policy = group.policy
    lapse = _latest_lapse().label("lapse_id")
    lapse_ref = _latest_lapse()
    counted = and_(NUDGE.c.lapse_id == lapse_ref, NUDGE.c.outcome != NudgeOutcome.CANCELLED)
    # A nudge cancelled before it left (a pause, a return) neither counts nor starts a cooldown.
    sent = select(func.count()).select_from(NUDGE).where(counted).scalar_subquery()
    last_at = select(func.max(NUDGE.c.created_at)).where(counted).scalar_subquery()
    next_sequence = (
        select(func.coalesce(func.max(NUDGE.c.sequence), 0) + 1)
        .where(NUDGE.c.lapse_id == lapse_ref)
        .scalar_subquery()
    )
    cooldown_cutoff = literal(now - dt.timedelta(days=policy.cooldown_days), UTCDateTime())
    give_up_cutoff = now - dt.timedelta(days=policy.give_up_after_days)
    conditions: list[ColumnElement[bool]] = [
        group.where,
        ADVOCATE.c.status == AdvocateStatus.LAPSED,
        ADVOCATE.c.nudges_opt_out.is_(False),
        ADVOCATE.c.nudges_paused.is_(False),
        ADVOCATE.c.id > after_id,
        last_seen() >= give_up_cutoff,
        sent < limit,
        func.coalesce(last_at, literal(dt.datetime(1970, 1, 1, tzinfo=dt.UTC), UTCDateTime()))
        <= cooldown_cutoff,
    ]
    return (
        select(
            ADVOCATE.c.id,
            ADVOCATE.c.organization_id,
            ADVOCATE.c.timezone,
            lapse,
            sent.label("sent"),
            next_sequence.label("next_sequence"),
        )
        .where(and_(*conditions))
        .order_by(ADVOCATE.c.id)
        .limit(PAGE)
    )


async def _has_lapse_rule(session: AsyncSession, organization_id: int | None) -> bool:
    if organization_id is None:
        return False
    found = await session.scalar(
        select(RULE.c.id)
        .where(
            RULE.c.organization_id == organization_id,
            RULE.c.trigger == RuleTrigger.ADVOCATE_LAPSED,
            RULE.c.status == RuleStatus.ACTIVE,
        )
        .limit(1)
    )
    return found is not None


def _channel_of(policy: Policy, number: int, has_rule: bool) -> NudgeKind:
    """The channel of the lapse's ``number``-th nudge (cancelled ones don't count)."""
    if (
        number == 1
        and has_rule
        and policy.nudge_channel
        in (
            NudgeChannel.GIFT,
            NudgeChannel.GIFT_THEN_EMAIL,
        )
    ):
        return NudgeKind.GIFT
    return NudgeKind.EMAIL


async def _claim(session: AsyncSession, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert the nudges; the ones another job claimed first are skipped."""
    if not rows:
        return []
    statement = insert_ignoring_conflicts(dialect_name(session), NUDGE).returning(
        NUDGE.c.id, NUDGE.c.organization_id, NUDGE.c.advocate_id, NUDGE.c.lapse_id, NUDGE.c.channel
    )
    return list((await session.execute(statement, rows)).all())


async def _ring_gift_rules(session: AsyncSession, claimed: list[Any], now: dt.datetime) -> None:
    from advocacy.rules.jobs import evaluate

    gifts = [row for row in claimed if row.channel == NudgeKind.GIFT]
    if not gifts:
        return
    events = (
        await session.execute(
            insert(RULE_EVENT).returning(RULE_EVENT.c.id),
            [
                {
                    "organization_id": row.organization_id,
                    "trigger": RuleTrigger.ADVOCATE_LAPSED,
                    "advocate_id": row.advocate_id,
                    "event_key": f"lapse:{row.advocate_id}:{row.lapse_id}",
                    "created_at": now,
                }
                for row in gifts
            ],
        )
    ).all()
    for row, (event_id,) in zip(gifts, events, strict=True):
        await session.execute(
            update(NUDGE).where(NUDGE.c.id == row.id).values(rule_event_id=event_id, sent_at=now)
        )
        enqueue_after_commit(session, evaluate, event_id=event_id)


async def _nudge_group(session: AsyncSession, group: PolicyGroup, now: dt.datetime) -> int:
    policy = group.policy
    if policy.nudges_paused or policy.nudge_channel == NudgeChannel.NONE or not policy.max_nudges:
        return 0
    has_rule = policy.nudge_channel != NudgeChannel.EMAIL and await _has_lapse_rule(
        session, group.organization_id
    )
    if policy.nudge_channel == NudgeChannel.GIFT and not has_rule:
        return 0  # a gift policy without a gift rule has nothing to send
    limit = 1 if policy.nudge_channel == NudgeChannel.GIFT else policy.max_nudges
    from advocacy.engagement.jobs import send_nudge_email

    total, after_id = 0, 0
    while True:
        page = (await session.execute(_due(group, limit, now, after_id))).all()
        if not page:
            return total
        after_id = page[-1].id
        rows = [
            {
                "organization_id": row.organization_id,
                "advocate_id": row.id,
                "lapse_id": row.lapse_id,
                "sequence": row.next_sequence,
                "channel": _channel_of(policy, row.sent + 1, has_rule),
                "reason": "LAPSED",
                "outcome": NudgeOutcome.OPEN,
                "created_at": now,
                "rung_at": now,
            }
            for row in page
            if row.lapse_id is not None and policy.is_daytime_for(row.timezone, now)
        ]
        claimed = await _claim(session, rows)
        if claimed:
            await session.execute(
                update(NUDGE)
                .where(
                    NUDGE.c.lapse_id.in_([row.lapse_id for row in claimed]),
                    NUDGE.c.outcome == NudgeOutcome.OPEN,
                    NUDGE.c.id.not_in([row.id for row in claimed]),
                )
                .values(outcome=NudgeOutcome.UNANSWERED)
            )
            await _ring_gift_rules(session, claimed, now)
            for row in claimed:
                if row.channel == NudgeKind.EMAIL:
                    enqueue_after_commit(session, send_nudge_email, nudge_id=row.id)
        total += len(claimed)
        if len(page) < PAGE:
            return total


async def send_due_nudges(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Claim every nudge that is due now; how many. Their emails leave after commit."""
    now = now or utcnow()
    total = 0
    for group in await policy_groups(session):
        total += await _nudge_group(session, group, now)
    return total


async def ring_unsent_email_nudges(
    session: AsyncSession, now: dt.datetime | None = None
) -> list[int]:
    """Email nudges whose email job was rung a while ago and never sent them (a lost message,
    or an advocate outside their daytime when it ran): marked rung now, to be enqueued after
    commit. A queue that is merely slow gets one more message per ``RESEND_AFTER``, not one
    per tick, and a duplicate message finds the nudge sent and does nothing."""
    now = now or utcnow()
    stale = (
        await session.execute(
            update(NUDGE)
            .where(
                NUDGE.c.id.in_(
                    select(NUDGE.c.id)
                    .where(
                        NUDGE.c.sent_at.is_(None),
                        NUDGE.c.outcome == NudgeOutcome.OPEN,
                        NUDGE.c.channel == NudgeKind.EMAIL,
                        NUDGE.c.rung_at < now - RESEND_AFTER,
                    )
                    .order_by(NUDGE.c.rung_at)
                    .limit(1000)
                    .scalar_subquery()
                )
            )
            .values(rung_at=now)
            .returning(NUDGE.c.id)
        )
    ).all()
    return [row.id for row in stale]


async def send_nudge_email(
    session: AsyncSession, nudge_id: int, now: dt.datetime | None = None
) -> bool:
    """Send one claimed email nudge, exactly once (outbox) — or cancel it when the advocate
    opted out, was paused or came back in the meantime."""
    nudge = await session.get(Nudge, nudge_id, with_for_update=True)
    if nudge is None or nudge.sent_at is not None or nudge.outcome != NudgeOutcome.OPEN:
        return False
    advocate = await session.get_one(Advocate, nudge.advocate_id)
    policy = await policy_for_advocate(
        session, advocate.organization_id, advocate.engaged_program_id
    )
    if (
        advocate.nudges_opt_out
        or advocate.nudges_paused
        or policy.nudges_paused
        or advocate.status != AdvocateStatus.LAPSED
    ):
        nudge.outcome = NudgeOutcome.CANCELLED
        await session.flush()
        return False
    now = now or utcnow()
    if not policy.is_daytime_for(advocate.timezone, now):
        return False  # a late message: the sweep rings it again, inside the window
    template = await emails.nudge_template(session, advocate.organization_id)
    email = await emails.compose(session, advocate, template, f"nudge:{nudge.id}")
    await deliver(session, email)
    nudge.sent_at = now
    await session.flush()
    return True
