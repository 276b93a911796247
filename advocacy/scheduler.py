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

    periodic = (*GIFTING, *REFERRALS, *RULES, *ENGAGEMENT)
    for job in periodic:
        job.send()
    return len(periodic)


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
