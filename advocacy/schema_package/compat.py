"""Which schema changes break clients, and the deprecation policy that lets things go.

The policy: nothing a client may use disappears or narrows without warning. A field, argument,
input field or enum value may be removed only when the previous schema already marked it
``@deprecated``; a type may go when everything that referred to it went that way. Any other
breaking change (a removal without deprecation, a nullable argument made non-null, a new
required argument, a changed type…) fails the check, unless ``CHANGELOG.md`` records it as
deliberate (see ``acknowledged``).

graphql-core's ``find_breaking_changes`` knows what breaks; it doesn't know about deprecations.
So the retired elements are first taken out of the *old* schema, and what graphql-core still
finds between that and the new schema is what the policy refuses.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
)
from graphql.language import DirectiveDefinitionNode

ACKNOWLEDGED_PREFIX = "- Breaking: "
"""A line of ``CHANGELOG.md`` starting so, followed by the change exactly as the check printed
it, records a breaking change made on purpose; the check then lets it pass."""

WAY_OUT = (
    "Clients may still use what changed. Instead: add the new field (argument, type, value) "
    "next to the old one, mark the old one deprecated (strawberry: "
    '`deprecation_reason="use newField"`; SDL: `@deprecated(reason: …)`), release that, and '
    "remove it in a later change once clients have moved. If the break is deliberate, record "
    f"it in frontend-schema/CHANGELOG.md as a line `{ACKNOWLEDGED_PREFIX}<the change as printed "
    "above>`."
)


@dataclass(frozen=True)
class Comparison:
    """What changed from one schema to the next, as clients see it."""

    breaking: list[str]
    """Breaking changes the policy refuses (graphql-core's descriptions)."""
    acknowledged: list[str]
    """Breaking changes recorded in the changelog as deliberate."""
    retired: list[str]
    """Removals of what the old schema had deprecated (allowed)."""
    dangerous: list[str]
    """Changes that can surprise a client without breaking it (a new enum value, a changed
    default, an optional argument added…): reported, never refused."""

    @property
    def ok(self) -> bool:
        return not self.breaking

    def report(self) -> str:
        sections = [
            ("breaking (refused)", self.breaking),
            ("breaking (acknowledged in CHANGELOG.md)", self.acknowledged),
            ("removed after deprecation (allowed)", self.retired),
            ("dangerous (allowed; check the clients)", self.dangerous),
        ]
        lines = [
            line
            for title, items in sections
            if items
            for line in (f"{title}:", *(f"  {item}" for item in items))
        ]
        return "\n".join(lines) if lines else "no changes a client could notice"


def compare(old_sdl: str, new_sdl: str, acknowledged: Iterable[str] = ()) -> Comparison:
    """Compare two schemas (SDL text) under the deprecation policy."""
    new_document = parse(new_sdl)
    new_schema = build_ast_schema(new_document)
    old_document, retired = _without_retired(parse(old_sdl), new_document)
    old_schema = build_ast_schema(old_document)
    known = set(acknowledged)
    breaking = [change.description for change in find_breaking_changes(old_schema, new_schema)]
    return Comparison(
        breaking=[change for change in breaking if change not in known],
        acknowledged=[change for change in breaking if change in known],
        retired=retired,
        dangerous=[change.description for change in find_dangerous_changes(old_schema, new_schema)],
    )


def acknowledged_changes(changelog: str) -> list[str]:
    """The breaking changes a changelog records as deliberate."""
    return [
        line.strip()[len(ACKNOWLEDGED_PREFIX) :].strip()
        for line in changelog.splitlines()
        if line.strip().startswith(ACKNOWLEDGED_PREFIX)
    ]


Members = dict[str, dict[str, set[str]]]
"""What a schema defines: type name → member (field, input field, enum value) → its
arguments."""


def _members(document: DocumentNode) -> Members:
    members: Members = {}
    for definition in document.definitions:
        if isinstance(definition, TypeDefinitionNode):
            members[definition.name.value] = {
                name: {argument.name.value for argument in arguments}
                for name, arguments in _member_nodes(definition)
            }
    return members


def _member_nodes(definition: TypeDefinitionNode) -> list[tuple[str, tuple[Any, ...]]]:
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        return [(f.name.value, tuple(f.arguments or ())) for f in definition.fields or ()]
    if isinstance(definition, InputObjectTypeDefinitionNode):
        return [(f.name.value, ()) for f in definition.fields or ()]
    if isinstance(definition, EnumTypeDefinitionNode):
        return [(v.name.value, ()) for v in definition.values or ()]
    return []


def _deprecation(node: Any) -> str | None:
    """The reason a node is ``@deprecated`` (the default reason when it gives none)."""
    for directive in node.directives or ():
        if isinstance(directive, DirectiveNode) and directive.name.value == "deprecated":
            for argument in directive.arguments or ():
                if argument.name.value == "reason" and isinstance(argument.value, StringValueNode):
                    return argument.value.value
            return "No longer supported"
    return None


def _without_retired(old: DocumentNode, new: DocumentNode) -> tuple[DocumentNode, list[str]]:
    """The old schema minus what it had deprecated and the new one removed, and a line for
    each such removal. Then the types only those removed elements referred to."""
    kept = _members(new)
    retired: list[str] = []
    definitions = []
    for definition in old.definitions:
        if isinstance(definition, TypeDefinitionNode):
            definition = _strip_type(definition, kept.get(definition.name.value), retired)
        definitions.append(definition)
    referenced_before = _references(old.definitions)
    while True:  # dropping a type can leave the types only it referred to unreferenced
        referenced = _references(definitions)
        orphans = {
            d.name.value
            for d in definitions
            if isinstance(d, TypeDefinitionNode)
            and d.name.value not in kept
            and referenced_before[d.name.value]
            and not referenced[d.name.value]
        }
        if not orphans:
            break
        retired.extend(
            f"{name} (only deprecated fields and arguments used it)" for name in sorted(orphans)
        )
        definitions = [
            d
            for d in definitions
            if not (isinstance(d, TypeDefinitionNode) and d.name.value in orphans)
        ]
    return dataclasses.replace(old, definitions=tuple(definitions)), retired


def _strip_type(
    definition: TypeDefinitionNode, kept: dict[str, set[str]] | None, retired: list[str]
) -> TypeDefinitionNode:
    type_name = definition.name.value
    kept = kept or {}

    def gone(name: str, node: Any) -> bool:
        reason = _deprecation(node)
        if name in kept or reason is None:
            return False
        retired.append(f"{type_name}.{name} (deprecated: {reason})")
        return True

    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        fields: list[FieldDefinitionNode] = []
        for field in definition.fields or ():
            name = field.name.value
            if gone(name, field):
                continue
            if name in kept:
                field = _strip_arguments(field, f"{type_name}.{name}", kept[name], retired)
            fields.append(field)
        return dataclasses.replace(definition, fields=tuple(fields))
    if isinstance(definition, InputObjectTypeDefinitionNode):
        inputs = [f for f in definition.fields or () if not gone(f.name.value, f)]
        return dataclasses.replace(definition, fields=tuple(inputs))
    if isinstance(definition, EnumTypeDefinitionNode):
        values = [v for v in definition.values or () if not gone(v.name.value, v)]
        return dataclasses.replace(definition, values=tuple(values))
    return definition


def _strip_arguments(
    field: FieldDefinitionNode, coordinate: str, kept: set[str], retired: list[str]
) -> FieldDefinitionNode:
    arguments: list[InputValueDefinitionNode] = []
    for argument in field.arguments or ():
        reason = _deprecation(argument)
        if argument.name.value not in kept and reason is not None:
            retired.append(f"{coordinate}({argument.name.value}:) (deprecated: {reason})")
            continue
        arguments.append(argument)
    return dataclasses.replace(field, arguments=tuple(arguments))


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, ListTypeNode | NonNullTypeNode):
        type_node = type_node.type
    return type_node.name.value  # type: ignore[attr-defined]


def _references(definitions: Iterable[Any]) -> Counter[str]:
    """How often each type is used by a field, argument, input field or union. Implementing an
    interface is not a use of the implementing type."""
    uses: Counter[str] = Counter()
    for definition in definitions:
        if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            for field in definition.fields or ():
                uses[_named(field.type)] += 1
                uses.update(_named(argument.type) for argument in field.arguments or ())
        elif isinstance(definition, InputObjectTypeDefinitionNode):
            uses.update(_named(field.type) for field in definition.fields or ())
        elif isinstance(definition, UnionTypeDefinitionNode):
            uses.update(member.name.value for member in definition.types or ())
        elif isinstance(definition, DirectiveDefinitionNode):
            uses.update(_named(argument.type) for argument in definition.arguments or ())
    return uses
