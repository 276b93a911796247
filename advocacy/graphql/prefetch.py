"""Look-ahead for list fields: load the relations a query selects for a whole page at once.

A list resolver calls these after fetching its page. They read the query's selection (through
fragments, under ``nodes`` and ``edges { node }``), load each selected relation for every
object of the page in one batched statement, and leave the results in the request's loaders,
where the nested resolvers find them without awaiting. Anything not prefetched (a skipped
directive, an argument the look-ahead can't read) still loads correctly, just asynchronously.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from advocacy.advocates.models import MilestoneStatus
from advocacy.advocates.queries import MilestoneFilter
from advocacy.graphql.context import Info
from advocacy.graphql.errors import ApiError
from advocacy.graphql.ids import filter_id
from advocacy.graphql.pagination import page_window
from advocacy.kit.errors import DomainError
from advocacy.programs.models import MilestoneKind


def _fields(selections: Sequence[Selection], name: str) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections, name)
        elif selection.name == name:
            yield selection


NodeSelection = list[Selection]
"""What the query selects on each node of the connection being resolved."""


def node_selection(info: Info) -> NodeSelection:
    """The selections under ``nodes`` and ``edges { node }``; read once per list field."""
    found: NodeSelection = []
    for connection in info.selected_fields:
        if not isinstance(connection, SelectedField):
            continue
        for nodes in _fields(connection.selections, "nodes"):
            found.extend(nodes.selections)
        for edges in _fields(connection.selections, "edges"):
            for node in _fields(edges.selections, "node"):
                found.extend(node.selections)
    return found


def selects(selection: NodeSelection, name: str) -> list[SelectedField]:
    """The fields called ``name`` in a node selection (through fragments)."""
    return list(_fields(selection, name))


def _literal_int(value: Any) -> int | None:
    """The look-ahead gives literals as written in the query text ("3"); variables come typed."""
    return None if value is None else int(value)


@lru_cache(maxsize=256)
def milestone_window(
    first: int | None,
    after: str | None,
    kinds: tuple[MilestoneKind, ...] | None,
    statuses: tuple[MilestoneStatus, ...] | None,
    program_id: str | None,
) -> tuple[int, int, MilestoneFilter]:
    """(limit, offset, filter) for ``Advocate.milestones`` arguments. Shared by the resolver
    and the look-ahead so both build the same loader key; memoized because every advocate of
    a page asks with the same arguments."""
    offset, limit = page_window(first, after)
    flt = MilestoneFilter(
        program_id=filter_id(program_id, "Program"),
        kinds=kinds,
        statuses=statuses,
    )
    return limit, offset, flt


def milestone_window_from(
    first: int | None,
    after: str | None,
    kinds: Sequence[str] | None,
    statuses: Sequence[str] | None,
    program_id: str | None,
) -> tuple[int, int, MilestoneFilter]:
    """Arguments as the resolver gets them (enums) or as the look-ahead reads them (strings):
    enum members equal and hash like their values, so both give the same loader key."""
    return milestone_window(
        first,
        after,
        None if not kinds else tuple(MilestoneKind(kind) for kind in kinds),
        None if not statuses else tuple(MilestoneStatus(status) for status in statuses),
        program_id,
    )


async def prefetch_for_advocates(
    info: Info, selection: NodeSelection, advocate_pks: list[int], account_ids: set[int]
) -> None:
    """``account_ids``: accounts still to load (empty when the page query joined them)."""
    loaders = info.context.loaders
    if account_ids and selects(selection, "account"):
        await loaders.account.preload(account_ids)
    for field in selects(selection, "milestones"):
        args = field.arguments
        try:
            limit, offset, flt = milestone_window_from(
                _literal_int(args.get("first")),
                args.get("after"),
                args.get("kinds"),
                args.get("statuses"),
                args.get("programId"),
            )
        except (DomainError, ApiError, TypeError, ValueError):
            continue  # the nested resolver reports the bad argument itself
        await loaders.advocate_milestones.preload(
            [(pk, limit + 1, offset, flt) for pk in advocate_pks]
        )


async def prefetch_for_milestones(
    info: Info, advocate_ids: set[int], program_ids: set[int]
) -> None:
    loaders = info.context.loaders
    selection = node_selection(info)
    if advocate_ids and selects(selection, "advocate"):
        await loaders.advocate.preload(advocate_ids)
    if program_ids and selects(selection, "program"):
        await loaders.program.preload(program_ids)
