"""Gift messages from a rule's template: ``{first_name}``, ``{name}``, ``{account}``,
``{program}``, ``{milestone_kind}``, ``{points}``. Unknown fields are refused when the rule is
saved, so a send never fails on a typo."""

from __future__ import annotations

import string

FIELDS = ("first_name", "name", "account", "program", "milestone_kind", "points")


def unknown_fields(template: str) -> list[str]:
    """Placeholders the template uses that we can't fill — including any with a format spec
    or conversion (``{points:d}``, ``{name!r}``, ``{name:>999999}``), which are plain text
    substitution's business only; raises ValueError on bad syntax."""
    unknown = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in FIELDS or spec or conversion:
            unknown.append(
                name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            )
    return unknown


def render(template: str, values: dict[str, str]) -> str:
    """Plain substitution of the known fields; anything else is kept as written."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        parts.append(literal)
        if name is None:
            continue
        if name in FIELDS and not spec and not conversion:
            parts.append(values.get(name, ""))
        else:
            parts.append(
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
    return "".join(parts)
