"""Knobs shared by every benchmark: where PostgreSQL is, how long to measure, where to write."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
VENV_BIN = ROOT / ".venv" / "bin"

BENCH_DATABASE = "advocacy_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
"""Database 13 of the local Redis (14 and 15 are left to other tools)."""


class BenchError(Exception):
    """A benchmark can't go on; the message says why, in one line."""


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise BenchError(f"{name} must be a number, got {raw!r}") from error
    if value <= 0:
        raise BenchError(f"{name} must be positive, got {raw!r}")
    return value


@dataclass(frozen=True)
class BenchConfig:
    pg_host: str
    pg_port: int
    pg_user: str
    duration: float
    """Seconds of measurement per scenario."""
    warmup: float
    """Seconds of unmeasured load before each measurement."""
    connections: int
    loadgen: str
    """``auto`` (wrk if it can be had, else Python), ``wrk`` or ``python``."""
    redis_url: str
    """A Redis database the benchmarks own: they empty it (FLUSHDB) before using it."""
    only: tuple[str, ...] = ()
    """Names of the benchmarks to run; empty: all of them."""

    def dsn(self, database: str) -> str:
        """A libpq-style URL, as asyncpg takes it."""
        return f"postgresql://{self.pg_user}@{self.pg_host}:{self.pg_port}/{database}"

    def sqlalchemy_url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.pg_user}@{self.pg_host}:{self.pg_port}/{database}"

    @classmethod
    def from_env(cls) -> BenchConfig:
        loadgen = os.environ.get("BENCH_LOADGEN", "auto").strip().lower() or "auto"
        if loadgen not in {"auto", "wrk", "python"}:
            raise BenchError(f"BENCH_LOADGEN must be auto, wrk or python, got {loadgen!r}")
        return cls(
            pg_host=os.environ.get("BENCH_PG_HOST", "127.0.0.1"),
            pg_port=int(_env_float("BENCH_PG_PORT", 5432)),
            pg_user=os.environ.get("BENCH_PG_USER", "postgres"),
            duration=_env_float("BENCH_DURATION", 10.0),
            warmup=_env_float("BENCH_WARMUP", 3.0),
            connections=int(_env_float("BENCH_CONNECTIONS", 8)),
            loadgen=loadgen,
            redis_url=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
            only=tuple(
                name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()
            ),
        )


NOOP_ACTOR = "bench.noop"
"""The fulfilment benchmark's no-op job (bench/noop_actor.py), on a queue of its own."""
NOOP_QUEUE = "bench"
NOOP_COUNTER_KEY = "bench:noop:done"
"""The Redis counter each no-op message increments."""
NOOP_FIRST_KEY = "bench:noop:first"
"""When (``time.time()``) the first no-op message since the counter was reset ran."""
