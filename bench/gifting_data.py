"""Rows the gifting benchmarks share (a sandbox item, programs) and the budget ledger check.

The ledger invariants (DESIGN.md §4): a program's cached ``budget_reserved`` and
``budget_spent`` equal what its ``budget_entry`` rows add up to, match the sends that hold or
spent the money, and never exceed ``budget_total``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg

from advocacy.programs.models import default_points
from bench.config import BenchError

ITEM_PRICE = 2_500
"""USD 25.00, in cents."""
CURRENCY = "USD"
OPEN_STATUSES = ("OFFERED", "REDEEMED", "FULFILLING")
"""Sends that hold a reservation."""


async def insert_item(connection: asyncpg.Connection, organization_id: int, name: str) -> int:
    """An active gift card fulfilled by the in-process sandbox provider, unlimited stock."""
    now = dt.datetime.now(dt.UTC)
    item_id: int = await connection.fetchval(
        """INSERT INTO gift_item (organization_id, name, kind, price, currency, tags, regions,
               inventory, provider, sku, active, created_at, updated_at)
           VALUES ($1, $2, 'GIFT_CARD', $3, $4, '[]'::jsonb, '[]'::jsonb, NULL, 'SANDBOX',
               'BENCH-CARD', true, $5, $5)
           RETURNING id""",
        organization_id,
        name,
        ITEM_PRICE,
        CURRENCY,
        now,
    )
    return item_id


async def insert_program(
    connection: asyncpg.Connection, organization_id: int, name: str, budget_total: int
) -> int:
    """An ACTIVE program with nothing reserved or spent yet."""
    now = dt.datetime.now(dt.UTC)
    program_id: int = await connection.fetchval(
        """INSERT INTO program (organization_id, name, status, budget_total, budget_reserved,
               budget_spent, currency, points_per_kind, kpi_targets, created_at, updated_at)
           VALUES ($1, $2, 'ACTIVE', $3, 0, 0, $4, $5::jsonb, '{}'::jsonb, $6, $6)
           RETURNING id""",
        organization_id,
        name,
        budget_total,
        CURRENCY,
        json.dumps(default_points()),
        now,
    )
    return program_id


async def giftable_advocates(connection: asyncpg.Connection, organization_id: int) -> list[int]:
    """Advocates a gift may be sent to (everyone but those who opted out), by id."""
    rows = await connection.fetch(
        "SELECT id FROM advocate WHERE organization_id = $1 AND status <> 'OPTED_OUT' ORDER BY id",
        organization_id,
    )
    return [row["id"] for row in rows]


@dataclass(frozen=True)
class Ledger:
    """One program's cached totals next to what its ledger rows and sends add up to."""

    program_id: int
    budget_total: int
    budget_reserved: int
    budget_spent: int
    entries: dict[str, tuple[int, int]]
    """Ledger entry kind → (rows, sum of amounts)."""
    sends: dict[str, tuple[int, int]]
    """Send status → (sends, sum of ``reserved_amount``)."""
    events: dict[str, int]
    """Event kind → events, over the program's sends."""

    def entry_count(self, kind: str) -> int:
        return self.entries.get(kind, (0, 0))[0]

    def entry_sum(self, kind: str) -> int:
        return self.entries.get(kind, (0, 0))[1]

    def send_count(self, *statuses: str) -> int:
        return sum(self.sends.get(status, (0, 0))[0] for status in statuses or self.sends)

    def send_sum(self, *statuses: str) -> int:
        return sum(self.sends.get(status, (0, 0))[1] for status in statuses)

    def problems(self) -> list[str]:
        """Every broken invariant, in words; empty when the ledger balances."""
        found: list[str] = []
        from_entries = (
            self.entry_sum("RESERVE") - self.entry_sum("RELEASE") - self.entry_sum("SPEND")
        )
        if self.budget_reserved != from_entries:
            found.append(
                f"budget_reserved {self.budget_reserved} != RESERVE - RELEASE - SPEND "
                f"{from_entries}"
            )
        if self.budget_spent != self.entry_sum("SPEND"):
            found.append(f"budget_spent {self.budget_spent} != SPEND {self.entry_sum('SPEND')}")
        if self.budget_reserved + self.budget_spent > self.budget_total:
            found.append(
                f"reserved {self.budget_reserved} + spent {self.budget_spent} > total "
                f"{self.budget_total}"
            )
        held = self.send_sum(*OPEN_STATUSES)
        if self.budget_reserved != held:
            found.append(f"budget_reserved {self.budget_reserved} != open sends' amounts {held}")
        fulfilled = self.send_sum("FULFILLED")
        if self.budget_spent != fulfilled:
            found.append(
                f"budget_spent {self.budget_spent} != fulfilled sends' amounts {fulfilled}"
            )
        return found

    def summary(self) -> str:
        return (
            f"total {self.budget_total}, reserved {self.budget_reserved}, spent "
            f"{self.budget_spent}; ledger RESERVE {self.entry_sum('RESERVE')} - RELEASE "
            f"{self.entry_sum('RELEASE')} - SPEND {self.entry_sum('SPEND')}"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def read_ledger(connection: asyncpg.Connection, program_id: int) -> Ledger:
    program = await connection.fetchrow(
        "SELECT budget_total, budget_reserved, budget_spent FROM program WHERE id = $1",
        program_id,
    )
    if program is None:
        raise BenchError(f"program {program_id} is gone")
    entries = await connection.fetch(
        "SELECT kind, count(*) AS n, sum(amount) AS total FROM budget_entry "
        "WHERE program_id = $1 GROUP BY kind",
        program_id,
    )
    sends = await connection.fetch(
        "SELECT status, count(*) AS n, sum(reserved_amount) AS total FROM gift_send "
        "WHERE program_id = $1 GROUP BY status",
        program_id,
    )
    events = await connection.fetch(
        "SELECT e.kind, count(*) AS n FROM gift_event AS e "
        "JOIN gift_send AS s ON s.id = e.send_id WHERE s.program_id = $1 GROUP BY e.kind",
        program_id,
    )
    return Ledger(
        program_id=program_id,
        budget_total=program["budget_total"],
        budget_reserved=program["budget_reserved"],
        budget_spent=program["budget_spent"],
        entries={row["kind"]: (row["n"], int(row["total"])) for row in entries},
        sends={row["status"]: (row["n"], int(row["total"])) for row in sends},
        events={row["kind"]: row["n"] for row in events},
    )
