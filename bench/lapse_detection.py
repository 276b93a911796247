"""Benchmark: lapse detection over 1,000,000 advocates, against one bare UPDATE.

The database is the benchmark's own (bench/lapse_seed.py: migrated, 1,000,000 advocates in 4
organizations with 30/60/90-day policies and a 45-day program override, ~5.6% due). Before
each measurement it is copied (``CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY``) and the
copy's ``advocate`` table and indexes are loaded into shared buffers (pg_prewarm), so every
run starts from the same data, layout, statistics and cache warmth. Then, alternating which
goes first, ``ROUNDS`` times each:

1. job: ``advocacy.engagement.lapses.detect_lapses(session, NOW)`` in one unit of work as the
   periodic actor runs it (``make_engine``, ``RequestSession``, ``begin_write``, commit);
2. baseline: one statement over the same copy, committed::

       UPDATE advocate SET status = 'LAPSED', updated_at = now()
       WHERE status = 'ACTIVE' AND coalesce(last_engaged_at, created_at) < $cutoff

   with the default 60-day cutoff for everyone (no policies, no audit rows).

Times are from the first statement to the end of COMMIT; the medians are reported, with the
ratio job / baseline. After every job run, the copy must hold exactly the lapses the data and
the policies call for (computed by SQL from the seeded rows, not by the job), each with one
``advocate_status_change`` row, and no other advocate may have changed; the baseline must lapse
exactly the rows its cutoff selects. Otherwise the benchmark fails.

Also reported: the job's statements (count and time by kind, batches per policy group with the
first and slowest batch), and the buffers each side touched. Finally the job's statements are
replayed on a fresh copy and its slowest one is run under ``EXPLAIN (ANALYZE, BUFFERS)``; the
plan goes to bench/results/lapse-detection-explain.txt.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from advocacy.engagement.models import DEFAULT_LAPSE_AFTER_DAYS
from advocacy.kit.db import RequestSession, begin_write, make_engine
from bench.config import RESULTS_DIR, BenchConfig, BenchError
from bench.context import BenchContext
from bench.lapse_seed import (
    EFFECTIVE_POLICY,
    LAPSE_DATABASE,
    NOW,
    OVERDUE,
    STATUS_COUNTS,
    LapseData,
    drop_database,
    recreate_database,
    seed_lapse_database,
)

NAME = "lapseDetection"
RUN_DATABASE = "advocacy_bench_lapses_run"
"""The copy each measurement runs on (dropped at the end)."""
ROUNDS = 3
RESULT_FILE = RESULTS_DIR / "lapse-detection.json"
EXPLAIN_FILE = RESULTS_DIR / "lapse-detection-explain.txt"

Job = Callable[[AsyncSession, dt.datetime], Awaitable[int]]

BASELINE_SQL = """
UPDATE advocate SET status = 'LAPSED', updated_at = now()
WHERE status = 'ACTIVE' AND coalesce(last_engaged_at, created_at) < $1
"""
BASELINE_NOTE = (
    "baseline = one UPDATE advocate SET status='LAPSED', updated_at=now() WHERE status='ACTIVE' "
    "AND coalesce(last_engaged_at, created_at) < now - 60 days, committed, on an identical "
    "copy: one cutoff for everyone (no policy groups), no batches, no advocate_status_change "
    "rows, no rows back to Python"
)
XACT_BLOCKS = """
SELECT coalesce(sum(pg_stat_get_xact_blocks_fetched(oid)), 0)::bigint,
    coalesce(sum(pg_stat_get_xact_blocks_hit(oid)), 0)::bigint
FROM pg_class WHERE relnamespace = 'public'::regnamespace
"""
"""Buffers this transaction asked for in the application's tables and indexes, and how many
were already in shared buffers (the rest came from the OS)."""
PREWARM = """
SELECT sum(pg_prewarm(oid)) FROM pg_class
WHERE oid = 'advocate'::regclass
    OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'advocate'::regclass)
"""
VERIFY_JOB = f"""
SELECT count(*) FILTER (WHERE lapsed_now) AS lapsed,
    count(*) FILTER (WHERE due AND NOT lapsed_now) AS missed,
    count(*) FILTER (WHERE lapsed_now AND NOT due) AS wrong
