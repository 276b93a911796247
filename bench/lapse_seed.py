"""The lapse-detection benchmark's own database: 1,000,000 advocates in four organizations.

``advocacy_bench_lapses`` is dropped and recreated each run, its schema built by the project's
migrations, and filled set-based (one INSERT … SELECT over ``generate_series``), so seeding
takes well under a minute. Every value comes from ``hashint8extended(id, salt)``: the data is
the same on every run and every machine. Times are relative to the fixed ``NOW``, which the
benchmark passes to the job as its ``now``.

Policies (so each of the job's policy groups has work to do):

- organization 1 (40% of the advocates) and 4 (15%): no ``engagement_policy`` row, so the
  default ``lapse_after_days`` (60) applies;
- organization 2 (25%): an ``engagement_policy`` of 30 days;
- organization 3 (20%): an ``engagement_policy`` of 90 days, and a ``program_engagement_policy``
  of 45 days on its second program, the ``engaged_program_id`` of 30% of its engaged advocates.

Advocates, by a hash bucket of their id (per mille):

- 50 "due": ACTIVE, last seen 1-10 days before ``max(their lapse_after_days, 60)``: both the
  job and the baseline (a single 60-day cutoff) lapse them;
- 5 "short": ACTIVE, last seen 40-55 days ago: lapse only where the policy is shorter (30, 45);
- 5 "long": ACTIVE, last seen 65-85 days ago: lapse everywhere but under the 90-day policy;
- 1 "threshold": ACTIVE, last seen exactly ``lapse_after_days`` ago: must not lapse (``<``);
- 100 LAPSED, 50 INVITED, 50 OPTED_OUT, last seen 100-400 days ago: must not be touched;
- the remaining 739 ACTIVE, last seen in the past 27 days (under every policy's threshold).

One in ten never engaged (``last_engaged_at`` NULL, no ``engaged_program_id``): their
``created_at`` is their "last seen", so the job's ``coalesce(last_engaged_at, created_at)``
matters. INVITED advocates have never engaged either.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from advocacy.engagement.models import DEFAULT_LAPSE_AFTER_DAYS
from advocacy.migrate import upgrade
from bench.config import BenchConfig, BenchError

LAPSE_DATABASE = "advocacy_bench_lapses"
ADVOCATES = 1_000_000
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
"""The job's ``now``; every seeded time is before it."""
DAY_S = 86_400

ORGANIZATIONS = 4
ORG_SHARES = (40, 25, 20, 15)
"""Per cent of the advocates in organizations 1..4."""
ORG_POLICIES = {2: 30, 3: 90}
"""``engagement_policy.lapse_after_days`` by organization; the others have no row."""
PROGRAM_POLICIES = {6: (3, 45)}
"""``program_engagement_policy``: program 6 (organization 3's second) lapses after 45 days."""
SECOND_PROGRAM_SHARE = 3
"""Tenths of the engaged advocates whose latest engagement was in their org's second program."""

SEED_ORGANIZATIONS = """
INSERT INTO organization (id, slug, name, created_at)
SELECT o, 'lapses-' || o, 'Lapses ' || o || ' Inc', $1 FROM generate_series(1, $2) AS o
"""
SEED_PROGRAMS = """
INSERT INTO program (id, organization_id, name, status, budget_total, budget_reserved,
    budget_spent, currency, points_per_kind, kpi_targets, created_at, updated_at)
SELECT p, (p + 1) / 2, CASE WHEN p % 2 = 1 THEN 'Main' ELSE 'Events' END, 'ACTIVE', 0, 0, 0,
    'USD', '{}'::jsonb, '{}'::jsonb, $1, $1
FROM generate_series(1, 2 * $2) AS p
"""
SEED_ORG_POLICY = """
INSERT INTO engagement_policy (organization_id, lapse_after_days, updated_at) VALUES ($1, $2, $3)
"""
SEED_PROGRAM_POLICY = """
INSERT INTO program_engagement_policy (program_id, organization_id, lapse_after_days, updated_at)
VALUES ($1, $2, $3, $4)
"""

# Buckets (per mille of hashint8extended(id, 3)), in order: see the module docstring.
KINDS = (
    ("due", 50),
    ("short", 5),
    ("long", 5),
    ("threshold", 1),
    ("lapsed", 100),
    ("invited", 50),
    ("opted_out", 50),
)
KIND_STATUS = {"lapsed": "LAPSED", "invited": "INVITED", "opted_out": "OPTED_OUT"}


