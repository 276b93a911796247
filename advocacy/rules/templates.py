"""Gift messages from a rule's template: ``{first_name}``, ``{name}``, ``{account}``,
``{program}``, ``{milestone_kind}``, ``{points}`` (see :mod:`advocacy.kit.templating`)."""

from __future__ import annotations

from advocacy.kit import templating

FIELDS = ("first_name", "name", "account", "program", "milestone_kind", "points")


def unknown_fields(template: str) -> list[str]:
    return templating.unknown_fields(template, FIELDS)


def render(template: str, values: dict[str, str]) -> str:
    return templating.render(template, {name: values.get(name, "") for name in FIELDS})