FROM (
    SELECT a.status = 'LAPSED' AND a.updated_at = $1 AS lapsed_now,
        (a.status = 'ACTIVE' OR (a.status = 'LAPSED' AND a.updated_at = $1)) AND {OVERDUE} AS due
    {EFFECTIVE_POLICY}
) AS s
"""
VERIFY_CHANGES = """
SELECT count(*) AS changes, count(DISTINCT c.advocate_id) AS advocates,
    count(*) FILTER (WHERE a.status = 'LAPSED' AND a.updated_at = $1
        AND c.organization_id = a.organization_id AND c.from_status = 'ACTIVE'
        AND c.to_status = 'LAPSED' AND c.created_at = $1) AS matching
FROM advocate_status_change AS c JOIN advocate AS a ON a.id = c.advocate_id
"""


# --- one measurement ------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Any
    many: bool
    seconds: float

    @property
    def kind(self) -> str:
        return self.sql.lstrip().split(None, 1)[0].upper()


@dataclass
class Recorder:
    """The statements a SQLAlchemy engine sends while ``on``, with their times."""

    on: bool = False
    statements: list[Statement] = field(default_factory=list)
    _started: float = 0.0

    def attach(self, sync_engine: Any) -> None:
        event.listen(sync_engine, "before_cursor_execute", self._before)
        event.listen(sync_engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._started = time.perf_counter()

    def _after(
        self, _conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, many: bool
    ) -> None:
        if self.on:
            elapsed = time.perf_counter() - self._started
            self.statements.append(Statement(sql, params, many, elapsed))


@dataclass(frozen=True)
class Run:
    scenario: str
    seconds: float
    """First statement to the end of COMMIT."""
    lapsed: int
    blocks: int
    """Buffers asked for in the application's relations (hits + reads)."""
    blocks_hit: int
    statements: list[Statement]

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "lapsed": self.lapsed,
            "buffers": self.blocks,
            "buffers_hit": self.blocks_hit,
            "statements": len(self.statements),
        }


async def fresh_copy(config: BenchConfig, data: LapseData, setup: Sequence[str] = ()) -> None:
    """``RUN_DATABASE`` as a copy of the seeded database, ``setup`` run on it, caches warmed."""
    await recreate_database(config, RUN_DATABASE, template=LAPSE_DATABASE)
    connection = await asyncpg.connect(config.dsn(RUN_DATABASE), timeout=5)
    try:
        for sql in setup:
            await connection.execute(sql)
        if data.prewarm:
            await connection.fetchval(PREWARM)
        else:
            await connection.fetchval("SELECT count(*) FROM advocate")
    finally:
        await connection.close()


async def run_job(config: BenchConfig, job: Job) -> Run:
    """``job`` in one unit of work, as ``advocacy.kit.jobs.job_unit_of_work`` runs it."""
    engine = make_engine(config.sqlalchemy_url(RUN_DATABASE), pool_size=1)
    recorder = Recorder()
    recorder.attach(engine.sync_engine)
    sessions = async_sessionmaker(engine, class_=RequestSession, expire_on_commit=False)
    try:
        async with engine.connect() as connection:  # open the pool's connection beforehand
            await connection.execute(text("SELECT 1"))
        async with sessions() as session:
            started = time.perf_counter()
            recorder.on = True
            await begin_write(session)
            lapsed = await job(session, NOW)
            recorder.on = False
            working = time.perf_counter() - started
            blocks, hit = (await session.execute(text(XACT_BLOCKS))).one()
            committing = time.perf_counter()
            await session.commit()
            seconds = working + time.perf_counter() - committing
    finally:
        await engine.dispose()
    return Run("job", seconds, lapsed, blocks, hit, recorder.statements)


