"""Engagement actors, enqueued by the scheduler."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy import jobs

log = logging.getLogger("advocacy.engagement")


@jobs.actor("engagement.detect_lapses", queue="periodic", max_retries=3)
async def detect_lapses(session: AsyncSession) -> None:
    from advocacy.engagement import lapses

    lapsed = await lapses.detect_lapses(session)
    if lapsed:
        log.info("%d advocate(s) lapsed", lapsed)


PERIODIC = (detect_lapses,)
