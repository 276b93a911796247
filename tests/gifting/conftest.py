from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from advocacy import jobs
from advocacy.config import get_settings
from advocacy.db import make_engine


@pytest.fixture
async def job_engine(database: str) -> AsyncIterator[None]:
    """Jobs (fulfilment, emails, periodic) run in this process against the test database."""
    engine = make_engine(database, pool_size=4)
    jobs.use_job_engine(engine)
    yield
    jobs.use_job_engine(None)
    await engine.dispose()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """``configure(fulfilment_url=…, fulfil_max_attempts=…)``: settings for this test only."""

    def apply(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"ADVOCACY_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield apply
    monkeypatch.undo()
    get_settings.cache_clear()
