"""The demo organization `make run` seeds (``advocacy demo``): ``seed`` builds it in one unit of
work, ``history`` plays its last 90 days, ``run_demo`` does both and fulfils what the history
accepted. Idempotent: a second run changes nothing and prints the same token and link."""

from __future__ import annotations

from advocacy.demo.data import DEMO_SLUG
from advocacy.demo.history import fulfil_backdated, waiting_redemptions
from advocacy.demo.seed import DemoResult, demo_token_secret, seed_demo
from advocacy.kit.db import unit_of_work

__all__ = ["DemoResult", "demo_token_secret", "run_demo", "seed_demo"]


async def run_demo(slug: str = DEMO_SLUG) -> DemoResult:
    """Seed (committed), then fulfil the gifts the history accepted, at the times it did (and
    any a stopped run left waiting). The gifts accepted today are left to the worker, as they
    would be in production: the server's in-process worker takes them when it starts
    (``scheduler.enqueue_start_up_sweep``)."""
    async with unit_of_work() as session:
        result = await seed_demo(session, slug)
    async with unit_of_work() as session:
        waiting = await waiting_redemptions(session, result.organization_id)
    await fulfil_backdated(waiting)
    return result
