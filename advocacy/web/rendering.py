"""Jinja2 templates of ``advocacy/web/templates`` (autoescaped) and the little helpers they use."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from advocacy.kit.reference_data import country_names
from advocacy.web.i18n import Translator, sort_key

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


def countries_for(ships_to: list[str], t: Translator) -> list[tuple[str, str]]:
    """(alpha-2, name) pairs for the address form's country list, named in the page's language
    and in the order a reader looks for them: the countries an item ships to, or every country
    when it ships anywhere."""
    allowed = {code.upper() for code in ships_to}
    pairs = [(code, t.country(code)) for code in country_names() if not allowed or code in allowed]
    return sorted(pairs, key=lambda pair: sort_key(pair[1]))
