"""Moves that lose a race on a real, open gift link: ``GIFT_CHANGED`` (retryable), never
``GIFT_LINK_INVALID``, and never a miss for the brake on guessing links. Sixty racing swaps
used to hand the losers GIFT_LINK_INVALID while the gift was still OFFERED, each counted as a
miss, so the advocate's own link was then RATE_LIMITED for ten minutes. Needs PostgreSQL's
concurrent transactions and Redis (the brake's shared store), over real connections."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from advocacy.app import create_app
from advocacy.config import Settings
from advocacy.gifting.link_attempts import AttemptCounter
from advocacy.graphql.ids import decode_id
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.database import TEST_REDIS_URL_ENV
from tests.fixtures.gifting import assert_ledger_balances
from tests.gifting.test_redemption import (
    DECLINE,
    DONATE,
    GIFT,
    REDEEM,
    SWAP,
    gift_with_options,
)
from tests.web.gift_data import csrf_of, physical_gift

LIMIT = Settings().gift_link_misses
"""The production default. Each request is counted up front and refunded when the link
worked, so one wave of racers may be as large as the limit."""
WAVES = 2
LINED_UP = 15
"""Racers held at the send's row lock before it is let go (fewer than the test engine's
connection pool, so they all can get there)."""


@pytest.fixture
async def braked(database: str) -> AsyncIterator[tuple[Api, Redis, str]]:
    """The app with the production brake (its default limit of misses, counted in Redis),
    its Redis and the brake's key prefix."""
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    url = os.environ.get(TEST_REDIS_URL_ENV)
    if not url:
        pytest.skip(f"needs Redis: set {TEST_REDIS_URL_ENV}")
    redis = Redis.from_url(url)
    prefix = f"test:race:{uuid.uuid4().hex}"
    app = create_app()
    app.state.gift_attempts = AttemptCounter(
        limit=LIMIT, window_seconds=600, redis=redis, prefix=prefix
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Api(http, None), redis, prefix
    await redis.aclose()


async def misses(redis: Redis, prefix: str) -> int:
    """Every client's misses counted by the brake in this test."""
    keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
    return sum(int(value) for value in await redis.mget(keys)) if keys else 0


@asynccontextmanager
async def racers_lined_up(database: str, send_id: int, racers: int) -> AsyncIterator[None]:
    """Hold the send's row lock until ``racers`` requests have read the open gift and wait
    on their UPDATE of it, then let them go: the race the attack produced by chance, made
    certain (a barrier, not a sleep)."""
    engine = create_async_engine(database)
    try:
        async with engine.connect() as holder, engine.connect() as watcher:
            await holder.begin()
            await holder.execute(
                text("SELECT id FROM gift_send WHERE id = :id FOR UPDATE"), {"id": send_id}
            )
            yield
            for _ in range(600):
                waiting = await watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database()"
                    )
                )
                await watcher.commit()  # a new snapshot of pg_stat_activity next time
                if (waiting or 0) >= racers:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"only {waiting} of {racers} racers reached the send")
            await holder.rollback()
    finally:
        await engine.dispose()


def outcome(answer: dict[str, Any]) -> str:
    payload = next(iter(answer.values()))
    return "ok" if payload["errors"] == [] else payload["errors"][0]["code"]


async def test_waves_of_racing_swaps_lose_as_changed_not_as_a_miss(
    marketer: Api, org: Org, braked: tuple[Api, Redis, str], database: str
) -> None:
    """Two waves of as many swaps as the brake allows (60 with the default): to the tea card,
    then back. Before, the first wave's losers were misses and the second was RATE_LIMITED."""
    advocate, redis, prefix = braked
    sent, items = await gift_with_options(marketer, org)
    original = (await advocate(GIFT, {"token": sent.token}))["gift"]["item"]["id"]
    send_id = decode_id(sent.send_id, "GiftSend", "id")
    for wave, target in enumerate([items["cheaper"], original][:WAVES]):
        variables = {"token": sent.token, "itemId": target}
        async with racers_lined_up(database, send_id, LINED_UP):
            racing = asyncio.gather(*(advocate(SWAP, variables) for _ in range(LIMIT)))
        outcomes = Counter(outcome(answer) for answer in await racing)
        assert outcomes["ok"] == 1, (wave, outcomes)
        assert "GIFT_LINK_INVALID" not in outcomes, (wave, outcomes)
        # The lined-up losers lost the UPDATE (GIFT_CHANGED); any that read after the winner
        # committed found the swap done ("that is already your gift", INVALID).
        assert set(outcomes) <= {"ok", "GIFT_CHANGED", "INVALID"}, (wave, outcomes)
        assert outcomes["GIFT_CHANGED"] >= LINED_UP - 1, (wave, outcomes)
        assert await misses(redis, prefix) == 0, wave
    # The link still works for its advocate: seen, swapped and redeemed.
    gift = (await advocate(GIFT, {"token": sent.token}))["gift"]
    assert gift["status"] == "OFFERED" and gift["item"]["name"] == "Coffee card"
    swapped = await advocate(SWAP, {"token": sent.token, "itemId": items["cheaper"]})
    assert outcome(swapped) == "ok"
    redeemed = await advocate(REDEEM, {"input": {"token": sent.token}})
    assert redeemed["redeemGift"]["gift"]["status"] == "REDEEMED"
    await assert_ledger_balances(org.id)


async def test_racing_redeems_and_declines_lose_as_changed_too(
    marketer: Api, org: Org, braked: tuple[Api, Redis, str], database: str
) -> None:
    """A lost redeem, donation or decline is the same race, with the same answer."""
    advocate, redis, prefix = braked
    sent, items = await gift_with_options(marketer, org)
    token = {"token": sent.token}
    calls = [advocate(REDEEM, {"input": token}) for _ in range(3)]
    calls += [advocate(DONATE, {**token, "itemId": items["charity"]}) for _ in range(3)]
    calls += [advocate(DECLINE, token) for _ in range(3)]
    async with racers_lined_up(database, decode_id(sent.send_id, "GiftSend", "id"), len(calls)):
        racing = asyncio.gather(*calls)
    outcomes = Counter(outcome(answer) for answer in await racing)
    assert outcomes == {"ok": 1, "GIFT_CHANGED": len(calls) - 1}, outcomes
    assert await misses(redis, prefix) == 0
    await assert_ledger_balances(org.id)


async def test_the_gift_page_shows_a_lost_race_as_a_reload_notice(
    marketer: Api, org: Org, braked: tuple[Api, Redis, str], database: str
) -> None:
    """Two tabs of one browser post different swaps at once: one is done, the other answers
    409 with the gift as it now stands and a notice to choose again — not "can no longer be
    changed", and not a miss."""
    advocate, redis, prefix = braked
    gift = await physical_gift(marketer, org)
    http = advocate.client
    csrf = csrf_of((await http.get(gift.path)).text)
    posts = [
        http.post(gift.path, data={"csrf": csrf, "action": "swap", "item_id": gift.items[name]})
        for name in ("mug", "card")
    ]
    async with racers_lined_up(database, decode_id(gift.sent.send_id, "GiftSend", "id"), 2):
        racing = asyncio.gather(*posts)
    answers = await racing
    assert sorted(answer.status_code for answer in answers) == [303, 409]
    [lost] = [answer for answer in answers if answer.status_code == 409]
    assert "Your gift just changed" in lost.text and "choose again" in lost.text
    assert "error-summary" not in lost.text  # a notice, not a form error
    assert "can no longer be changed" not in lost.text
    assert 'data-state="OFFERED"' in lost.text  # the choices are there to pick again
    assert await misses(redis, prefix) == 0
