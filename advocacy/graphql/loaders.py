"""Per-request DataLoaders: every nested relationship is fetched in one batched statement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from advocacy.advocates.queries import (
    ACCOUNT,
    ADVOCATE,
    MILESTONE,
    MilestoneFilter,
    latest_milestones_per_advocate,
    milestone_counts_per_advocate,
    rows_by_ids,
)
from advocacy.programs.queries import PROGRAM

MilestonePageKey = tuple[int, int, int, MilestoneFilter]
"""(advocate id, limit, offset, filter)"""
MilestoneCountKey = tuple[int, MilestoneFilter]


class Loaders:
    def __init__(self, session: AsyncSession, organization_id: int) -> None:
        self._session = session
        self._organization_id = organization_id
        self.account = self._by_id(ACCOUNT)
        self.advocate = self._by_id(ADVOCATE)
        self.program = self._by_id(PROGRAM)
        self.milestone = self._by_id(MILESTONE)
        self.advocate_milestones: DataLoader[MilestonePageKey, list[Row[Any]]] = DataLoader(
            self._load_advocate_milestones
        )
        self.advocate_milestone_count: DataLoader[MilestoneCountKey, int] = DataLoader(
            self._load_advocate_milestone_counts
        )

    def _by_id(self, table: Any) -> DataLoader[int, Row[Any] | None]:
        async def load(ids: Sequence[int]) -> list[Row[Any] | None]:
            found = await rows_by_ids(self._session, table, self._organization_id, list(set(ids)))
            return [found.get(pk) for pk in ids]

        return DataLoader(load)

    async def _load_advocate_milestones(
        self, keys: Sequence[MilestonePageKey]
    ) -> list[list[Row[Any]]]:
        groups: dict[tuple[int, int, MilestoneFilter], list[int]] = defaultdict(list)
        for advocate_id, limit, offset, flt in keys:
            groups[(limit, offset, flt)].append(advocate_id)
        results: dict[MilestonePageKey, list[Row[Any]]] = {}
        for (limit, offset, flt), advocate_ids in groups.items():
            per_advocate = await latest_milestones_per_advocate(
                self._session, self._organization_id, advocate_ids, limit, offset, flt
            )
            for advocate_id in advocate_ids:
                results[(advocate_id, limit, offset, flt)] = per_advocate.get(advocate_id, [])
        return [results[key] for key in keys]

    async def _load_advocate_milestone_counts(self, keys: Sequence[MilestoneCountKey]) -> list[int]:
        groups: dict[MilestoneFilter, list[int]] = defaultdict(list)
        for advocate_id, flt in keys:
            groups[flt].append(advocate_id)
        counts: dict[MilestoneCountKey, int] = {}
        for flt, advocate_ids in groups.items():
            found = await milestone_counts_per_advocate(
                self._session, self._organization_id, advocate_ids, flt
            )
            for advocate_id in advocate_ids:
                counts[(advocate_id, flt)] = found.get(advocate_id, 0)
        return [counts[key] for key in keys]
