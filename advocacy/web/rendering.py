"""Jinja2 templates of ``advocacy/web/templates`` (autoescaped) and the little helpers they use."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from advocacy.reference_data import country_names

TEMPLATES_DIR = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def countries_for(ships_to: list[str]) -> list[tuple[str, str]]:
    """(alpha-2, name) pairs, by name, for the address form's country list: the countries an
    item ships to, or every country when it ships anywhere."""
    allowed = {code.upper() for code in ships_to}
    pairs = [
        (code, name) for code, name in country_names().items() if not allowed or code in allowed
    ]
    return sorted(pairs, key=lambda pair: pair[1])
