"""CPU time of processes on this machine, from Linux /proc: what a benchmark's work cost whom."""

from __future__ import annotations

import os
from collections.abc import Iterable

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int | str) -> tuple[int, float] | None:
    """(process group, user + system CPU seconds) of a live process; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICKS


def group_seconds(process_group: int) -> float:
    """CPU seconds of every live process in ``process_group``."""
    if not os.path.isdir("/proc"):
        return 0.0
    stats = (_stat(entry) for entry in os.listdir("/proc") if entry.isdigit())
    return sum(stat[1] for stat in stats if stat is not None and stat[0] == process_group)


def per_process_seconds(pids: Iterable[int]) -> dict[int, float]:
    """CPU seconds of each of ``pids`` that is alive (and visible to us)."""
    found = {pid: _stat(pid) for pid in pids}
    return {pid: stat[1] for pid, stat in found.items() if stat is not None}


def spent_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the processes alive at ``after`` spent since ``before`` (all of it, if new since)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
