"""The README's KPI walkthrough queries run as written (with this test's ids)."""

from __future__ import annotations

import re
from pathlib import Path

from advocacy.graphql.ids import encode_id
from tests.analytics.data import seed_world
from tests.conftest import Org
from tests.fixtures.api import Api

README = Path(__file__).resolve().parents[2] / "README.md"


def _kpi_example() -> str:
    text = README.read_text()
    step = text[text.index("**10. Is the program working?**") :]
    match = re.search(r"```graphql\n(.*?)```", step, re.S)
    assert match is not None
    return match.group(1)


async def test_the_readme_kpi_query_runs(viewer: Api, org: Org) -> None:
    world = await seed_world(org.id, seed=3)
    program = encode_id("Program", next(iter(world.programs)))
    query = _kpi_example().replace('"UHJvZ3JhbTox"', f'"{program}"')
    # The README's period is "the last 90 days" of the demo; this world lives in early 2025.
    period = {"from": "2025-01-01T00:00:00Z", "to": "2025-04-01T00:00:00Z"}
    stats = (await viewer(query, period))["programStats"]
    assert len(stats["series"]) == 14  # ISO weeks touching January to March 2025
    assert stats["period"]["milestones"]["approved"] > 0
    assert stats["topByPoints"][0]["rank"] == 1
