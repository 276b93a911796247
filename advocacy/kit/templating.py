"""Message templates with ``{field}`` placeholders, filled by plain substitution.

Used by gift rule messages and engagement emails. Each user names its own fields; unknown
fields are refused when a template is saved, so sending never fails on a typo, and format
specs or conversions (``{points:d}``, ``{name!r}``, ``{name:>999999}``) are refused too, since
``str.format`` on user text can allocate without bound.
"""

from __future__ import annotations

import string
from collections.abc import Iterable


def _spelled(name: str, spec: str | None, conversion: str | None) -> str:
    return name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")


def unknown_fields(template: str, fields: Iterable[str]) -> list[str]:
    """Placeholders the template uses that we can't fill; raises ValueError on bad syntax."""
    known = set(fields)
    unknown = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in known or spec or conversion:
            unknown.append(_spelled(name, spec, conversion))
    return unknown


def render(template: str, values: dict[str, str]) -> str:
    """Plain substitution of the fields in ``values``; anything else is kept as written."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts.append(literal)
        if name is None:
            continue
        if name in values and not spec and not conversion:
            parts.append(values[name])
        else:
            parts.append("{" + _spelled(name, spec, conversion) + "}")
    return "".join(parts)