async def run_baseline(config: BenchConfig, data: LapseData) -> Run:
    connection = await asyncpg.connect(config.dsn(RUN_DATABASE), timeout=5)
    try:
        await connection.fetchval("SELECT 1")
        started = time.perf_counter()
        transaction = connection.transaction()
        await transaction.start()
        status = await connection.execute(BASELINE_SQL, data.baseline_cutoff)
        working = time.perf_counter() - started
        blocks, hit = await connection.fetchrow(XACT_BLOCKS)
        committing = time.perf_counter()
        await transaction.commit()
        seconds = working + time.perf_counter() - committing
    finally:
        await connection.close()
    return Run("baseline", seconds, int(status.split()[-1]), blocks, hit, [])


async def _statuses(connection: asyncpg.Connection) -> dict[str, int]:
    return {row[0]: row[1] for row in await connection.fetch(STATUS_COUNTS)}


def _status_problems(label: str, before: dict[str, int], after: dict[str, int], moved: int) -> str:
    expected = dict(before)
    expected["ACTIVE"] = expected.get("ACTIVE", 0) - moved
    expected["LAPSED"] = expected.get("LAPSED", 0) + moved
    return "" if after == expected else f"{label}: statuses {after}, expected {expected}"


async def verify_job(config: BenchConfig, data: LapseData, run: Run) -> list[str]:
    """What is wrong with the copy after the job (empty: nothing)."""
    connection = await asyncpg.connect(config.dsn(RUN_DATABASE), timeout=5)
    try:
        lapsed, missed, wrong = await connection.fetchrow(VERIFY_JOB, NOW, DEFAULT_LAPSE_AFTER_DAYS)
        changes, advocates, matching = await connection.fetchrow(VERIFY_CHANGES, NOW)
        statuses = await _statuses(connection)
    finally:
        await connection.close()
    problems = []
    if run.lapsed != data.expected_job:
        problems.append(f"job: returned {run.lapsed}, expected {data.expected_job}")
    if (lapsed, missed, wrong) != (data.expected_job, 0, 0):
        problems.append(
            f"job: {lapsed} lapsed (expected {data.expected_job}), {missed} due but not lapsed, "
            f"{wrong} lapsed but not due"
        )
    if (changes, advocates, matching) != (data.expected_job,) * 3:
        problems.append(
            f"job: {changes} advocate_status_change rows for {advocates} advocates, {matching} "
            f"matching a lapse; expected {data.expected_job}"
        )
    problems.append(_status_problems("job", data.statuses, statuses, data.expected_job))
    return [problem for problem in problems if problem]


async def verify_baseline(config: BenchConfig, data: LapseData, run: Run) -> list[str]:
    connection = await asyncpg.connect(config.dsn(RUN_DATABASE), timeout=5)
    try:
        statuses = await _statuses(connection)
    finally:
        await connection.close()
    problems = []
    if run.lapsed != data.expected_baseline:
        problems.append(f"baseline: lapsed {run.lapsed}, expected {data.expected_baseline}")
    problems.append(_status_problems("baseline", data.statuses, statuses, data.expected_baseline))
    return [problem for problem in problems if problem]


# --- the rounds -----------------------------------------------------------------------------


@dataclass
class Measured:
    jobs: list[Run] = field(default_factory=list)
    baselines: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @staticmethod
    def median(runs: list[Run]) -> Run:
        ordered = sorted(runs, key=lambda run: run.seconds)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def job(self) -> Run:
        return self.median(self.jobs)

    @property
    def baseline(self) -> Run:
        return self.median(self.baselines)

    @property
    def ratio(self) -> float:
        return self.job.seconds / self.baseline.seconds


async def measure(
    config: BenchConfig,
    data: LapseData,
    job: Job,
    *,
    rounds: int = ROUNDS,
    setup: Sequence[str] = (),
    label: str = "job",
) -> Measured:
    """``rounds`` job runs and as many baseline runs, alternating, each on a fresh copy."""
    measured = Measured()
    for round_ in range(rounds):
        order = ("job", "baseline") if round_ % 2 == 0 else ("baseline", "job")
        for scenario in order:
            await fresh_copy(config, data, setup)
            if scenario == "job":
                run = await run_job(config, job)
                measured.jobs.append(run)
                measured.problems += await verify_job(config, data, run)
            else:
                run = await run_baseline(config, data)
                measured.baselines.append(run)
                measured.problems += await verify_baseline(config, data, run)
            name = label if scenario == "job" else scenario
            print(
                f"  round {round_ + 1}/{rounds} {name:<9} {run.seconds:8.3f}s  "
                f"{run.lapsed} lapsed, {run.blocks} buffers",
                flush=True,
            )
    return measured


