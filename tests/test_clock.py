"""``clock_at``: what services stamp as "now" inside it (the demo plays its history so)."""

import asyncio
import datetime as dt

import pytest

from advocacy.kit.db import clock_at, utcnow


async def test_inside_clock_at_now_is_the_moment_and_only_in_this_task() -> None:
    moment = dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    seen_elsewhere: list[dt.datetime] = []
    release = asyncio.Event()

    async def other_task() -> None:
        await release.wait()
        seen_elsewhere.append(utcnow())

    other = asyncio.create_task(other_task())
    with clock_at(moment):
        assert utcnow() == moment and utcnow().tzinfo == dt.UTC
        release.set()
        await other
    assert seen_elsewhere[0] > moment + dt.timedelta(days=30)  # the real clock
    assert utcnow() > moment + dt.timedelta(days=30)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"), clock_at(dt.datetime(2026, 3, 1)):
        pass
