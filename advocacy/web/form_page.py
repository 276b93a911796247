"""One way to answer with a page that carries forms (the gift page, the unsubscribe page):
rendered in the visitor's language, with the page's strict headers, a CSRF field bound to the
browser's cookie nonce and to what the page is for, and that cookie set on first visit."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from advocacy.web import security
from advocacy.web.i18n import Translator, languages
from advocacy.web.rendering import render


def form_page(
    request: Request,
    template: str,
    t: Translator,
    *,
    status: int,
    headers: dict[str, str],
    csrf_bound_to: str,
    cookie_path: str,
    action_url: str,
    **values: Any,
) -> HTMLResponse:
    nonce = request.cookies.get(security.CSRF_COOKIE) or security.new_csrf_nonce()
    html = render(
        template,
        t=t,
        lang=t.language,
        languages=[(code, Translator(code)("language_name")) for code in languages()],
        action_url=action_url,
        csrf_field=security.CSRF_FIELD,
        csrf=security.csrf_token(nonce, csrf_bound_to),
        **values,
    )
    response = HTMLResponse(html, status, headers=headers)
    if security.CSRF_COOKIE not in request.cookies:
        response.set_cookie(
            security.CSRF_COOKIE,
            nonce,
            httponly=True,
            samesite="strict",
            secure=security.cookie_is_secure(request),
            path=cookie_path,
        )
    return response
