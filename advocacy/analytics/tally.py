"""Arranging the rows of a grouped statement into figures per window.

A statement answers one row per (group, bucket, label) with its aggregates; ``Tally`` files
them under the right window. Additive figures (counts, sums) are added to their bucket *and*
to the period, since the buckets cover the period exactly. Figures that don't add up across
buckets (distinct advocates, percentiles) come from the statement for the period itself, with
the bucket number ``PERIOD_ROW``, and are filed there alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from advocacy.analytics.period import Period
from advocacy.analytics.results import Series
from advocacy.analytics.scope import Scope

T = TypeVar("T")

PERIOD_ROW = -1
"""The bucket number of rows aggregated over the whole period."""

Counts = Counter[Hashable]


class Tally:
    def __init__(self, scope: Scope, period: Period) -> None:
        self.period = period
        self.size = len(period.buckets)
        keys = scope.advocate_ids if scope.advocate_ids is not None else (0,)
        self.windows: dict[int, list[Counts]] = {
            key: [Counter() for _ in range(self.size + 1)] for key in keys
        }
        self.values: dict[tuple[int, int, Hashable], Any] = {}

    def _index(self, bucket_ordinal: int) -> int:
        index = self.period.index_of(bucket_ordinal)
        assert 0 <= index < self.size, (bucket_ordinal, self.period)
        return index

    def add(self, key: int, bucket_ordinal: int, name: Hashable, amount: int) -> None:
        """An additive figure of one bucket (given by its ordinal): to it and the period."""
        windows = self.windows[key]
        windows[self._index(bucket_ordinal)][name] += amount
        windows[self.size][name] += amount

    def put(self, key: int, bucket_ordinal: int, name: Hashable, amount: int) -> None:
        """A figure of exactly one window: a bucket, or the period for ``PERIOD_ROW``."""
        index = self.size if bucket_ordinal == PERIOD_ROW else self._index(bucket_ordinal)
        self.windows[key][index][name] += amount

    def put_window(self, key: int, index: int, name: Hashable, amount: int) -> None:
        """A figure already known per window (``index``; the period is ``size``)."""
        self.windows[key][index][name] += amount

    def put_value(self, key: int, bucket_ordinal: int, name: Hashable, value: Any) -> None:
        """A non-count value (a percentile) of one window, read back with ``value``."""
        index = self.size if bucket_ordinal == PERIOD_ROW else self._index(bucket_ordinal)
        self.values[(key, index, name)] = value

    def value(self, key: int, index: int, name: Hashable) -> Any:
        return self.values.get((key, index, name))

    def series(self, build: Callable[[int, int, Counts], T]) -> dict[int, Series[T]]:
        """``build(key, window index, counts)`` for each window; the period's index is
        ``size``."""
        result = {}
        for key, windows in self.windows.items():
            figures = [build(key, index, counts) for index, counts in enumerate(windows)]
            result[key] = Series(period=figures[-1], buckets=tuple(figures[:-1]))
        return result
