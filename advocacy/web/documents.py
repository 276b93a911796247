"""The GraphQL operations of ``frontend-schema/operations/``: one named operation per
``<Name>.graphql`` file. The gift page executes them on the server, the dashboard's script sends
them from the browser, and trusted-documents mode accepts only them."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

OPERATIONS_DIR = Path(__file__).parent / "operations"
"""A link to ``frontend-schema/operations`` in the source tree, so the wheel carries them too."""


def document_hash(document: str) -> str:
    """``sha256:<hex>`` of the document text exactly as sent (the trusted-documents id)."""
    return "sha256:" + hashlib.sha256(document.encode()).hexdigest()


@cache
def operations() -> dict[str, str]:
    """Operation name (the file's stem) → document text."""
    return {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted(OPERATIONS_DIR.glob("*.graphql"))
    }


@cache
def documents_by_id() -> dict[str, str]:
    """Trusted-documents id (``document_hash``) → document text, for every operation."""
    return {document_hash(text): text for text in operations().values()}


def document_by_id(document_id: str) -> str | None:
    """The operation a client names by id (``sha256:<hex>``, hex in either case), if any."""
    scheme, _, digest = document_id.partition(":")
    return documents_by_id().get(f"{scheme.lower()}:{digest.lower()}")


def operation(name: str) -> str:
    try:
        return operations()[name]
    except KeyError:
        raise LookupError(f"no operation {name!r} in {OPERATIONS_DIR}") from None
