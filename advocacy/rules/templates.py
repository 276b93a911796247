"""Gift messages from a rule's template: ``{first_name}``, ``{name}``, ``{account}``,
``{program}``, ``{milestone_kind}``, ``{points}``. Unknown fields are refused when the rule is
saved, so a send never fails on a typo."""

from __future__ import annotations

import string

FIELDS = ("first_name", "name", "account", "program", "milestone_kind", "points")


def unknown_fields(template: str) -> list[str]:
    """Placeholders the template uses that we can't fill; raises ValueError on bad syntax."""
    used = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    return [name for name in used if name not in FIELDS]


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, values: dict[str, str]) -> str:
    return string.Formatter().vformat(template, (), _Values(values))
