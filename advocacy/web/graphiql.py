"""GraphiQL at ``GET /graphql`` (a browser asking for HTML): our own page instead of strawberry's,
which loads React and GraphiQL from a CDN — a blank page offline or behind a strict proxy, and
third-party scripts running where an admin token is pasted. Ours loads only ``/static`` files
(vendored from ``package-lock.json``: :mod:`advocacy.web.vendored`) under a CSP that allows
nothing else."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.responses import HTMLResponse

from advocacy.web.security import page_headers

TEMPLATE = Path(__file__).resolve().parent / "templates" / "graphiql.html"
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",  # the queries, and the subscriptions' WebSocket (same origin)
        "form-action 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


@cache
def _page() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def graphiql_page() -> HTMLResponse:
    return HTMLResponse(_page(), headers=page_headers(CONTENT_SECURITY_POLICY))
