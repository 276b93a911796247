"""The benchmark's seed still fits the schema: every migration that adds a NOT NULL column to
a seeded table must be matched in bench/seed.py, or `make bench` breaks (it did once)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from advocacy.migrate import upgrade
from bench.seed import ADVOCATES, MILESTONES, _seed_rows

SMOKE_DATABASE = "advocacy_bench_smoke"


def test_the_bench_seed_fills_a_freshly_migrated_database(database: str) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("the bench seeds PostgreSQL with COPY (runs in CI)")
    base = database.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]

    async def recreate() -> None:
        admin = await asyncpg.connect(f"{base}/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{SMOKE_DATABASE}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{SMOKE_DATABASE}"')
        finally:
            await admin.close()

    async def counts() -> tuple[int, int]:
        connection = await asyncpg.connect(f"{base}/{SMOKE_DATABASE}")
        try:
            advocates = await connection.fetchval("SELECT count(*) FROM advocate")
            milestones = await connection.fetchval("SELECT count(*) FROM milestone")
        finally:
            await connection.close()
        return int(advocates), int(milestones)

    asyncio.run(recreate())
    upgrade(database.rsplit("/", 1)[0] + f"/{SMOKE_DATABASE}")
    asyncio.run(_seed_rows(f"{base}/{SMOKE_DATABASE}"))
    assert asyncio.run(counts()) == (ADVOCATES, MILESTONES)
