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
from strawberry.extensions import MaskErrors

from advocacy.kit.errors import DomainError, DomainErrors, ErrorCode

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


def should_mask(error: GraphQLError, request_id: str | None = None) -> bool:
    """Mask errors raised by our code unless they are ``ApiError``s. Errors about the request
    itself stay visible: parse and validation errors, and bad variable values (raised before
    execution, so without a path, or by graphql-core as a GraphQLError)."""
    original = error.original_error
    if original is None or error.path is None or isinstance(original, GraphQLError):
        return False
    log.error(
        "internal error in GraphQL field %s (request %s)",
        ".".join(str(p) for p in error.path or ()),
        request_id or "-",
        exc_info=original,
    )
    return True


class MaskInternalErrors(MaskErrors):
    """strawberry's ``MaskErrors`` with the request id: the masked error tells the client its
    request id (``extensions.requestId``, from ``X-Request-Id`` or made up) and the log line
    with the traceback names the same id, so an operator finds the one from the other."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=self._should_mask, error_message="internal error")

    def _request_id(self) -> str | None:
        request_id = getattr(getattr(self.execution_context, "context", None), "request_id", None)
        return request_id if isinstance(request_id, str) else None

    def _should_mask(self, error: GraphQLError) -> bool:
        return should_mask(error, self._request_id())

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = self._request_id()
        extensions = {"code": "INTERNAL_SERVER_ERROR"}
        if request_id:
            extensions["requestId"] = request_id
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
