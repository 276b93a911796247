"""A no-op job for the fulfilment benchmark's baseline: what a message costs Dramatiq alone.

Declared like the real jobs (``advocacy.kit.jobs.actor``: the same broker and middleware; not
transactional, as ``gifting.fulfil`` isn't). Its whole work is one Redis INCR of
``NOOP_COUNTER_KEY`` (and, for the first message after a reset, one SET of the time), so the
benchmark can tell when the first and the last message ran. Load it in a worker next to the
real actors, with the repository root on PYTHONPATH:
``dramatiq advocacy.worker_entry bench.noop_actor``.
"""

from __future__ import annotations

import time

import redis

from advocacy.config import get_settings
from advocacy.kit import jobs
from bench.config import NOOP_ACTOR, NOOP_COUNTER_KEY, NOOP_FIRST_KEY, NOOP_QUEUE

_url = get_settings().redis_url
if not _url:
    raise RuntimeError("bench.noop_actor runs in a Redis worker: set ADVOCACY_REDIS_URL")
_counter = redis.Redis.from_url(_url)


@jobs.actor(NOOP_ACTOR, queue=NOOP_QUEUE, max_retries=0, transactional=False)
async def noop(n: int) -> None:
    """Message number ``n``: count it done (the first one also notes the time)."""
    if _counter.incr(NOOP_COUNTER_KEY) == 1:
        _counter.set(NOOP_FIRST_KEY, repr(time.time()))
