"""``advocacy scheduler``: enqueue the periodic jobs on a fixed interval.

It only rings doorbells: each periodic job is set-based and safe to run twice at once, so a
second scheduler (or a restart mid-cycle) does no harm, and a missed tick is caught up by the
next. In the embedded setup ``advocacy serve`` runs the same loop in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from advocacy.config import get_settings

log = logging.getLogger("advocacy.scheduler")


def enqueue_periodic_jobs() -> int:
    """Enqueue every periodic job once; returns how many."""
    from advocacy.engagement.jobs import PERIODIC as ENGAGEMENT
    from advocacy.gifting.jobs import PERIODIC as GIFTING
    from advocacy.referrals.jobs import PERIODIC as REFERRALS
    from advocacy.rules.jobs import PERIODIC as RULES
    from advocacy.webhooks.jobs import PERIODIC as WEBHOOKS

    periodic = (*GIFTING, *REFERRALS, *RULES, *ENGAGEMENT, *WEBHOOKS)
    for job in periodic:
        job.send()
    return len(periodic)


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
    """Run every periodic job once in this process with an in-process worker, and whatever
    they enqueue in turn (nudge emails, gift rules, fulfilment), until all queues are empty;
    returns how many periodic jobs ran. Needs the embedded broker: the caller makes sure no
    Redis URL is set, so nothing reaches workers elsewhere (whose clock may differ)."""
    import time

    from dramatiq.brokers.stub import StubBroker
    from dramatiq.errors import QueueJoinTimeout

    from advocacy import jobs

    broker = jobs.get_broker()
    if not isinstance(broker, StubBroker):
        raise RuntimeError("run_periodic_jobs_here needs the embedded broker")
    import advocacy.worker_entry  # noqa: F401  (every actor registered)

    worker = jobs.start_embedded_worker(threads=2)
    assert worker is not None
    try:
        count = enqueue_periodic_jobs()
        deadline = time.monotonic() + timeout_seconds
        while True:  # a job may enqueue more work on a queue already drained
            for queue in sorted(broker.get_declared_queues()):
                left_ms = int((deadline - time.monotonic()) * 1000)
                try:
                    if left_ms <= 0:
                        raise QueueJoinTimeout(queue)
                    broker.join(queue, timeout=left_ms, fail_fast=False)
                except QueueJoinTimeout:
                    log.warning("some jobs are still waiting (retries with backoff); leaving them")
                    return count
            worker.join()
            if not any(pending.unfinished_tasks for pending in broker.queues.values()):
                return count
    finally:
        worker.stop()
