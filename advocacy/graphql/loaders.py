"""Per-request DataLoaders: every nested relationship is fetched in one batched statement.

Loaders hold API objects (not rows), so a parent shared by many children is converted once.
``get_or_load`` returns a value already loaded *synchronously*: list resolvers prefetch the
relations a query asks for (see ``prefetch.py``), and nested fields then complete without
creating a task per object, which is most of what a large page used to cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

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
from advocacy.analytics.period import Period
from advocacy.analytics.queries import PER_ADVOCATE
from advocacy.analytics.results import Series
from advocacy.analytics.scope import Scope
from advocacy.engagement.queries import ASK, NUDGE
from advocacy.gifting.queries import GIFT_ITEM, GIFT_SEND, events_for_sends_query
from advocacy.graphql.ids import decode_any_id
from advocacy.programs.queries import PROGRAM
from advocacy.referrals.queries import REFERRAL, Funnel, funnels_for
from advocacy.rules.queries import GIFT_RULE
from advocacy.webhooks.queries import ENDPOINT as WEBHOOK_ENDPOINT
from advocacy.webhooks.queries import deliveries_by_ids_query

if TYPE_CHECKING:
    from advocacy.graphql.asks import Ask
    from advocacy.graphql.engagement import Nudge
    from advocacy.graphql.gifting import GiftItem, GiftSend
    from advocacy.graphql.referrals import Referral
    from advocacy.graphql.rules import GiftRule
    from advocacy.graphql.types import Account, Advocate, Milestone, Program
    from advocacy.graphql.webhooks import WebhookDelivery, WebhookEndpoint

K = TypeVar("K")
V = TypeVar("V")

MilestonePageKey = tuple[int, int, int, MilestoneFilter]
"""(advocate id, limit, offset, filter)"""
MilestoneCountKey = tuple[int, MilestoneFilter]
AdvocateStatsKey = tuple[str, Period, int]
"""(KPI family, period, advocate id)"""


class Loader(DataLoader[K, V]):
    async def preload(self, keys: Iterable[K]) -> None:
        """Fetch the keys not cached yet in one batch, in the calling task, and cache them.

        ``load_many`` would schedule a batch task and wake the caller through futures, a few
        event-loop hops per batch; a list resolver that knows all its keys needn't pay them.
        """
        missing = [key for key in dict.fromkeys(keys) if self.cache_map.get(key) is None]
        if missing:
            values = await self.load_fn(missing)
            self.prime_many(
                {
                    key: value
                    for key, value in zip(missing, values, strict=True)
                    if not isinstance(value, BaseException)
                }
            )

    def get_or_load(self, key: K) -> V | Awaitable[V]:
        """The value if it is already loaded, else an awaitable for it."""
        future = self.cache_map.get(key)
        if future is not None and future.done() and not future.cancelled():
            return future.result()
        return self.load(key)


async def required(loader: Loader[K, V | None], key: K) -> V:
    """A row the caller's own row refers to by foreign key, so it exists (same organization)."""
    found = await loader.load(key)
    assert found is not None, key
    return found


LOADER_OF_TYPE = {
    "Account": "account",
    "Program": "program",
    "Advocate": "advocate",
    "Milestone": "milestone",
    "GiftItem": "gift_item",
    "GiftSend": "gift_send",
    "Referral": "referral",
    "GiftRule": "gift_rule",
    "Nudge": "nudge",
    "Ask": "ask",
    "WebhookEndpoint": "webhook_endpoint",
    "WebhookDelivery": "webhook_delivery",
}
"""The loader that fetches each node type (Organization and ApiToken are read directly)."""


