"""What every benchmark receives from ``bench.run``: settings, seeded data, load generator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.config import BenchConfig
from bench.loadgen import HttpRequest, LoadGenerator, LoadResult
from bench.seed import SeededData


@dataclass(frozen=True)
class BenchContext:
    config: BenchConfig
    seeded: SeededData
    loadgen: LoadGenerator
    machine: dict[str, Any]
    """nproc, Python, PostgreSQL and load generator versions: written into every result file."""

    def measure(self, request: HttpRequest) -> LoadResult:
        """Warm up (unmeasured), then measure ``request`` under closed-loop load."""
        config = self.config
        self.loadgen.run(request, duration=config.warmup, connections=config.connections)
        return self.loadgen.run(request, duration=config.duration, connections=config.connections)
