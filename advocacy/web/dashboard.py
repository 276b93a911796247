"""The marketer dashboard, ``/dashboard``: one static page whose own ES modules (under
``static/dashboard/``) talk to ``/graphql`` with the marketer's API token.

The server knows nothing of the token: the page keeps it in ``sessionStorage`` and sends it as
``Authorization: Bearer`` (HTTP) or in ``connection_init`` (subscriptions), never in a URL. The
GraphQL documents the page sends are the ``Dashboard*`` files of ``frontend-schema/operations/``,
served verbatim by ``/dashboard/operations.json`` so that trusted-documents mode recognizes
every one of them by its exact text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from advocacy.web.documents import operations
from advocacy.web.security import page_headers

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE = WEB_DIR / "templates" / "dashboard.html"
STATIC_DIR = WEB_DIR / "static"
OPERATION_PREFIX = "Dashboard"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
PAGE_HEADERS = page_headers(CONTENT_SECURITY_POLICY)
ASSET_HEADERS = {
    # Revalidated on every load (ETag → 304), so a deploy is picked up without versioned names.
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@cache
def _page() -> str:
    return TEMPLATE.read_text()


def dashboard_operations() -> dict[str, str]:
    """The documents the dashboard may send: name → exact file text."""
    return {name: text for name, text in operations().items() if name.startswith(OPERATION_PREFIX)}


async def dashboard_page(_: Request) -> Response:
    return HTMLResponse(_page(), headers=PAGE_HEADERS)


async def dashboard_documents(_: Request) -> Response:
    return JSONResponse(dashboard_operations(), headers=ASSET_HEADERS)


class StaticAssets(StaticFiles):
    """Starlette's static files with the headers our pages expect of their assets."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        for name, value in ASSET_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def routes() -> list[BaseRoute]:
    """``/dashboard``, its documents, and ``/static`` (the dashboard's modules and styles, and
    the vendored Chart.js under ``/static/vendor/``)."""
    return [
        Route("/dashboard", dashboard_page, methods=["GET"]),
        Route("/dashboard/operations.json", dashboard_documents, methods=["GET"]),
        Mount("/static", app=StaticAssets(directory=STATIC_DIR, check_dir=False), name="static"),
    ]
