"""sendGift load against one program, and holding that program's ledger to account for it.

Each request body names the next advocate who can be sent a gift (round-robin, by id), the
benchmark's item and the program. ``ProgramLoad`` keeps count, across every run against its
program, of the requests sent and the answers seen, so that afterwards the sends in the
database can be checked against them (``account``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import orjson

from bench.config import BenchError
from bench.context import BenchContext
from bench.gifting_data import ITEM_PRICE, Ledger
from bench.loadgen import HttpRequest, LoadResult

MUTATION = """
mutation Send($input: SendGiftInput!) {
  sendGift(input: $input) {
    giftSend { id status amount { amount currency } }
    giftLink
    errors { field code message }
  }
}
"""
OK_MARKER = '"status":"OFFERED"'
BUDGET_MARKER = '"code":"BUDGET_EXCEEDED"'


def _gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def send_request(
    url: str, token: str | None, item_id: int, program_id: int, advocates: list[int]
) -> HttpRequest:
    """POSTs of the sendGift mutation, one body per advocate, counting OK and BUDGET_EXCEEDED
    answers."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    item, program = _gid("GiftItem", item_id), _gid("Program", program_id)
    bodies = tuple(
        orjson.dumps(
            {
                "query": MUTATION,
                "variables": {
                    "input": {
                        "advocateId": _gid("Advocate", advocate),
                        "itemId": item,
                        "programId": program,
                    }
                },
            }
        )
        for advocate in advocates
    )
    return HttpRequest(url, "POST", headers, bodies=bodies, markers=(OK_MARKER, BUDGET_MARKER))


@dataclass
class ProgramLoad:
    """Every request sent against one program, so its ledger can be held to account."""

    name: str
    program_id: int
    request: HttpRequest
    next_body: int = 0
    ok: int = 0
    """Sends the clients saw succeed."""
    budget_exceeded: int = 0
    requests: int = 0
    uncounted: int = 0
    """At most this many more requests were sent whose answers no client counted."""
    runs: list[LoadResult] = field(default_factory=list)

    def preflight(self) -> None:
        """One request by hand: it must succeed (and so must the benchmark's setup)."""
        body = self.request.bodies[self.next_body % len(self.request.bodies)]
        try:
            response = httpx.post(
                self.request.url, headers=self.request.headers, content=body, timeout=30
            )
        except httpx.HTTPError as error:
            raise BenchError(f"{self.name}: first sendGift failed: {error!r}") from error
        self.next_body += 1
        self.requests += 1
        if response.status_code != 200 or OK_MARKER not in response.text:
            raise BenchError(
                f"{self.name}: first sendGift did not succeed: HTTP {response.status_code} "
                f"{response.text[:1000]}"
            )
        self.ok += 1

    def drive(self, ctx: BenchContext, duration: float, clients: int) -> LoadResult:
        """Closed-loop load for ``duration`` seconds, carrying on with the next advocates."""
        request = replace(self.request, first_body=self.next_body)
        result = ctx.loadgen.run(request, duration=duration, connections=clients)
        if len(result.marked) != len(request.markers):
            raise BenchError(f"{self.name}: the load generator did not count answers")
        slack = ctx.loadgen.max_uncounted(clients)
        self.ok += result.marked[0]
        self.budget_exceeded += result.marked[1]
        self.requests += result.requests
        self.uncounted += slack
        self.next_body += result.requests + slack
        self.runs.append(result)
        return result

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "program_id": self.program_id,
            "requests": self.requests,
            "ok_seen": self.ok,
            "budget_exceeded_seen": self.budget_exceeded,
            "uncounted_at_most": self.uncounted,
            "runs": [run.as_dict() for run in self.runs],
        }


def account(load: ProgramLoad, ledger: Ledger, affordable: int | None) -> list[str]:
    """What doesn't add up between the clients' counts, the program's sends and its ledger."""
    problems = ledger.problems()
    offered = ledger.send_count("OFFERED")
    if ledger.send_count() != offered:
        problems.append(f"{ledger.send_count() - offered} sends are not OFFERED: {ledger.sends}")
    reserves = ledger.entry_count("RESERVE"), ledger.entry_sum("RESERVE")
    if reserves != (offered, offered * ITEM_PRICE):
        problems.append(f"{offered} OFFERED sends but RESERVE entries {ledger.entries}")
    if ledger.events.get("OFFERED", 0) != offered:
        problems.append(f"{offered} OFFERED sends but events {ledger.events}")
    if not load.ok <= offered <= load.ok + load.uncounted:
        problems.append(
            f"clients saw {load.ok} sends succeed (+ at most {load.uncounted} uncounted in "
            f"flight) but the program has {offered}"
        )
    if affordable is not None and offered != affordable:
        problems.append(f"the budget affords {affordable} sends, {offered} were made")
    return problems
