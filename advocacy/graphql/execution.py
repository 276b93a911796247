"""A faster path through graphql-core for plain leaf fields.

Most of a large result is leaves read straight off an object (``name``, ``status``,
``occurredAt``): strawberry resolves them with ``getattr``, yet graphql-core still builds a
resolve-info object, checks for awaitables and walks its completion machinery for each, which
dominated the cost of a 100-advocate page (bench/). For a field that is *only* an attribute
read of a scalar or enum (strawberry's default resolver, no arguments, no field extensions or
permissions), this executor reads and serializes the value directly.

Anything unusual goes the standard way, so behaviour and errors are unchanged: a null on a
non-null field, a value the scalar refuses, a list, an object, a field with arguments or
directives, or an alias group of several nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

_MISSING = object()
_NOT_A_LEAF = None

LeafPlan = tuple[str, Callable[[Any], Any], bool]
"""(python attribute name, serialize, nullable)"""


def _leaf_plan(parent_type: GraphQLObjectType, field_name: str) -> LeafPlan | None:
    field_def = parent_type.fields.get(field_name)
    if field_def is None or field_def.args or not getattr(field_def.resolve, "_is_default", False):
        return _NOT_A_LEAF
    definition = (field_def.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return _NOT_A_LEAF
    field_type = field_def.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    named = field_type if nullable else field_type.of_type
    if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return _NOT_A_LEAF
    return definition.python_name, named.serialize, nullable


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the leaf fast path described above."""

    _plans: dict[tuple[str, str], LeafPlan | None] = {}
    """Per (type name, field name); shared by all requests of the process (the schema is
    built once)."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        if len(field_details_list) == 1:
            node = field_details_list[0].node
            if not node.arguments and not node.directives:
                key = (parent_type.name, node.name.value)
                plans = self._plans
                plan = (
                    plans[key]
                    if key in plans
                    else plans.setdefault(key, _leaf_plan(parent_type, node.name.value))
                )
                if plan is not None:
                    attribute, serialize, nullable = plan
                    value = getattr(source, attribute, _MISSING)
                    if value is None:
                        if nullable:
                            return None
                    elif value is not _MISSING:
                        try:
                            serialized = serialize(value)
                        except Exception:  # let the standard path report it
                            serialized = Undefined
                        if serialized is not None and serialized is not Undefined:
                            return serialized
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )


def _lean(method: Callable[..., Any], **renamed: str) -> Callable[..., Any]:
    """A graphql-core resolver calling ``method(source, loaders, **arguments)`` directly.

    graphql-core has already coerced the arguments (enums arrive as their string values,
    which the shared methods accept); ``renamed`` maps GraphQL argument names to Python ones.
    """

    def resolve(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        for graphql_name, python_name in renamed.items():
            if graphql_name in arguments:
                arguments[python_name] = arguments.pop(graphql_name)
        return method(source, info.context.loaders, **arguments)

    return resolve


def install_lean_resolvers(schema: Any) -> None:
    """Swap strawberry's resolver wrapper for a direct call on hot relation fields.

    Strawberry wraps every resolver call (an Info object, argument conversion with per-call
    name conversion, the extension chain); for relation fields resolved once per row of a
    page, that wrapper cost more than the work. These fields have no permissions or field
    extensions, and the strawberry methods call the same ``load_*`` methods, so both paths
    behave the same (the test suite runs through these; see tests/graphql/test_lean_resolvers.py).
    """
    from advocacy.graphql import types

    lean = {
        ("Advocate", "account"): _lean(types.Advocate.load_account),
        ("Advocate", "milestones"): _lean(types.Advocate.load_milestones, programId="program_id"),
        ("Milestone", "advocate"): _lean(types.Milestone.load_advocate),
        ("Milestone", "program"): _lean(types.Milestone.load_program),
    }
    type_map = schema._schema.type_map
    for (type_name, field_name), resolver in lean.items():
        field = type_map[type_name].fields[field_name]
        definition = field.extensions["strawberry-definition"]
        assert not definition.extensions and not definition.permission_classes, (
            f"{type_name}.{field_name} gained extensions; its lean resolver would skip them"
        )
        field.resolve = resolver