class Loaders:
    async def by_global_id(self, global_id: str, type_name: str) -> Any:
        """The object a global id names, if it is a ``type_name`` of this organization."""
        decoded = decode_any_id(global_id)
        if decoded is None or decoded[0] != type_name:
            return None
        loader: Loader[int, Any] = getattr(self, LOADER_OF_TYPE[type_name])
        return await loader.load(decoded[1])

    def __init__(self, session: AsyncSession, organization_id: int) -> None:
        from advocacy.graphql import asks, engagement, gifting, referrals, rules, types, webhooks

        self._session = session
        self._organization_id = organization_id
        self.account: Loader[int, Account | None] = self._by_id(ACCOUNT, types.Account.from_row)
        self.advocate: Loader[int, Advocate | None] = self._by_id(ADVOCATE, types.Advocate.from_row)
        self.program: Loader[int, Program | None] = self._by_id(PROGRAM, types.Program.from_row)
        self.milestone: Loader[int, Milestone | None] = self._by_id(
            MILESTONE, types.Milestone.from_row
        )
        self._milestone_from_row = types.Milestone.from_row
        self.gift_item: Loader[int, GiftItem | None] = self._by_id(
            GIFT_ITEM, gifting.GiftItem.from_row
        )
        self.gift_send: Loader[int, GiftSend | None] = self._by_id(
            GIFT_SEND, gifting.GiftSend.from_row
        )
        self.referral: Loader[int, Referral | None] = self._by_id(
            REFERRAL, referrals.Referral.from_row
        )
        self.gift_rule: Loader[int, GiftRule | None] = self._by_id(
            GIFT_RULE, rules.GiftRule.from_row
        )
        self.nudge: Loader[int, Nudge | None] = self._by_id(NUDGE, engagement.Nudge.from_row)
        self.ask: Loader[int, Ask | None] = self._by_id(ASK, asks.Ask.from_row)
        self.webhook_endpoint: Loader[int, WebhookEndpoint | None] = self._by_id(
            WEBHOOK_ENDPOINT, webhooks.WebhookEndpoint.from_row
        )
        self._delivery_from_row = webhooks.WebhookDelivery.from_row
        self.webhook_delivery: Loader[int, WebhookDelivery | None] = Loader(
            self._load_webhook_deliveries
        )
        self.referral_funnel: Loader[int, Funnel] = Loader(self._load_referral_funnels)
        self.send_events: Loader[int, list[Any]] = Loader(self._load_send_events)
        self.advocate_milestones: Loader[MilestonePageKey, list[Milestone]] = Loader(
            self._load_advocate_milestones
        )
        self.advocate_milestone_count: Loader[MilestoneCountKey, int] = Loader(
            self._load_advocate_milestone_counts
        )
        self.advocate_stats: Loader[AdvocateStatsKey, Series[Any]] = Loader(
            self._load_advocate_stats
        )

    async def _load_webhook_deliveries(self, ids: Sequence[int]) -> list[WebhookDelivery | None]:
        rows = await self._session.execute(
            deliveries_by_ids_query(self._organization_id, list(set(ids)))
        )
        found = {row.id: self._delivery_from_row(row) for row in rows}
        return [found.get(pk) for pk in ids]

    def _by_id(self, table: Any, convert: Callable[[Any], V]) -> Loader[int, V | None]:
        async def load(ids: Sequence[int]) -> list[V | None]:
            found = await rows_by_ids(self._session, table, self._organization_id, list(set(ids)))
            converted = {pk: convert(row) for pk, row in found.items()}
            return [converted.get(pk) for pk in ids]

        return Loader(load)

    async def _load_advocate_milestones(
        self, keys: Sequence[MilestonePageKey]
    ) -> list[list[Milestone]]:
        groups: dict[tuple[int, int, MilestoneFilter], list[int]] = defaultdict(list)
        for advocate_id, limit, offset, flt in keys:
            groups[(limit, offset, flt)].append(advocate_id)
        results: dict[MilestonePageKey, list[Milestone]] = {}
        convert = self._milestone_from_row
        for (limit, offset, flt), advocate_ids in groups.items():
            per_advocate = await latest_milestones_per_advocate(
                self._session, self._organization_id, advocate_ids, limit, offset, flt
            )
            for advocate_id in advocate_ids:
                rows = per_advocate.get(advocate_id, ())
                results[(advocate_id, limit, offset, flt)] = [convert(row) for row in rows]
        return [results[key] for key in keys]

    async def _load_referral_funnels(self, advocate_ids: Sequence[int]) -> list[Funnel]:
        funnels = await funnels_for(self._session, self._organization_id, list(set(advocate_ids)))
        return [funnels[advocate_id] for advocate_id in advocate_ids]

    async def _load_send_events(self, send_ids: Sequence[int]) -> list[list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        query = events_for_sends_query(self._organization_id, list(set(send_ids)))
        for row in await self._session.execute(query):
            grouped[row.send_id].append(row)
        return [grouped.get(send_id, []) for send_id in send_ids]

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

    async def _load_advocate_stats(self, keys: Sequence[AdvocateStatsKey]) -> list[Series[Any]]:
        """One grouped statement per (family, period), for all the advocates asked about."""
        groups: dict[tuple[str, Period], set[int]] = defaultdict(set)
        for family, period, advocate_id in keys:
            groups[(family, period)].add(advocate_id)
        found: dict[AdvocateStatsKey, Series[Any]] = {}
        for (family, period), advocate_ids in groups.items():
            scope = Scope(self._organization_id, advocate_ids=tuple(sorted(advocate_ids)))
            per_advocate = await PER_ADVOCATE[family](self._session, scope, period)
            for advocate_id, series in per_advocate.items():
                found[(family, period, advocate_id)] = series
        return [found[key] for key in keys]
