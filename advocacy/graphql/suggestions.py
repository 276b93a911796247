"""No "Did you mean …?" when introspection is off.

graphql-core appends suggestions to validation errors (unknown field, argument, type, enum
value, input field) and to variable-coercion errors. With introspection off they are an
oracle: a client without any token could rebuild the hidden schema from them, one typo at a
time. graphql-core can leave them out (``hide_suggestions``), but strawberry calls ``validate``
and builds its executor without that option, so the schema uses these two instead: a
validation step (which also caches, like strawberry's ``ValidationCache``, which it replaces)
and an execution context class that always builds its executor with suggestions hidden.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from advocacy.graphql.execution import FastLeafExecutionContext


@lru_cache(maxsize=512)
def _validate_quietly(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
) -> list[GraphQLError]:
    """Strawberry's validation (its own two rules added to the schema's), suggestions hidden."""
    return validate(
        schema,
        document,
        (*rules, MaybeNullValidationRule, OneOfInputValidationRule),
        hide_suggestions=True,
    )


class QuietValidationCache(SchemaExtension):
    """``ValidationCache`` without suggestions in the errors."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = _validate_quietly(
            context.schema._schema, context.graphql_document, tuple(context.validation_rules)
        )
        yield


class QuietExecutionContext(FastLeafExecutionContext):
    """The executor, with suggestions left out of variable and argument coercion errors."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        kwargs["hide_suggestions"] = True
        return super().build(*args, **kwargs)
