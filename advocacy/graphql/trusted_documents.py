"""Trusted-documents mode (``ADVOCACY_TRUSTED_DOCUMENTS``): the API runs only the documents of
``frontend-schema/operations/``, the ones the gift page and the dashboard send, so a stolen
token can't be used for arbitrary queries and nothing else needs to be parsed, validated or
costed for real.

A request names its document by text (``query``, which must hash to a known document: the
exact file text) or by id alone: ``documentId: "sha256:<hex>"`` (the GraphQL-over-HTTP
trusted-documents convention) or Apollo's ``extensions.persistedQuery.sha256Hash``. Ids are
understood in either mode; only the refusal of other documents depends on the setting. The
transports map ids to text (``advocacy.graphql.document_transport``); the check itself is
the ``TrustedDocuments`` schema extension, so it covers HTTP, the websocket and the server's own
calls (the gift page) alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from strawberry.extensions import SchemaExtension

from advocacy.graphql.errors import ApiError
from advocacy.web.documents import document_hash, documents_by_id

TRUSTED_DOCUMENT_REQUIRED = "TRUSTED_DOCUMENT_REQUIRED"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
"""Apollo's code for an unknown id: its clients then retry with the full text."""


def requested_document_id(request: Mapping[str, object]) -> str | None:
    """The id a request (or websocket ``subscribe`` payload) names its document by, if any."""
    document_id = request.get("documentId")
    if isinstance(document_id, str) and document_id:
        return document_id
    extensions = request.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, Mapping) else None
    digest = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
    return f"sha256:{digest}" if isinstance(digest, str) and digest else None


def unknown_document(document_id: str) -> ApiError:
    return ApiError(
        f"no document has the id {document_id[:80]!r}; send the document's text as `query`",
        PERSISTED_QUERY_NOT_FOUND,
    )


def untrusted_document() -> ApiError:
    return ApiError(
        "this server runs only its trusted documents (frontend-schema/operations/): send one "
        "of them as `query`, exactly as in its file, or its id as "
        '`documentId: "sha256:<hex>"`',
        TRUSTED_DOCUMENT_REQUIRED,
    )


def is_trusted(query: str | None) -> bool:
    return query is not None and document_hash(query) in documents_by_id()


class TrustedDocuments(SchemaExtension):
    """Refuse every document that isn't one of the operations, as a validation error: each
    transport already answers those properly (HTTP: ``errors`` with the code; websocket: an
    ``error`` message for that operation). Listed after ``ValidationCache``, whose hook sets the
    validation result first."""

    def on_validate(self) -> Iterator[None]:
        if not is_trusted(self.execution_context.query):
            self.execution_context.pre_execution_errors = [untrusted_document()]
        yield


def trusted_documents_only(schema: object) -> bool:
    """Whether ``schema`` was built in trusted-documents mode."""
    return TrustedDocuments in getattr(schema, "extensions", ())
