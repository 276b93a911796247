"""The rules for ``frontend-schema/operations/``: each ``<Name>.graphql`` holds exactly one
operation, named ``<Name>``, self-contained (its fragments in the same file), valid against the
committed schema, in UTF-8 with LF line endings (its trusted-documents id is the hash of the
exact text)."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)


def _where(error: GraphQLError) -> str:
    return f" (line {error.locations[0].line})" if error.locations else ""


def operation_problems(schema: GraphQLSchema, path: Path) -> list[str]:
    """What is wrong with one operation file, each line naming the file."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return [f"{name}: not UTF-8"]
    problems = []
    if "\r" in text:
        problems.append(f"{name}: use LF line endings (the document id hashes the exact text)")
    try:
        document = parse(text)
    except GraphQLError as error:
        return [*problems, f"{name}: syntax error{_where(error)}: {error.message}"]
    problems.extend(f"{name}: {problem}" for problem in _shape_problems(document, path.stem))
    problems.extend(
        f"{name}: {error.message}{_where(error)}" for error in validate(schema, document)
    )
    return problems


def _shape_problems(document: DocumentNode, stem: str) -> list[str]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    problems = [
        f"holds a {type(d).__name__.removesuffix('Node')}; only an operation and its fragments "
        "belong here"
        for d in document.definitions
        if not isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    if len(operations) != 1:
        return [*problems, f"holds {len(operations)} operations; put exactly one in each file"]
    operation = operations[0]
    if operation.name is None:
        problems.append(f"the operation has no name; name it {stem} (the file's stem)")
    elif operation.name.value != stem:
        problems.append(
            f"the operation is named {operation.name.value}; rename it {stem} or the file "
            f"{operation.name.value}.graphql"
        )
    return problems


def check_operations(schema: GraphQLSchema, directory: Path) -> list[str]:
    """Every problem of every ``*.graphql`` in ``directory`` (none: all good)."""
    return [
        problem
        for path in sorted(directory.glob("*.graphql"))
        for problem in operation_problems(schema, path)
    ]
