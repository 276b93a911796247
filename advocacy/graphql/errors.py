"""How failures reach clients.

Expected failures (bad input, domain rules) are ``UserError`` values in mutation payloads.
Authentication and authorization failures are top-level errors carrying ``extensions.code``.
Anything else is masked as "internal error" and logged with the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

import strawberry
from graphql import GraphQLError, Node

from advocacy.errors import DomainError, DomainErrors, ErrorCode

log = logging.getLogger("advocacy.graphql")

strawberry.enum(ErrorCode, name="UserErrorCode", description="What went wrong.")


@strawberry.type(description="An expected failure of a mutation, naming the input field.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase; dotted for nested input, e.g. "
        "`rows.3.email`), or null when the failure is not about one field."
    )
    code: ErrorCode
    message: str


def user_errors(error: DomainError | DomainErrors) -> list[UserError]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [UserError(field=e.field, code=e.code, message=e.message) for e in errors]


class ApiError(GraphQLError):
    """A top-level error the client is meant to see (``UNAUTHENTICATED``, ``FORBIDDEN``,
    ``BAD_USER_INPUT``): never masked."""

    def __init__(
        self,
        message: str,
        code: str,
        *,
        field: str | None = None,
        nodes: Node | Collection[Node] | None = None,
    ) -> None:
        """``field`` names the argument at fault (``filter.search``), as ``extensions.field``;
        ``nodes`` place the error in the query text (``locations``)."""
        extensions = {"code": code} if field is None else {"code": code, "field": field}
        super().__init__(message, nodes=nodes, extensions=extensions)


def should_mask(error: GraphQLError) -> bool:
    """Mask errors raised by our code unless they are ``ApiError``s. Errors about the request
    itself stay visible: parse and validation errors, and bad variable values (raised before
    execution, so without a path, or by graphql-core as a GraphQLError)."""
    original = error.original_error
    if original is None or error.path is None or isinstance(original, GraphQLError):
        return False
    log.error(
        "internal error in GraphQL field %s",
        ".".join(str(p) for p in error.path or ()),
        exc_info=original,
    )
    return True
