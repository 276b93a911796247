"""Seed a dedicated PostgreSQL database for the benchmarks.

The database is dropped and recreated each run, its schema built by the project's own
migrations, and the rows written with ``COPY`` (asyncpg ``copy_records_to_table``) so seeding
100,000 milestones takes seconds. The data is deterministic (fixed random seed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import string
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from advocacy.migrate import upgrade
from advocacy.programs.models import MilestoneKind, default_points
from advocacy.tenancy.tokens import display_prefix, hash_secret, new_secret
from bench.config import BENCH_DATABASE, BenchConfig, BenchError

ACCOUNTS = 500
ADVOCATES = 10_000
MILESTONES = 100_000
ORG_SLUG = "bench"

KINDS = tuple(kind.value for kind in MilestoneKind)
MILESTONE_STATUSES = ("SUBMITTED", "APPROVED", "REJECTED")
MILESTONE_STATUS_WEIGHTS = (2, 6, 1)
ADVOCATE_STATUSES = ("INVITED", "ACTIVE", "LAPSED", "OPTED_OUT")
ADVOCATE_STATUS_WEIGHTS = (1, 6, 2, 1)
INTERESTS = ("coffee", "books", "hiking", "charity", "tech", "music", "travel", "swag")
# fmt: off
FIRST_NAMES = (
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances",
    "Edsger", "Radia", "Guido", "Anita", "Donald", "Hedy", "John", "Katherine", "Tim", "Sophie",
    "Niklaus", "Lynn", "Bjarne", "Jean", "Yukihiro", "Shafi", "Leslie", "Fran", "Ivan", "Mary",
    "Claude", "Karen", "Vint", "Adele", "Brian", "Dorothy", "Rob", "Hal", "Joan", "Larry",
    "Susan",
)
LAST_NAMES = (
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
    "Allen", "Dijkstra", "Perlman", "Rossum", "Borg", "Knuth", "Lamarr", "McCarthy", "Johnson",
    "Berners-Lee", "Wilson", "Wirth", "Conway", "Stroustrup", "Sammet", "Matsumoto",
    "Goldwasser", "Lamport", "Bilas", "Sutherland", "Keller", "Shannon", "Jones", "Cerf",
    "Goldberg", "Kernighan", "Vaughan", "Pike", "Abelson", "Clarke", "Wall", "Kare",
)
# fmt: on


@dataclass(frozen=True)
class SeededData:
    database: str
    organization_id: int
    program_id: int
    token_secret: str
    accounts: int
    advocates: int
    milestones: int
    seconds: float


async def check_postgres(config: BenchConfig) -> str:
    """The server's version; a clear ``BenchError`` if PostgreSQL can't be reached."""
    try:
        connection = await asyncpg.connect(config.dsn("postgres"), timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        raise BenchError(
            f"can't reach PostgreSQL at {config.pg_host}:{config.pg_port} as "
            f"{config.pg_user!r}: {type(error).__name__}: {error}. Start PostgreSQL (trust auth "
            "on loopback) or set BENCH_PG_HOST / BENCH_PG_PORT / BENCH_PG_USER."
        ) from error
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def _recreate_database(config: BenchConfig, name: str) -> None:
    # asyncpg runs statements outside a transaction unless told otherwise: autocommit.
    connection = await asyncpg.connect(config.dsn("postgres"), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def _referral_codes(rng: random.Random, count: int) -> list[str]:
    alphabet = string.ascii_uppercase + string.digits
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(rng.choices(alphabet, k=10)))
    return sorted(codes, key=lambda _: rng.random())


def _account_rows(org_id: int, now: dt.datetime) -> list[tuple[Any, ...]]:
    return [
        (i, org_id, f"Account {i:03d} Inc", f"account{i}.example.com", f"crm-{i}", now)
        for i in range(1, ACCOUNTS + 1)
    ]


def _milestone_rows(
    rng: random.Random, org_id: int, program_id: int, now: dt.datetime
) -> list[tuple[Any, ...]]:
    points = default_points()
    year_us = 365 * 24 * 3600 * 1_000_000
    rows: list[tuple[Any, ...]] = []
    statuses = rng.choices(MILESTONE_STATUSES, MILESTONE_STATUS_WEIGHTS, k=MILESTONES)
    for i, status in enumerate(statuses, start=1):
        kind = rng.choice(KINDS)
        occurred_at = now - dt.timedelta(microseconds=rng.randrange(year_us))
        decided_at = None if status == "SUBMITTED" else occurred_at + dt.timedelta(hours=2)
        rows.append(
            (
                i,
                org_id,
                rng.randint(1, ADVOCATES),  # multinomial: 10 per advocate on average
                program_id,
                kind,
                status,
                f"https://example.com/evidence/{i}",
                None,
                points[kind] if status == "APPROVED" else 0,
                occurred_at,
                decided_at,
                occurred_at,
            )
        )
    return rows


def _advocate_rows(
    rng: random.Random, org_id: int, milestones: list[tuple[Any, ...]], now: dt.datetime
) -> list[tuple[Any, ...]]:
    points: dict[int, int] = {}
    engaged: dict[int, dt.datetime] = {}
    for row in milestones:
        advocate_id, status, earned, occurred_at = row[2], row[5], row[8], row[9]
        if status == "APPROVED":
            points[advocate_id] = points.get(advocate_id, 0) + earned
            latest = engaged.get(advocate_id)
            if latest is None or occurred_at > latest:
                engaged[advocate_id] = occurred_at
    codes = _referral_codes(rng, ADVOCATES)
    rows: list[tuple[Any, ...]] = []
    for i in range(1, ADVOCATES + 1):
        first, initial, last = (
            rng.choice(FIRST_NAMES),
            rng.choice(string.ascii_uppercase),
            rng.choice(LAST_NAMES),
        )
        created_at = now - dt.timedelta(days=400 + rng.randrange(400))
        rows.append(
            (
                i,
                org_id,
                rng.randint(1, ACCOUNTS),
                f"{first}.{last}.{i}@example.com".lower(),
                f"{first} {initial}. {last}",
                rng.choice(("Engineer", "CTO", "Product Manager", "Developer Advocate")),
                json.dumps(rng.sample(INTERESTS, k=rng.randint(0, 3))),
                rng.choices(ADVOCATE_STATUSES, ADVOCATE_STATUS_WEIGHTS)[0],
                points.get(i, 0),
                codes[i - 1],
                rng.random() < 0.05,
                "en",
                "UTC",
                engaged.get(i),
                created_at,
                created_at,
            )
        )
    return rows


async def _insert_tenant(connection: asyncpg.Connection, now: dt.datetime) -> tuple[int, int, str]:
    org_id = await connection.fetchval(
        "INSERT INTO organization (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        ORG_SLUG,
        "Bench Inc",
        now,
    )
    program_id = await connection.fetchval(
        """INSERT INTO program (organization_id, name, status, budget_total, budget_reserved,
               budget_spent, currency, points_per_kind, kpi_targets, created_at, updated_at)
           VALUES ($1, 'Bench program', 'ACTIVE', 10000000, 0, 0, 'USD', $2::jsonb, '{}'::jsonb,
               $3, $3) RETURNING id""",
        org_id,
        json.dumps(default_points()),
        now,
    )
    secret = new_secret()
    await connection.execute(
        """INSERT INTO api_token (organization_id, name, role, secret_hash, prefix, created_at)
           VALUES ($1, 'bench', 'ADMIN', $2, $3, $4)""",
        org_id,
        hash_secret(secret),
        display_prefix(secret),
        now,
    )
    return org_id, program_id, secret


ACCOUNT_COLUMNS = ("id", "organization_id", "name", "domain", "crm_id", "created_at")
ADVOCATE_COLUMNS = [
    "id",
    "organization_id",
    "account_id",
    "email",
    "name",
    "title",
    "interests",
    "status",
    "points",
    "referral_code",
    "nudges_opt_out",
    "locale",
    "timezone",
    "last_engaged_at",
    "created_at",
    "updated_at",
]
MILESTONE_COLUMNS = [
    "id",
    "organization_id",
    "advocate_id",
    "program_id",
    "kind",
    "status",
    "evidence_url",
    "note",
    "points",
    "occurred_at",
    "decided_at",
    "created_at",
]


async def _seed_rows(dsn: str) -> tuple[int, int, str]:
    rng = random.Random(20_240_601)
    now = dt.datetime.now(dt.UTC)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        async with connection.transaction():
            org_id, program_id, secret = await _insert_tenant(connection, now)
            milestones = _milestone_rows(rng, org_id, program_id, now)
            advocates = _advocate_rows(rng, org_id, milestones, now)
            for table, columns, rows in (
                ("account", ACCOUNT_COLUMNS, _account_rows(org_id, now)),
                ("advocate", ADVOCATE_COLUMNS, advocates),
                ("milestone", MILESTONE_COLUMNS, milestones),
            ):
                await connection.copy_records_to_table(table, records=rows, columns=columns)
                # Ids were given explicitly: move the sequence past them.
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return org_id, program_id, secret


def seed_database(config: BenchConfig) -> SeededData:
    """Drop, recreate, migrate and fill the bench database. Call outside an event loop."""
    started = time.perf_counter()
    asyncio.run(_recreate_database(config, BENCH_DATABASE))
    upgrade(config.sqlalchemy_url(BENCH_DATABASE))
    org_id, program_id, secret = asyncio.run(_seed_rows(config.dsn(BENCH_DATABASE)))
    return SeededData(
        database=BENCH_DATABASE,
        organization_id=org_id,
        program_id=program_id,
        token_secret=secret,
        accounts=ACCOUNTS,
        advocates=ADVOCATES,
        milestones=MILESTONES,
        seconds=time.perf_counter() - started,
    )