# --- the job's statements -------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Consecutive runs of one statement with the same parameters but the keyset position (the
    integer "after this id"): one policy group's batches."""

    first_index: int
    sql: str
    params: Any
    times: list[float]

    @property
    def cutoff_days(self) -> float | None:
        """The group's lapse_after_days: ``NOW`` less its earliest time parameter."""
        times = [p for p in self.params or () if isinstance(p, dt.datetime) and p < NOW]
        return (NOW - min(times)) / dt.timedelta(days=1) if times else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff_days": self.cutoff_days,
            "batches": len(self.times),
            "seconds": round(sum(self.times), 4),
            "first_batch_ms": round(self.times[0] * 1000, 2),
            "slowest_batch_ms": round(max(self.times) * 1000, 2),
            "last_batch_ms": round(self.times[-1] * 1000, 2),
            "params": [str(param) for param in self.params or ()],
        }


def _same_group(a: Any, b: Any) -> bool:
    """Equal parameters, ignoring integers (the keyset's last id moves every batch)."""

    def key(params: Any) -> list[Any]:
        return [p for p in params or () if not isinstance(p, int) or isinstance(p, bool)]

    return key(a) == key(b)


def batch_groups(statements: list[Statement]) -> list[Group]:
    groups: list[Group] = []
    for index, statement in enumerate(statements):
        if statement.kind == "SELECT" or statement.many:
            continue
        last = groups[-1] if groups else None
        if last and last.sql == statement.sql and _same_group(last.params, statement.params):
            last.times.append(statement.seconds)
        else:
            groups.append(Group(index, statement.sql, statement.params, [statement.seconds]))
    return groups


def by_kind(statements: list[Statement]) -> dict[str, dict[str, float]]:
    kinds: dict[str, dict[str, float]] = {}
    for statement in statements:
        kind = kinds.setdefault(statement.kind, {"count": 0, "seconds": 0.0})
        kind["count"] += 1
        kind["seconds"] += statement.seconds
    return kinds


async def explain_slowest(config: BenchConfig, data: LapseData, run: Run) -> tuple[int, str]:
    """Replay ``run``'s writes on a fresh copy up to its slowest statement and run that one
    under EXPLAIN (ANALYZE, BUFFERS), then roll back. Its index and the plan."""
    statements = run.statements
    candidates = [i for i, s in enumerate(statements) if s.kind != "SELECT" and not s.many]
    if not candidates:
        return -1, "the job sent no statement but SELECTs\n"
    target = max(candidates, key=lambda i: statements[i].seconds)
    await fresh_copy(config, data)
    connection = await asyncpg.connect(config.dsn(RUN_DATABASE), timeout=5)
    try:
        transaction = connection.transaction()
        await transaction.start()
        for statement in statements[:target]:
            if statement.kind == "SELECT":
                continue
            if statement.many:
                await connection.executemany(statement.sql, statement.params)
            else:
                await connection.execute(statement.sql, *statement.params)
        chosen = statements[target]
        rows = await connection.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) " + chosen.sql, *(chosen.params or ())
        )
        await transaction.rollback()
    finally:
        await connection.close()
    plan = "\n".join(row[0] for row in rows)
    params = [str(param) for param in chosen.params or ()]
    return target, f"{chosen.sql.strip()}\n-- parameters: {params}\n\n{plan}\n"


# --- reporting ------------------------------------------------------------------------------


def _stats(runs: list[Run]) -> dict[str, Any]:
    seconds = [run.seconds for run in runs]
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "runs_s": seconds,
    }


