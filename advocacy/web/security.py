"""What keeps the pages for people safe: strict response headers (the gift page, the
unsubscribe page and the dashboard) and CSRF tokens bound to the page's link."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

from advocacy.config import get_settings
from advocacy.kit.signing import Purpose, equal, keyed_hex

GIFT_PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        # Catalog pictures live on the merchant's own https hosts; no-referrer keeps the link
        # token out of those requests.
        "img-src 'self' https:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

UNSUBSCRIBE_PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def page_headers(content_security_policy: str) -> dict[str, str]:
    """What every page for people (the gift page, the dashboard) is served with: never cached,
    never framed, never indexed, no Referer, no MIME sniffing, and its own CSP."""
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex, nofollow",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Content-Security-Policy": content_security_policy,
    }


PAGE_HEADERS = page_headers(GIFT_PAGE_CSP)
UNSUBSCRIBE_PAGE_HEADERS = page_headers(UNSUBSCRIBE_PAGE_CSP)
CSRF_COOKIE = "gift_csrf"
CSRF_FIELD = "csrf"


def new_csrf_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(nonce: str, gift_token: str) -> str:
    """The form's CSRF field: the browser's cookie nonce signed together with the gift link, so
    neither a planted cookie nor a token lifted from another gift's page passes."""
    return keyed_hex(Purpose.GIFT_PAGE_CSRF, f"{nonce}|{gift_token}")


def csrf_ok(request: Request, form_value: str | None, gift_token: str) -> bool:
    """A POST is ours when it comes from our own origin (browsers say so in ``Origin`` and
    ``Sec-Fetch-Site``) and carries the field matching its cookie."""
    if request.headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null" and not _same_origin(request, origin):
        return False
    nonce = request.cookies.get(CSRF_COOKIE)
    if not nonce or not form_value:
        return False
    return equal(form_value, csrf_token(nonce, gift_token))


def _same_origin(request: Request, origin: str) -> bool:
    given = urlsplit(origin)
    public = urlsplit(get_settings().public_url)
    ours = {(public.scheme, public.netloc), (request.url.scheme, request.url.netloc)}
    return (given.scheme, given.netloc) in ours


def cookie_is_secure(request: Request) -> bool:
    return request.url.scheme == "https" or get_settings().public_url.startswith("https://")
