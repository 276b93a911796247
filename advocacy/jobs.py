"""Broker setup. Redis when ``ADVOCACY_REDIS_URL`` is set; otherwise Dramatiq's in-memory
broker with an in-process worker thread, so the embedded setup runs everything in one process.

The database is the source of truth and a message is only a doorbell (DESIGN.md §2).
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker

from advocacy.config import get_settings

log = logging.getLogger("advocacy.jobs")

_broker: dramatiq.Broker | None = None


def get_broker() -> dramatiq.Broker:
    """The process's broker, created and installed as Dramatiq's global broker on first use."""
    global _broker
    if _broker is None:
        url = get_settings().redis_url
        if url:
            from dramatiq.brokers.redis import RedisBroker

            _broker = RedisBroker(url=url)
        else:
            _broker = StubBroker()
            _broker.emit_after("process_boot")
        dramatiq.set_broker(_broker)
    return _broker


def broker_is_embedded() -> bool:
    return isinstance(get_broker(), StubBroker)


def ping_broker() -> None:
    """Raise if the broker can't be reached (``/readyz``)."""
    broker: Any = get_broker()
    if isinstance(broker, StubBroker):
        return
    broker.client.ping()


def start_embedded_worker(threads: int = 2) -> dramatiq.Worker | None:
    """An in-process worker for the embedded broker; None when a real broker is configured
    (then ``advocacy worker`` processes do the work)."""
    broker = get_broker()
    if not isinstance(broker, StubBroker):
        return None
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    log.info("embedded worker started with %d threads", threads)
    return worker