def _print_report(data: LapseData, measured: Measured, groups: list[Group]) -> None:
    print()
    print(
        f"{'scenario':<10}{'median s':>10}{'min s':>9}{'max s':>9}{'lapsed':>9}"
        f"{'buffers':>11}{'hit %':>7}{'statements':>12}"
    )
    for name, runs in (("job", measured.jobs), ("baseline", measured.baselines)):
        stats, median = _stats(runs), measured.median(runs)
        hit = median.blocks_hit / max(median.blocks, 1)
        print(
            f"{name:<10}{stats['median_s']:>10.3f}{stats['min_s']:>9.3f}{stats['max_s']:>9.3f}"
            f"{median.lapsed:>9}{median.blocks:>11}{hit:>7.0%}"
            f"{len(median.statements) or 1:>12}"
        )
    ratio = measured.ratio
    job, baseline = measured.job, measured.baseline
    per_row = (job.seconds / max(job.lapsed, 1)) / (baseline.seconds / max(baseline.lapsed, 1))
    print(f"ratio job/baseline: {ratio:.2f}x (per row lapsed: {per_row:.2f}x)")
    kinds = ", ".join(
        f"{kind} {int(k['count'])} in {k['seconds']:.3f}s"
        for kind, k in by_kind(job.statements).items()
    )
    print(f"job statements (median run): {kinds}")
    for number, group in enumerate(groups, start=1):
        one = group.as_dict()
        days = "?" if one["cutoff_days"] is None else f"{one['cutoff_days']:g}"
        print(
            f"  group {number} (cutoff {days} days): {one['batches']} batches in "
            f"{one['seconds']:.3f}s, "
            f"first {one['first_batch_ms']:.1f} ms, slowest {one['slowest_batch_ms']:.1f} ms, "
            f"last {one['last_batch_ms']:.1f} ms"
        )
    print(BASELINE_NOTE)
    verdict = "OK" if not measured.problems else "BROKEN: " + "; ".join(measured.problems)
    policies = ", ".join(
        f"org {g['organization_id']} @{g['lapse_after_days']}d: {g['due']}"
        for g in data.expected_by_policy
    )
    print(
        f"checks: job must lapse {data.expected_job} ({policies}), baseline "
        f"{data.expected_baseline}, each run on a fresh copy: {verdict}"
    )


def run(ctx: BenchContext) -> dict[str, Any]:
    """Seed the lapse database, alternate job and baseline runs, verify, print, write JSON."""
    return asyncio.run(_run(ctx))


async def _run(ctx: BenchContext) -> dict[str, Any]:
    # Imported here, not at the top: bench.run imports every benchmark module up front.
    from advocacy.engagement.lapses import detect_lapses

    config = ctx.config
    data = await seed_lapse_database(config)
    print(
        f"[{NAME}] seeded {data.advocates} advocates in {data.seconds:.1f}s: {data.statuses}; "
        f"{data.expected_job} due under their policies, {data.expected_baseline} under 60 days"
    )
    try:
        measured = await measure(config, data, detect_lapses)
        groups = batch_groups(measured.job.statements)
        explained_index, explained = await explain_slowest(config, data, measured.job)
    finally:
        await drop_database(config, RUN_DATABASE)
    _print_report(data, measured, groups)
    EXPLAIN_FILE.parent.mkdir(parents=True, exist_ok=True)
    EXPLAIN_FILE.write_text(explained)
    print(f"[{NAME}] EXPLAIN (ANALYZE, BUFFERS) of the job's slowest statement: {EXPLAIN_FILE}")
    report: dict[str, Any] = {
        "benchmark": NAME,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "machine": ctx.machine,
        "settings": {"rounds": ROUNDS, "prewarm": data.prewarm},
        "data": data.as_dict(),
        "baseline_note": BASELINE_NOTE,
        "job": _stats(measured.jobs) | measured.job.as_dict(),
        "baseline": _stats(measured.baselines) | measured.baseline.as_dict(),
        "ratio_job_over_baseline": measured.ratio,
        "job_statements": by_kind(measured.job.statements),
        "job_batches_by_group": [group.as_dict() for group in groups],
        "explained_statement_index": explained_index,
        "problems": measured.problems,
    }
    RESULT_FILE.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"[{NAME}] results written to {RESULT_FILE}")
    if measured.problems:
        raise BenchError(f"{NAME}: {'; '.join(measured.problems)}")
    return report
