"""Drift guards: committed schema vs live schema; models vs migrations."""

import asyncio
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from advocacy.kit.db import get_engine, make_engine
from advocacy.migrate import alembic_config
from advocacy.models import metadata

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_matches_the_live_schema() -> None:
    from advocacy.graphql.schema import schema_sdl

    committed = (ROOT / "frontend-schema" / "schema.graphql").read_text()
    assert committed == schema_sdl(), "the schema changed: run `make schema` and commit it"


async def test_models_and_migrations_agree(database: str) -> None:
    """The test database was built by `alembic upgrade head`; autogenerate must find nothing."""

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with get_engine().connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    from alembic import command

    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
    config = alembic_config(url)
    await asyncio.to_thread(command.upgrade, config, "head")
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "head")
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: set(sync.dialect.get_table_names(sync)))
    finally:
        await engine.dispose()
    assert {"organization", "api_token", "account", "advocate", "program", "milestone"} <= tables
