"""Referral-link clicks as load: every seeded code in turn, from ever-new browser visitors.

Request number i goes to ``/r/<codes[i % len(codes)]>`` with browser ``i % VISITORS``'s
User-Agent. ``VISITORS`` is a prime, so a (code, visitor) pair comes back only after
``len(codes) * VISITORS`` requests (100 million for 10,000 codes): no click is a repeat the
endpoint's de-duplication would drop. ``ClickLoad`` carries the index on from run to run and
keeps count of the requests sent and of the clicks they should have recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bench.context import BenchContext
from bench.loadgen import HttpRequest, LoadResult

VISITORS = 10_007
"""Distinct User-Agents cycled through: a prime, coprime with any number of codes below it."""
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
}


def browser_user_agent(visitor: int) -> str:
    """Desktop Chrome on Windows; the visitor number picks the build, so each is distinct."""
    build, patch = 6000 + visitor // 1000, visitor % 1000
    return (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/124.0.{build}.{patch} Safari/537.36"
    )


def click_request(base_url: str, codes: list[str]) -> HttpRequest:
    """GETs of ``/r/{code}`` cycling through ``codes`` and ``VISITORS`` User-Agents."""
    return HttpRequest(
        f"{base_url}/r/{codes[0]}",
        headers=BROWSER_HEADERS,
        paths=tuple(f"/r/{code}" for code in codes),
        cycled_header=("User-Agent", tuple(map(browser_user_agent, range(VISITORS)))),
    )


@dataclass
class ClickLoad:
    """Every run against one server, so the clicks it recorded can be held to account."""

    name: str
    request: HttpRequest
    live: list[bool]
    """Per code (same order): does a click on it count (its advocate hasn't opted out)?"""
    next_index: int = 0
    requests: int = 0
    """Answers seen, every run included."""
    uncounted: int = 0
    """At most this many more requests were sent whose answers no client counted."""
    live_requests: int = 0
    """Of the answered requests, those to a code whose clicks count."""
    live_uncounted: int = 0
    """Of the at most ``uncounted`` more, those to a code whose clicks count."""
    runs: list[LoadResult] = field(default_factory=list)

    def _live_between(self, start: int, stop: int) -> int:
        return sum(self.live[i % len(self.live)] for i in range(start, stop))

    def drive(self, ctx: BenchContext, duration: float) -> LoadResult:
        """Closed-loop load for ``duration`` seconds, carrying on where the last run stopped."""
        connections = ctx.config.connections
        request = replace(self.request, first_body=self.next_index)
        result = ctx.loadgen.run(request, duration=duration, connections=connections)
        slack = ctx.loadgen.max_uncounted(connections)
        answered_end = self.next_index + result.requests
        self.live_requests += self._live_between(self.next_index, answered_end)
        self.live_uncounted += self._live_between(answered_end, answered_end + slack)
        self.requests += result.requests
        self.uncounted += slack
        self.next_index = answered_end + slack
        self.runs.append(result)
        return result

    def expected_clicks(self) -> tuple[int, int]:
        """The fewest and most clicks these runs can have recorded: the live requests answered,
        give or take those in flight when a run stopped (wrk's answers come back in any order,
        so up to ``uncounted`` of the answered live ones may really have been in flight)."""
        low = max(0, self.live_requests - self.uncounted)
        return low, self.live_requests + self.live_uncounted

    def as_dict(self) -> dict[str, Any]:
        low, high = self.expected_clicks()
        return {
            "name": self.name,
            "requests": self.requests,
            "uncounted_at_most": self.uncounted,
            "live_requests": self.live_requests,
            "expected_clicks": [low, high],
            "runs": [run.as_dict() for run in self.runs],
        }