def _hash(salt: int, modulus: int) -> str:
    return f"(hashint8extended(i, {salt}) & 9223372036854775807) % {modulus}"


def _kind_case() -> str:
    arms, upper = [], 0
    for kind, share in KINDS:
        upper += share
        arms.append(f"WHEN kind_h < {upper} THEN '{kind}'")
    return "CASE " + " ".join(arms) + " ELSE 'recent' END"


def _org_case() -> str:
    arms, upper = [], 0
    for org, share in enumerate(ORG_SHARES[:-1], start=1):
        upper += share
        arms.append(f"WHEN org_h < {upper} THEN {org}")
    return "CASE " + " ".join(arms) + f" ELSE {len(ORG_SHARES)} END"


def _status_case() -> str:
    arms = " ".join(f"WHEN '{kind}' THEN '{status}'" for kind, status in KIND_STATUS.items())
    return f"CASE kind {arms} ELSE 'ACTIVE' END"


def _jitter_s(days: int) -> str:
    """Seconds in [0, days): the id's jitter hash (0..999,999) scaled."""
    return f"jitter * {days * DAY_S} / 1000000"


SEED_ADVOCATES = f"""
WITH hashed AS (
    SELECT i, {_hash(1, 100)} AS org_h, {_hash(2, 10)} AS program_h, {_hash(3, 1000)} AS kind_h,
        {_hash(4, 10)} AS never_h, {_hash(5, 1000000)} AS jitter, {_hash(6, 1000000)} AS tenure
    FROM generate_series(1, $1) AS i
), kinded AS (
    SELECT i, program_h, never_h, jitter, tenure, {_org_case()} AS org, {_kind_case()} AS kind
    FROM hashed
), placed AS (
    SELECT i, org, kind, jitter, tenure, never,
        CASE WHEN never THEN NULL
             WHEN program_h < {SECOND_PROGRAM_SHARE} THEN 2 * org ELSE 2 * org - 1 END AS program
    FROM (SELECT *, never_h = 0 OR kind = 'invited' AS never FROM kinded) AS k
), policed AS (
    SELECT placed.*,
        coalesce(pp.lapse_after_days, ep.lapse_after_days, $3) AS lapse_days
    FROM placed
    LEFT JOIN engagement_policy AS ep ON ep.organization_id = placed.org
    LEFT JOIN program_engagement_policy AS pp ON pp.program_id = placed.program
), seen AS (
    SELECT *, $2::timestamptz - make_interval(secs => CASE kind
        WHEN 'due' THEN (greatest(lapse_days, $3) + 1) * {DAY_S} + {_jitter_s(9)}
        WHEN 'short' THEN 40 * {DAY_S} + {_jitter_s(15)}
        WHEN 'long' THEN 65 * {DAY_S} + {_jitter_s(20)}
        WHEN 'threshold' THEN lapse_days * {DAY_S}
        WHEN 'recent' THEN 3600 + {_jitter_s(27)}
        ELSE 100 * {DAY_S} + {_jitter_s(300)}
    END) AS seen_at
    FROM policed
)
INSERT INTO advocate (id, organization_id, email, name, interests, status, points,
    referral_code, nudges_opt_out, locale, timezone, last_engaged_at, engaged_program_id,
    created_at, updated_at)
SELECT i, org, 'advocate' || i || '@lapses.example.com', 'Advocate ' || i, '[]'::jsonb,
    {_status_case()},
    0, 'LAPSE' || lpad(i::text, 8, '0'), false, 'en', 'UTC',
    CASE WHEN never THEN NULL ELSE seen_at END, program,
    CASE WHEN never THEN seen_at
         ELSE seen_at - make_interval(secs => 30 * {DAY_S} + tenure * {300 * DAY_S} / 1000000)
    END,
    seen_at
FROM seen
ORDER BY i
"""

EFFECTIVE_POLICY = """
FROM advocate AS a
LEFT JOIN engagement_policy AS ep ON ep.organization_id = a.organization_id
LEFT JOIN program_engagement_policy AS pp
    ON pp.program_id = a.engaged_program_id AND pp.organization_id = a.organization_id
"""
LAPSE_DAYS = "coalesce(pp.lapse_after_days, ep.lapse_after_days, $2)"
OVERDUE = f"""coalesce(a.last_engaged_at, a.created_at)
    < $1::timestamptz - make_interval(secs => {LAPSE_DAYS} * {DAY_S})"""
