"""Per-click cost of the referral click's bot check (``advocacy.referrals.clicks.is_bot``):
``python -m bench.bot_matcher``.

The crawler-user-agents list is ~1,500 regular expressions; a browser's User-Agent has to miss
every one of them, so an uncached verdict costs far more than the hand-written pattern it
replaced. The cache per User-Agent makes a repeat nearly free. This prints, in microseconds a
click: the library uncached (distinct browser strings, the worst case, and distinct WhatsApp
strings, an early match), ``is_bot`` on a cache hit and on a miss, and the old pattern.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import crawleruseragents

from advocacy.referrals.clicks import is_bot, known_user_agent
from bench.referral_load import browser_user_agent

SAMPLES = 20_000
OLD_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|curl|wget|python-|httpx|"
    r"go-http-client|headless|scrapy|okhttp|java/",
    re.IGNORECASE,
)
"""The hand-written check before crawler-user-agents, for comparison."""


def microseconds_each(check: Callable[[str], object], user_agents: list[str]) -> float:
    start = time.perf_counter()
    for user_agent in user_agents:
        check(user_agent)
    return (time.perf_counter() - start) / len(user_agents) * 1e6


def main() -> None:
    start = time.perf_counter()
    crawleruseragents.is_crawler("warm-up")  # compiles the patterns once per process
    print(f"first call (compiles the patterns): {(time.perf_counter() - start) * 1e3:.1f} ms")
    browsers = [browser_user_agent(visitor) for visitor in range(SAMPLES)]
    whatsapp = [f"WhatsApp/2.23.{visitor}.0 A" for visitor in range(SAMPLES)]
    rows = {
        "library, uncached, distinct browser User-Agents": microseconds_each(
            crawleruseragents.is_crawler, browsers
        ),
        "library, uncached, distinct WhatsApp User-Agents": microseconds_each(
            crawleruseragents.is_crawler, whatsapp
        ),
    }
    known_user_agent.cache_clear()
    rows["is_bot, cache miss (distinct browsers)"] = microseconds_each(is_bot, browsers)
    repeats = [browsers[0]] * SAMPLES
    rows["is_bot, cache hit (the same browser)"] = microseconds_each(is_bot, repeats)
    rows["old hand-written pattern"] = microseconds_each(OLD_PATTERN.search, browsers)
    for name, cost in rows.items():
        print(f"{name:<52} {cost:8.2f} µs")


if __name__ == "__main__":
    main()
