"""Random (seeded) history for one organization, written row by row, and kept in Python too.

The services stamp everything with the current time; KPIs need months of history, so the rows
are written directly, shaped as the services shape them: consistent status chains (each change
moves from the status the previous one left), nudges answering ACTIVE → LAPSED changes, gifts
with the events and ledger entries their lifecycle writes, at most one open ask per advocate.
The ``World`` the tests compare against is the very rows written, with the programs'
cached budget totals set to match the ledger.

The history is also left *at rest*, because other tests run the periodic jobs over every
organization: no advocate is due to lapse (engaged in the far future) or to be nudged or asked
(paused), no offer expires or waits for its email or a reminder, no gift waits for a worker,
no nudge email is unsent.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from advocacy.advocates.models import (
    Advocate,
    AdvocateStatus,
    Milestone,
    MilestoneStatus,
)
from advocacy.engagement.models import (
    AdvocateStatusChange,
    Ask,
    AskStatus,
    Nudge,
    NudgeKind,
    NudgeOutcome,
)
from advocacy.gifting.models import (
    BudgetEntry,
    BudgetEntryKind,
    GiftEvent,
    GiftItem,
    GiftItemKind,
    GiftSend,
    GiftSendStatus,
)
from advocacy.kit.db import unit_of_work
from advocacy.programs.models import MilestoneKind, Program
from advocacy.referrals.models import FraudReason, Referral, ReferralClick, ReferralStatus
from tests.fixtures.factories import make_program

T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
FAR = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
"""Out of reach of every periodic job: when the seeded advocates last engaged, offers expire."""
SPAN_DAYS = 120
CURRENCIES = ("USD", "EUR")


def at(rng: random.Random, start: dt.datetime = T0, days: float = SPAN_DAYS) -> dt.datetime:
    """A random instant in ``[start, start + days)``, to the microsecond."""
    return start + dt.timedelta(microseconds=rng.randrange(int(days * 86_400_000_000)))


@dataclass
class World:
    """Everything written, as the model objects (ids filled in)."""

    organization_id: int
    programs: dict[int, Any] = field(default_factory=dict)
    advocates: list[Advocate] = field(default_factory=list)
    changes: list[AdvocateStatusChange] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    clicks: list[ReferralClick] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    sends: list[GiftSend] = field(default_factory=list)
    events: list[GiftEvent] = field(default_factory=list)
    ledger: list[BudgetEntry] = field(default_factory=list)
    asks: list[Ask] = field(default_factory=list)
    nudges: list[Nudge] = field(default_factory=list)


async def _add(session: Any, rows: list[Any]) -> None:
    session.add_all(rows)
    await session.flush()


async def seed_world(organization_id: int, seed: int, size: int = 1) -> World:
    """A random history; ``size`` scales every row count."""
    rng = random.Random(seed)
    world = World(organization_id)
    for currency, budget in (("USD", 500_000), ("EUR", 300_000)):
        program = await make_program(organization_id, currency=currency, budget_total=budget)
        world.programs[program.id or 0] = program
    program_ids = sorted(world.programs)
    async with unit_of_work() as session:
        await _advocates(session, rng, world, 40 * size)
        await _milestones(session, rng, world, program_ids, 150 * size)
        await _referrals(session, rng, world, program_ids, 100 * size, 60 * size)
        await _gifts(session, rng, world, program_ids, 80 * size)
        await _asks(session, rng, world, program_ids, 50 * size)
        await _nudges(session, rng, world)
    return world


async def _advocates(session: Any, rng: random.Random, world: World, count: int) -> None:
    org = world.organization_id
    for _ in range(count):
        number = uuid.uuid4().hex[:12]
        created = at(rng, T0 - dt.timedelta(days=30), SPAN_DAYS)
        world.advocates.append(
            Advocate(
                organization_id=org,
                email=f"a{number}@example.com",
                name=f"Advocate {number}",
                referral_code=f"r{number}",
                status=rng.choice([AdvocateStatus.INVITED, AdvocateStatus.ACTIVE]),
                last_engaged_at=FAR,
                nudges_paused=True,
                created_at=created,
                updated_at=created,
            )
        )
    await _add(session, world.advocates)
    moves = {
        AdvocateStatus.INVITED: [AdvocateStatus.ACTIVE, AdvocateStatus.OPTED_OUT],
        AdvocateStatus.ACTIVE: [
            AdvocateStatus.LAPSED,
            AdvocateStatus.LAPSED,
            AdvocateStatus.OPTED_OUT,
        ],
        AdvocateStatus.LAPSED: [
            AdvocateStatus.ACTIVE,
            AdvocateStatus.ACTIVE,
            AdvocateStatus.OPTED_OUT,
        ],
        AdvocateStatus.OPTED_OUT: [AdvocateStatus.ACTIVE],
    }
    for advocate in world.advocates:
        status, when = AdvocateStatus(advocate.status), advocate.created_at
        for _ in range(rng.choice([0, 1, 2, 3, 4])):
            when = at(rng, when, 40)
            after = rng.choice(moves[status])
            world.changes.append(
                AdvocateStatusChange(
                    organization_id=world.organization_id,
                    advocate_id=advocate.id,
                    from_status=status,
                    to_status=after,
                    reason="TEST",
                    actor="system",
                    created_at=when,
                )
            )
            status = after
        advocate.status = status
    await _add(session, world.changes)


async def _milestones(
    session: Any, rng: random.Random, world: World, programs: list[int], count: int
) -> None:
    for _ in range(count):
        status = rng.choice(list(MilestoneStatus))
        world.milestones.append(
            Milestone(
                organization_id=world.organization_id,
                advocate_id=rng.choice(world.advocates).id,
                program_id=rng.choice(programs),
                kind=rng.choice(list(MilestoneKind)),
                status=status,
                points=rng.choice([10, 50, 75, 200]) if status == MilestoneStatus.APPROVED else 0,
                occurred_at=at(rng, T0 - dt.timedelta(days=10)),
            )
        )
    await _add(session, world.milestones)


async def _referrals(
    session: Any, rng: random.Random, world: World, programs: list[int], clicks: int, count: int
) -> None:
    org = world.organization_id
    for number in range(clicks):
        advocate = rng.choice(world.advocates)
        world.clicks.append(
            ReferralClick(
                organization_id=org,
                advocate_id=advocate.id,
                code=advocate.referral_code,
                visitor_hash=f"v{number}",
                created_at=at(rng),
            )
        )
    await _add(session, world.clicks)
    reasons = list(FraudReason)
    for number in range(count):
        referrer = rng.choice(world.advocates)
        status = rng.choice(list(ReferralStatus))
        signed_up = at(rng)
        converted = status in (ReferralStatus.CONVERTED, ReferralStatus.REVERSED) or (
            status == ReferralStatus.HELD and rng.random() < 0.3
        )
        flagged = status == ReferralStatus.REJECTED and rng.random() < 0.7
        world.referrals.append(
            Referral(
                organization_id=org,
                program_id=rng.choice(programs),
                referrer_id=referrer.id,
                code=referrer.referral_code,
                email=f"friend{number}-{uuid.uuid4().hex[:6]}@example.org",
                status=status,
                verdict="FLAGGED" if flagged else "CLEAN",
                reasons=sorted(rng.sample(reasons, rng.choice([1, 2]))) if flagged else [],
                signed_up_at=signed_up,
                converted_at=at(rng, signed_up, 30) if converted else None,
                conversion_value=rng.randrange(1_000, 90_000) if converted else None,
                currency=rng.choice(CURRENCIES) if converted else None,
                created_at=signed_up,
                updated_at=signed_up,
            )
        )
    await _add(session, world.referrals)


async def _gifts(
    session: Any, rng: random.Random, world: World, programs: list[int], count: int
) -> None:
    org = world.organization_id
    items = {}
    for currency in CURRENCIES:
        item = GiftItem(
            organization_id=org,
            name=f"Card {currency}",
            kind=GiftItemKind.GIFT_CARD,
            price=2_500,
            currency=currency,
        )
        items[currency] = item
    await _add(session, list(items.values()))
    for _ in range(count):
        program = world.programs[rng.choice(programs)]
        value = rng.choice([1_500, 2_500, 4_000])
        created = at(rng, T0 - dt.timedelta(days=5))
        send = GiftSend(
            organization_id=org,
            program_id=program.id,
            advocate_id=rng.choice(world.advocates).id,
            item_id=items[program.currency].id,
            original_item_id=items[program.currency].id,
            status=GiftSendStatus.OFFERED,
            link_token_hash=uuid.uuid4().hex,
            expires_at=FAR,
            offer_emailed_at=created,
            currency=program.currency,
            original_value=value,
            reserved_amount=value,
            created_at=created,
            updated_at=created,
        )
        world.sends.append(send)
    await _add(session, world.sends)
    for send in world.sends:
        _lifecycle(rng, world, send)
    await _add(session, world.events)
    await _add(session, world.ledger)
    await _cache_budgets(session, world)


async def _cache_budgets(session: Any, world: World) -> None:
    """The programs' reserved and spent totals, as the ledger has them (the services keep
    them so, and the jobs that release or spend budget rely on it)."""
    for pk in world.programs:
        entries = [e for e in world.ledger if e.program_id == pk]
        spent = sum(e.amount for e in entries if e.kind == BudgetEntryKind.SPEND)
        released = sum(e.amount for e in entries if e.kind == BudgetEntryKind.RELEASE)
        reserved = sum(e.amount for e in entries if e.kind == BudgetEntryKind.RESERVE)
        await session.execute(
            update(Program)
            .where(col(Program.id) == pk)
            .values(budget_reserved=reserved - released - spent, budget_spent=spent)
        )


def _lifecycle(rng: random.Random, world: World, send: GiftSend) -> None:
    """The events and ledger entries of one send, from creation to a random ending."""

    def event(kind: str, when: dt.datetime) -> None:
        world.events.append(
            GiftEvent(
                organization_id=send.organization_id,
                send_id=send.id,
                kind=kind,
                actor="test",
                created_at=when,
            )
        )

    def ledger(kind: BudgetEntryKind, when: dt.datetime) -> None:
        world.ledger.append(
            BudgetEntry(
                organization_id=send.organization_id,
                program_id=send.program_id,
                send_id=send.id,
                kind=kind,
                amount=send.reserved_amount,
                created_at=when,
            )
        )

    created = send.created_at
    ledger(BudgetEntryKind.RESERVE, created)
    if rng.random() < 0.2:
        event("PENDING_APPROVAL", created)
        if rng.random() < 0.35:
            send.status = rng.choice([GiftSendStatus.PENDING_APPROVAL, GiftSendStatus.CANCELLED])
            if send.status == GiftSendStatus.CANCELLED:
                event("CANCELLED", at(rng, created, 5))
                ledger(BudgetEntryKind.RELEASE, world.events[-1].created_at)
            return
        offered = at(rng, created, 6)
        event("APPROVED", offered)
    else:
        offered = created + dt.timedelta(microseconds=7)
        event("OFFERED", offered)
    when = offered
    if rng.random() < 0.3:
        when = at(rng, when, 3)
        event("SWAPPED", when)
    # No ending leaves a gift REDEEMED: the sweeper would hand it to a worker.
    ending = rng.choice(
        [
            "open",
            "fulfilled",
            "fulfilled",
            "fulfilled",
            "failed",
            "declined",
            "expired",
            "cancelled",
        ]
    )
    when = at(rng, when, 12)
    if ending in ("fulfilled", "failed"):
        send.redeemed_at = when
        event("DONATED" if rng.random() < 0.2 else "REDEEMED", when)
        when = at(rng, when, 4)
        send.status = GiftSendStatus(ending.upper())
        event(ending.upper(), when)
        ledger(BudgetEntryKind.SPEND if ending == "fulfilled" else BudgetEntryKind.RELEASE, when)
    elif ending != "open":
        send.status = GiftSendStatus(ending.upper())
        event(ending.upper(), when)
        ledger(BudgetEntryKind.RELEASE, when)


async def _asks(
    session: Any, rng: random.Random, world: World, programs: list[int], count: int
) -> None:
    open_for: set[int] = set()
    for _ in range(count):
        advocate = rng.choice(world.advocates)
        status = rng.choice(list(AskStatus))
        if status in (AskStatus.SCHEDULED, AskStatus.OPEN):
            if advocate.id in open_for:
                status = AskStatus.UNANSWERED
            open_for.add(advocate.id or 0)
        created = at(rng, T0 - dt.timedelta(days=5))
        sent = status != AskStatus.SCHEDULED and rng.random() < 0.9
        world.asks.append(
            Ask(
                organization_id=world.organization_id,
                program_id=rng.choice(programs),
                advocate_id=advocate.id,
                kind=MilestoneKind.REVIEW,
                variant=rng.choice("AB"),
                status=status,
                tries=1 if sent else 0,
                emailed_tries=1 if sent else 0,
                due_at=created,
                first_sent_at=at(rng, created, 10) if sent else None,
                created_at=created,
            )
        )
    await _add(session, world.asks)


async def _nudges(session: Any, rng: random.Random, world: World) -> None:
    lapses = [c for c in world.changes if c.to_status == AdvocateStatus.LAPSED]
    for lapse in lapses:
        count = rng.choice([0, 1, 1, 2, 3])
        when = lapse.created_at
        for sequence in range(1, count + 1):
            when = at(rng, when, 20)
            last = sequence == count
            outcome = (
                rng.choice([NudgeOutcome.OPEN, NudgeOutcome.RE_ENGAGED, NudgeOutcome.CANCELLED])
                if last
                else NudgeOutcome.UNANSWERED
            )
            sent = outcome != NudgeOutcome.CANCELLED  # an unsent OPEN one would be re-sent
            world.nudges.append(
                Nudge(
                    organization_id=world.organization_id,
                    advocate_id=lapse.advocate_id,
                    lapse_id=lapse.id,
                    sequence=sequence,
                    channel=rng.choice(list(NudgeKind)),
                    outcome=outcome,
                    created_at=when,
                    rung_at=when,
                    sent_at=when if sent else None,
                    re_engaged_at=at(rng, when, 5) if outcome == NudgeOutcome.RE_ENGAGED else None,
                )
            )
    await _add(session, world.nudges)