EXPECTED_JOB = f"""
SELECT a.organization_id, {LAPSE_DAYS} AS lapse_days, count(*) AS due
{EFFECTIVE_POLICY}
WHERE a.status = 'ACTIVE' AND {OVERDUE}
GROUP BY 1, 2 ORDER BY 1, 2
"""
EXPECTED_BASELINE = """
SELECT count(*) FROM advocate
WHERE status = 'ACTIVE' AND coalesce(last_engaged_at, created_at) < $1
"""
STATUS_COUNTS = "SELECT status, count(*) FROM advocate GROUP BY status"


@dataclass(frozen=True)
class LapseData:
    database: str
    advocates: int
    statuses: dict[str, int]
    expected_job: int
    """Advocates the job must lapse, from the data and the policies (not from the job)."""
    expected_by_policy: list[dict[str, int]]
    """The same, per (organization, effective lapse_after_days)."""
    expected_baseline: int
    """Advocates the baseline's single 60-day cutoff lapses."""
    baseline_cutoff: dt.datetime
    prewarm: bool
    """Whether pg_prewarm is installed in the database (else caches are warmed by scans)."""
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "advocates": self.advocates,
            "statuses": self.statuses,
            "expected_job_lapses": self.expected_job,
            "expected_job_lapses_by_policy": self.expected_by_policy,
            "expected_baseline_lapses": self.expected_baseline,
            "now": NOW.isoformat(),
            "baseline_cutoff": self.baseline_cutoff.isoformat(),
            "seed_seconds": round(self.seconds, 2),
        }


async def recreate_database(config: BenchConfig, name: str, template: str | None = None) -> None:
    """Drop ``name`` and create it empty, or as a file copy of ``template``."""
    connection = await asyncpg.connect(config.dsn("postgres"), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        suffix = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        await connection.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await connection.close()


async def drop_database(config: BenchConfig, name: str) -> None:
    connection = await asyncpg.connect(config.dsn("postgres"), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def _fill(config: BenchConfig) -> LapseData:
    started = time.perf_counter()
    connection = await asyncpg.connect(config.dsn(LAPSE_DATABASE), timeout=5)
    try:
        await connection.execute("SET synchronous_commit = off")
        async with connection.transaction():
            created = NOW - dt.timedelta(days=800)
            await connection.execute(SEED_ORGANIZATIONS, created, ORGANIZATIONS)
            await connection.execute(SEED_PROGRAMS, created, ORGANIZATIONS)
            for org, days in ORG_POLICIES.items():
                await connection.execute(SEED_ORG_POLICY, org, days, created)
            for program, (org, days) in PROGRAM_POLICIES.items():
                await connection.execute(SEED_PROGRAM_POLICY, program, org, days, created)
            await connection.execute(SEED_ADVOCATES, ADVOCATES, NOW, DEFAULT_LAPSE_AFTER_DAYS)
            for table in ("organization", "program", "advocate"):
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        available = await connection.fetchval(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_prewarm'"
        )
        if available:
            await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        await connection.execute("VACUUM (ANALYZE, FREEZE)")
        await connection.execute("CHECKPOINT")
        statuses = {row[0]: row[1] for row in await connection.fetch(STATUS_COUNTS)}
        by_policy = [
            {"organization_id": row[0], "lapse_after_days": row[1], "due": row[2]}
            for row in await connection.fetch(EXPECTED_JOB, NOW, DEFAULT_LAPSE_AFTER_DAYS)
        ]
        cutoff = NOW - dt.timedelta(days=DEFAULT_LAPSE_AFTER_DAYS)
        baseline: int = await connection.fetchval(EXPECTED_BASELINE, cutoff)
    finally:
        await connection.close()
    if sum(statuses.values()) != ADVOCATES:
        raise BenchError(f"seeded {sum(statuses.values())} advocates, not {ADVOCATES}")
    return LapseData(
        database=LAPSE_DATABASE,
        advocates=ADVOCATES,
        statuses=statuses,
        expected_job=sum(group["due"] for group in by_policy),
        expected_by_policy=by_policy,
        expected_baseline=baseline,
        baseline_cutoff=cutoff,
        prewarm=bool(available),
        seconds=time.perf_counter() - started,
    )


async def seed_lapse_database(config: BenchConfig) -> LapseData:
    """Drop, recreate, migrate and fill the lapse benchmark's database."""
    started = time.perf_counter()
    await recreate_database(config, LAPSE_DATABASE)
    # Alembic's env runs its own event loop: keep it off this one.
    await asyncio.to_thread(upgrade, config.sqlalchemy_url(LAPSE_DATABASE))
    data = await _fill(config)
    return replace(data, seconds=time.perf_counter() - started)
