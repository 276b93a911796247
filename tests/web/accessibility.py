"""Accessibility checks with axe-core (from the npm lock) in the real browser: WCAG 2.1 A and
AA rules — labels, contrast, landmarks, names of buttons and links, language of the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def axe_violations(page: Page) -> list[str]:
    """What axe-core finds wrong with the page as it is now: one line per rule and element.
    The page's CSP refuses injected scripts, so the context must have ``bypass_csp``."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make test` (npm ci)")
    await page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = await page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", RULES
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} — {violation['help']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]
