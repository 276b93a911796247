"""A ceiling on the length of a GraphQL document, checked before it is parsed.

graphql-core's lexer reads a document one character at a time in Python (about 25 ns a
character): a 900 kB string literal, refused afterwards as a too-long argument, still cost 12
trivial queries to lex, and so would a megabyte of comments, which the token limit doesn't
count. Documents are code; data belongs in variables (parsed by orjson, in C). With at most
``graphql_max_tokens`` (2,000) tokens, no document a client sends comes near 64 KiB (the
largest of ``frontend-schema/operations/`` is about 1.2 kB), so a longer one is refused at the
price of a ``len()``.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

MAX_DOCUMENT_CHARS = 65_536


class MaxDocumentLength(SchemaExtension):
    """Refuses a document over ``MAX_DOCUMENT_CHARS`` before any other extension parses it."""

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query is not None and len(query) > MAX_DOCUMENT_CHARS:
            raise GraphQLError(
                f"the document is longer than {MAX_DOCUMENT_CHARS} characters; "
                "pass values in variables"
            )
        yield
