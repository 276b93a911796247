"""Shared helpers for the engagement tests: an injectable clock (``now=``) and a few reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select, update

from advocacy.advocates.models import Advocate
from advocacy.engagement import lapses, nudges
from advocacy.engagement.models import Nudge
from advocacy.kit import jobs
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.kit.mail.models import OutboxEmail


@pytest.fixture(autouse=True)
def empty_broker() -> Iterator[None]:
    """The jobs here run over every organization in the shared test database; what they
    enqueue for other tests' advocates is dropped, not left for a later test's worker."""
    yield
    broker = jobs.get_broker()
    if isinstance(broker, StubBroker):
        broker.flush_all()


def noon(days_from_today: float = 0) -> dt.datetime:
    """A fixed time of day (12:00 UTC), so daytime windows don't depend on when tests run."""
    today = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    return today + dt.timedelta(days=days_from_today)


async def engaged_at(advocate_id: int, when: dt.datetime) -> None:
    async with unit_of_work() as session:
        await session.execute(
            update(Advocate)
            .where(Advocate.id == advocate_id)  # type: ignore[arg-type]
            .values(last_engaged_at=when)
        )


async def tick(now: dt.datetime) -> int:
    """What the scheduler does at ``now``: lapse, then claim the due nudges."""
    async with unit_of_work() as session:
        await lapses.detect_lapses(session, now)
    async with unit_of_work() as session:
        return await nudges.send_due_nudges(session, now)


async def nudges_of(advocate_id: int) -> list[Nudge]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(Nudge).where(Nudge.advocate_id == advocate_id).order_by(Nudge.id)  # type: ignore[arg-type]
        )
        return list(rows)


async def deliver_emails(advocate_id: int, now: dt.datetime | None = None) -> int:
    """Run the email job for this advocate's queued nudges (the worker would), at ``now``
    (default: today at noon)."""
    sent = 0
    for nudge in await nudges_of(advocate_id):
        async with unit_of_work() as session:
            sent += await nudges.send_nudge_email(session, nudge.id or 0, now or noon())
    return sent


async def outbox_of(address: str) -> list[OutboxEmail]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)  # type: ignore[arg-type]
        )
        return list(rows)
