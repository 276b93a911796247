"""``advocacy run-periodic`` (``run_periodic_jobs_here``) runs the periodic jobs one after the
other in the documented order, lapse detection before asks: an advocate who is due both to
lapse and to be asked for a review gets only the lapse treatment in one run."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware
from sqlalchemy import update

from advocacy.advocates.models import Advocate
from advocacy.engagement import jobs as engagement_jobs
from advocacy.engagement.models import AskStatus
from advocacy.gifting import jobs as gifting_jobs
from advocacy.kit import jobs
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.referrals import jobs as referral_jobs
from advocacy.rules import jobs as rule_jobs
from advocacy.scheduler import periodic_chains, periodic_jobs, run_periodic_jobs_here
from advocacy.webhooks import jobs as webhook_jobs
from tests.conftest import Org
from tests.engagement.conftest import nudges_of, outbox_of
from tests.engagement.test_asks import asks_of, policy
from tests.engagement.test_nudges import configure
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate, make_program


class Recorder(Middleware):
    """Every message the worker starts and finishes, in the order it happens."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        with self.lock:
            self.events.append(("start", message.actor_name))

    def after_process_message(
        self, broker: dramatiq.Broker, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        with self.lock:
            self.events.append(("end", message.actor_name))


def test_the_order_names_every_periodic_job_once() -> None:
    declared = {
        *engagement_jobs.PERIODIC,
        *gifting_jobs.PERIODIC,
        *referral_jobs.PERIODIC,
        *rule_jobs.PERIODIC,
        *webhook_jobs.PERIODIC,
    }
    ordered = periodic_jobs()
    assert len(ordered) == len(set(ordered)) and set(ordered) == declared
    assert periodic_chains()[0] == (
        engagement_jobs.detect_lapses,
        engagement_jobs.send_nudges,
        engagement_jobs.send_asks,
    )


async def test_an_advocate_due_to_lapse_and_to_be_asked_gets_only_the_lapse_treatment(
    org: Org, marketer: Api, job_engine: None
) -> None:
    await configure(marketer, nudgeChannel="EMAIL", daytimeStartHour=0, daytimeEndHour=24)
    program = await make_program(org.id)
    await policy(marketer, program.id or 0, askAfterDays=30)
    advocate = await make_advocate(org.id)
    async with unit_of_work() as session:  # joined 100 days ago and not heard of since
        await session.execute(
            update(Advocate)
            .where(Advocate.id == advocate.id)  # type: ignore[arg-type]
            .values(created_at=utcnow() - dt.timedelta(days=100), last_engaged_at=None)
        )

    broker = jobs.get_broker()
    recorder = Recorder()
    broker.add_middleware(recorder)
    try:
        ran = await asyncio.to_thread(run_periodic_jobs_here)
    finally:
        broker.middleware.remove(recorder)

    names = [job.actor_name for job in periodic_jobs()]
    assert ran == len(names)
    events = recorder.events
    first_start = {name: events.index(("start", name)) for name in names}
    last_end = {name: max(i for i, e in enumerate(events) if e == ("end", name)) for name in names}
    assert sorted(names, key=first_start.__getitem__) == names
    for before, after in itertools.pairwise(names):
        if (before, after) != ("engagement.detect_lapses", "engagement.send_nudges"):
            assert last_end[before] < first_start[after], (before, after, events)
    # (detect_lapses rings send_nudges itself, once its lapses are committed)
    assert last_end["engagement.detect_lapses"] < first_start["engagement.send_asks"]

    async with unit_of_work() as session:
        assert (await session.get_one(Advocate, advocate.id)).status == "LAPSED"
    assert [nudge.channel for nudge in await nudges_of(advocate.id or 0)] == ["EMAIL"]
    asks = await asks_of(advocate.id or 0)
    assert all(ask.status not in (AskStatus.SCHEDULED, AskStatus.OPEN) for ask in asks), asks
    emails = [email.dedup_key for email in await outbox_of(advocate.email)]
    assert [key for key in emails if key.startswith("ask:")] == []
    assert [key for key in emails if key.startswith("nudge:")], emails


async def test_the_scheduler_chains_lapses_nudges_and_asks(job_engine: None) -> None:
    """What ``advocacy scheduler`` enqueues: workers run chains side by side, but within the
    engagement chain asks start only once lapse detection and nudges are done."""
    from dramatiq.brokers.stub import StubBroker

    from advocacy.scheduler import enqueue_periodic_jobs

    broker = jobs.get_broker()
    assert isinstance(broker, StubBroker)
    recorder = Recorder()
    broker.add_middleware(recorder)
    worker = jobs.start_embedded_worker(threads=4)
    assert worker is not None
    try:
        assert enqueue_periodic_jobs() == len(periodic_jobs())
        for _ in range(3):  # a chain's next job is enqueued as the one before finishes
            await asyncio.to_thread(broker.join, "periodic", timeout=60_000, fail_fast=False)
            await asyncio.to_thread(worker.join)
    finally:
        worker.stop()
        broker.middleware.remove(recorder)
    events = recorder.events
    ends = [i for i, e in enumerate(events) if e[0] == "end"]
    starts = [i for i, e in enumerate(events) if e[0] == "start"]
    for name in (job.actor_name for job in periodic_jobs()):
        assert ("end", name) in events, (name, events)
    for before, after in (("detect_lapses", "send_nudges"), ("send_nudges", "send_asks")):
        first_end = min(i for i in ends if events[i][1] == f"engagement.{before}")
        last_start = max(i for i in starts if events[i][1] == f"engagement.{after}")
        assert first_end < last_start
    last_lapse_end = max(i for i in ends if events[i][1] == "engagement.detect_lapses")
    first_ask = min(i for i in starts if events[i][1] == "engagement.send_asks")
    assert last_lapse_end < first_ask, events
