"""Every read argument through the same text checks as mutation input, before execution.

Mutations check their input in the services (``advocacy.kit.validation.Checker``) and answer
payload errors. Read arguments (``accounts(search:)``, ``advocates(filter: {search,
interest})``, ``giftItems(filter: {tag, currency, region})``, ids, cursors, tokens, and every
nested field's arguments) went straight into SQL: a NUL byte became an asyncpg error ("internal
error"), and a megabyte search string a megabyte ``ILIKE``. Rather than a check in each
resolver (and in each fast path: lean resolvers, the read planner), this extension walks the
operation once before it executes: every ``String`` or ``ID`` value given to an argument of a
field other than a root mutation field, as a literal or through a variable, at any depth of an
input object or list, must pass ``argument_problem`` (no control characters, at most
``MAX_READ_ARGUMENT_LENGTH`` characters). A failure answers ``BAD_USER_INPUT`` naming the
argument (``filter.search``) and nothing runs.

What the document says is worked out once per document and operation (cached with the parsed
document): literals are checked then, and the variables each argument reads are noted, so a
request only checks its variables' values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from advocacy.graphql.errors import ApiError
from advocacy.kit.validation import MAX_READ_ARGUMENT_LENGTH, argument_problem

TEXT_SCALARS = frozenset({"String", "ID"})


@dataclass(frozen=True)
class _Problem:
    message: str
    field: str
    node: Node


@dataclass(frozen=True)
class _VariableUse:
    name: str
    type_: GraphQLInputType
    path: str
    node: Node
    default: ValueNode | None


@dataclass(frozen=True)
class _Plan:
    problems: tuple[_Problem, ...]
    """Found in the document's literals."""
    variables: tuple[_VariableUse, ...]
    """Where a variable's value reaches a checked argument."""


def _check(value: str, path: str, node: Node) -> _Problem | None:
    problem = argument_problem(path, value, max_length=MAX_READ_ARGUMENT_LENGTH)
    return None if problem is None else _Problem(problem.message, path, node)


def _literal(
    node: ValueNode, type_: GraphQLInputType, path: str
) -> Iterator[_Problem | tuple[VariableNode, GraphQLInputType, str]]:
    """Problems of a literal value; a variable inside it is yielded with its type and path."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(node, VariableNode):
        yield node, type_, path
    elif isinstance(type_, GraphQLList):
        items = node.values if isinstance(node, ListValueNode) else (node,)
        for index, item in enumerate(items):
            yield from _literal(item, type_.of_type, f"{path}.{index}")
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
        for field in node.fields:
            definition = type_.fields.get(field.name.value)
            if definition is not None:
                yield from _literal(field.value, definition.type, f"{path}.{field.name.value}")
    elif isinstance(node, StringValueNode) and get_named_type(type_).name in TEXT_SCALARS:
        problem = _check(node.value, path, node)
        if problem is not None:
            yield problem


def _raw(value: Any, type_: GraphQLInputType, path: str, node: Node) -> _Problem | None:
    """The first problem of a variable's value (JSON as sent), walked along its type."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        for index, item in enumerate(value if isinstance(value, list) else (value,)):
            if (problem := _raw(item, type_.of_type, f"{path}.{index}", node)) is not None:
                return problem
    elif isinstance(type_, GraphQLInputObjectType):
        if isinstance(value, dict):
            for name, item in value.items():
                definition = type_.fields.get(name)
                if definition is not None and (
                    problem := _raw(item, definition.type, f"{path}.{name}", node)
                ):
                    return problem
    elif isinstance(value, str) and get_named_type(type_).name in TEXT_SCALARS:
        return _check(value, path, node)
    return None


class _Walk:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.seen: set[str] = set()
        self.problems: list[_Problem] = []
        self.uses: list[_VariableUse] = []
        self.defaults: dict[str, ValueNode | None] = {}

    def operation(self, operation: OperationDefinitionNode) -> None:
        for definition in operation.variable_definitions or ():
            self.defaults[definition.variable.name.value] = definition.default_value
        root = self.schema.get_root_type(operation.operation)
        if root is not None:
            self.selections(operation.selection_set, root)

    def selections(self, selection_set: SelectionSetNode | None, parent: Any) -> None:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                self.selections(
                    selection.selection_set,
                    self.schema.get_type(condition.name.value) if condition else parent,
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in self.seen:  # each fragment once
                    self.seen.add(name)
                    fragment_type = self.schema.get_type(fragment.type_condition.name.value)
                    self.selections(fragment.selection_set, fragment_type)

    def field(self, node: FieldNode, parent: Any) -> None:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return  # __typename, or an error validation has reported
        if parent is not self.schema.mutation_type:  # mutation input: the services' Checker
            for argument in node.arguments or ():
                argument_def = definition.args.get(argument.name.value)
                if argument_def is None:
                    continue
                for found in _literal(argument.value, argument_def.type, argument.name.value):
                    if isinstance(found, _Problem):
                        self.problems.append(found)
                    else:
                        variable, type_, path = found
                        name = variable.name.value
                        self.uses.append(
                            _VariableUse(name, type_, path, argument, self.defaults.get(name))
                        )
        self.selections(node.selection_set, get_named_type(definition.type))


_plans: dict[tuple[int, int, str | None], tuple[GraphQLSchema, DocumentNode, _Plan]] = {}
"""By document identity (ParserCache hands out the same document for the same text; hashing
one hashes its whole tree), per schema; both are kept so their ids can't be reused."""
_MAX_PLANS = 512


def _plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> _Plan:
    key = (id(schema), id(document), operation_name)
    cached = _plans.get(key)
    if cached is not None and cached[0] is schema and cached[1] is document:
        return cached[2]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    walk = _Walk(schema, document)
    for operation in operations:
        if operation_name is None or (operation.name and operation.name.value == operation_name):
            walk.operation(operation)
            break
    plan = _Plan(tuple(walk.problems), tuple(walk.uses))
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    _plans[key] = (schema, document, plan)
    return plan


def read_argument_errors(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> list[ApiError]:
    """``BAD_USER_INPUT`` errors for the read arguments of the operation, or none."""
    plan = _plan(schema, document, operation_name)
    problems = list(plan.problems)
    for use in plan.variables:
        if variables is not None and use.name in variables:
            problem = _raw(variables[use.name], use.type_, use.path, use.node)
        elif use.default is not None:
            problem = next(
                (p for p in _literal(use.default, use.type_, use.path) if isinstance(p, _Problem)),
                None,
            )
        else:
            problem = None
        if problem is not None:
            problems.append(problem)
    return [ApiError(p.message, "BAD_USER_INPUT", field=p.field, nodes=p.node) for p in problems]


class ReadArgumentChecks(SchemaExtension):
    """Runs ``read_argument_errors`` before execution; the errors are the whole answer."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.result:
            errors = read_argument_errors(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if errors:
                if context.operation_type is OperationType.SUBSCRIPTION:
                    raise errors[0]  # the subscription path has no result to set
                context.result = ExecutionResult(data=None, errors=list(errors))
        yield
