"""``advocacy scheduler``: enqueue the periodic jobs on a fixed interval.

It only rings doorbells: each periodic job is set-based and safe to run twice at once, so a
second scheduler (or a restart mid-cycle) does no harm, and a missed tick is caught up by the
next. In the embedded setup ``advocacy serve`` runs the same loop in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

import dramatiq

from advocacy.config import get_settings

if TYPE_CHECKING:
    from dramatiq.brokers.stub import StubBroker

log = logging.getLogger("advocacy.scheduler")


def periodic_chains() -> tuple[tuple[dramatiq.Actor[Any, Any], ...], ...]:
    """Every periodic job, in the one order they run in (the README's "Periodic jobs" says the
    same). Within a chain each job starts only once the one before it has finished, also on
    Redis workers: lapse detection, then the nudges it calls for, then asks, so an advocate who
    is due both to lapse and to be asked gets only the lapse treatment (asks go to ACTIVE
    advocates only). Chains are independent of each other: the scheduler lets workers run them
    side by side, ``run-periodic`` runs everything one job after the other in this order."""
    from advocacy.engagement import jobs as engagement
    from advocacy.gifting import jobs as gifting
    from advocacy.referrals import jobs as referrals
    from advocacy.rules import jobs as rules
    from advocacy.webhooks import jobs as webhooks

    return (
        (engagement.detect_lapses, engagement.send_nudges, engagement.send_asks),
        (rules.anniversaries, rules.sweep_events),
        (referrals.send_due_rewards,),
        (gifting.expire_offers, gifting.remind_offers),
        (gifting.sweep_stuck,),
        (gifting.reconcile_unknown_sends,),
        (gifting.purge_shipping,),
        (webhooks.sweep,),
    )


def periodic_jobs() -> tuple[dramatiq.Actor[Any, Any], ...]:
    """The periodic jobs in their run order, one after another."""
    return tuple(job for chain in periodic_chains() for job in chain)


def enqueue_periodic_jobs() -> int:
    """Enqueue every periodic job once, each chain as a pipeline (a job's successor is
    enqueued when it succeeds; one that fails for good stops its chain until the next tick);
    returns how many jobs."""
    count = 0
    for first, *rest in periodic_chains():
        if rest:
            following = [job.message_with_options(pipe_ignore=True) for job in rest]
            dramatiq.pipeline([first.message(), *following]).run()
        else:
            first.send()
        count += 1 + len(rest)
    return count


def enqueue_start_up_sweep() -> None:
    """For a process whose worker uses the in-memory broker, once when it starts: that broker
    starts empty, so the messages of sends redeemed and offers made while no worker of this
    process was running (by ``advocacy demo``, or before a restart) are gone. Ring them all
    now, whatever their age, instead of after the lease (``ADVOCACY_FULFIL_LEASE_SECONDS``).
    Safe beside other workers: the claim re-checks the lease and each move is conditional."""
    from advocacy.gifting.jobs import sweep_stuck

    sweep_stuck.send(lease_seconds=0)


async def run_scheduler(stop: asyncio.Event, interval: float | None = None) -> None:
    """Enqueue the periodic jobs now and then every ``interval`` seconds until ``stop``."""
    interval = interval or get_settings().scheduler_interval_seconds
    log.info("scheduler: periodic jobs every %.0f s", interval)
    while not stop.is_set():
        try:
            count = await asyncio.to_thread(enqueue_periodic_jobs)
            log.debug("scheduler: enqueued %d periodic job(s)", count)
        except Exception:  # the broker may be briefly down: try again next tick
            log.exception("scheduler: could not enqueue the periodic jobs")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def run_periodic_jobs_here(timeout_seconds: float = 120.0) -> int:
    """Run every periodic job once in this process with an in-process worker, one after the
    other in :func:`periodic_jobs` order, each with whatever it enqueued in turn (nudge
    emails, gift rules, fulfilment) before the next starts; returns how many periodic jobs
    ran. Needs the embedded broker: the caller makes sure no Redis URL is set, so nothing
    reaches workers elsewhere (whose clock may differ).

    Follow-up work that is still waiting after ``timeout_seconds`` (retries with backoff, a
    provider that is down) is left for the sweepers; the periodic jobs still run in order."""
    from dramatiq.brokers.stub import StubBroker

    from advocacy.kit import jobs

    broker = jobs.get_broker()
    if not isinstance(broker, StubBroker):
        raise RuntimeError("run_periodic_jobs_here needs the embedded broker")
    import advocacy.worker_entry  # noqa: F401  (every actor registered)

    worker = jobs.start_embedded_worker(threads=2)
    assert worker is not None
    deadline = time.monotonic() + timeout_seconds
    warned = False
    try:
        ordered = periodic_jobs()
        for job in ordered:
            job.send()
            # The job itself (and its retries) always finishes before the next one starts.
            _drain(broker, worker, {job.queue_name}, time.monotonic() + timeout_seconds)
            if not _drain(broker, worker, None, deadline) and not warned:
                log.warning("some jobs are still waiting (retries with backoff); leaving them")
                warned = True
        return len(ordered)
    finally:
        worker.stop()


def _drain(
    broker: StubBroker, worker: dramatiq.Worker, queues: set[str] | None, deadline: float
) -> bool:
    """Wait until ``queues`` (None: all) are empty, including what their jobs enqueued on
    them meanwhile; False if the deadline came first."""
    from dramatiq.common import dq_name
    from dramatiq.errors import QueueJoinTimeout

    while True:  # a job may enqueue more work on a queue already drained
        names = sorted(queues or broker.get_declared_queues())
        for queue in names:
            left_ms = int((deadline - time.monotonic()) * 1000)
            try:
                if left_ms <= 0:
                    raise QueueJoinTimeout(queue)
                broker.join(queue, timeout=left_ms, fail_fast=False)
            except QueueJoinTimeout:
                return False
        worker.join()
        waiting = (broker.queues.get(q) for name in names for q in (name, dq_name(name)))
        if not any(queue is not None and queue.unfinished_tasks for queue in waiting):
            return True
