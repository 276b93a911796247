"""Alembic environment: async engine, URL from settings (or ``config.attributes``)."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from advocacy.config import get_settings
from advocacy.kit.db import make_engine
from advocacy.models import metadata

config = context.config


def _database_url() -> str:
    url = config.attributes.get("database_url") or get_settings().database_url
    return str(url)


def _configure(connection: Connection | None = None, **kwargs: Any) -> None:
    url = _database_url()
    context.configure(
        connection=connection,
        url=None if connection is not None else url,
        target_metadata=metadata,
        compare_type=True,
        # SQLite can't ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=url.startswith("sqlite"),
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
        return
    engine = make_engine(_database_url(), pool_size=1, autocommit_reads=False)
    try:
        async with engine.connect() as async_connection:
            await async_connection.run_sync(_run_sync)
            await async_connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
