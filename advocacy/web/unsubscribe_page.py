"""The unsubscribe page, ``/u/{token}``: server-rendered like the gift page, no script.

``GET`` — a person clicking the link in an email — shows a button rather than unsubscribing,
because mail scanners and link previews fetch links in emails by themselves and would
unsubscribe people who never asked. The button ``POST``s a form with a CSRF field bound to the
browser's cookie and to this link, as the gift page's forms do. A mail client's one-click
unsubscribe (RFC 8058: ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``) is a ``POST`` of
exactly ``List-Unsubscribe=One-Click`` from the mail provider's servers, with no cookie: that
one is accepted as it is, since the signed link is its credential.

Served with the shared page headers (never framed, so nobody can overlay the one button on a
page of theirs; no inline style; not cached or indexed), in the visitor's language.
"""

from __future__ import annotations

import logging
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from advocacy.engagement.service import opt_out_of_nudges
from advocacy.engagement.unsubscribe import Subscriber, subscriber_of_token
from advocacy.kit.db import new_session, unit_of_work
from advocacy.web import security
from advocacy.web.form_page import form_page
from advocacy.web.i18n import Translator, negotiate

log = logging.getLogger("advocacy.web.unsubscribe_page")

ONE_CLICK = ("List-Unsubscribe", "One-Click")
"""The body of an RFC 8058 one-click POST."""
MAX_FORM_BYTES = 4_096
COOKIE_PATH = "/u/"


def _bound(token: str) -> str:
    """What the CSRF field is bound to: this link, marked as an unsubscribe link so a token
    made for a gift page never passes here."""
    return f"unsubscribe|{token}"


def _self_url(request: Request) -> str:
    """This page's path, keeping an explicitly chosen language."""
    lang = request.query_params.get("lang")
    return f"{request.url.path}?{urlencode({'lang': lang})}" if lang else request.url.path


def _page(
    request: Request, t: Translator, template: str, status: int = 200, **values: object
) -> HTMLResponse:
    return form_page(
        request,
        template,
        t,
        status=status,
        headers=security.UNSUBSCRIBE_PAGE_HEADERS,
        csrf_bound_to=_bound(request.path_params["token"]),
        cookie_path=COOKIE_PATH,
        action_url=_self_url(request),
        **values,
    )


async def _subscriber(token: str) -> Subscriber | None:
    session = new_session()
    try:
        return await subscriber_of_token(session, token)
    finally:
        await session.close()


async def unsubscribe_page(request: Request) -> Response:
    token: str = request.path_params["token"]
    t = Translator(
        negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    )
    subscriber = await _subscriber(token)
    if subscriber is None:
        return _page(request, t, "unsubscribe/message.html", 404, kind="invalid")
    org = subscriber.organization_name
    if request.method == "GET":
        if subscriber.unsubscribed:
            return _page(request, t, "unsubscribe/done.html", org=org)
        return _page(request, t, "unsubscribe/ask.html", org=org)
    values = await _form(request)
    if values is None:
        return _page(request, t, "unsubscribe/message.html", 413, kind="expired_session")
    if not _one_click(request, values) and not security.csrf_ok(
        request, values.get(security.CSRF_FIELD), _bound(token)
    ):
        return _page(request, t, "unsubscribe/message.html", 403, kind="expired_session")
    async with unit_of_work() as session:
        await opt_out_of_nudges(session, subscriber.advocate_id)
    log.info("an advocate unsubscribed through their link")
    return _page(request, t, "unsubscribe/done.html", org=org)


def _one_click(request: Request, values: dict[str, str]) -> bool:
    """An RFC 8058 one-click POST: its exact body, sent by a mail provider's server. A browser
    says when a page of another site sent it (``Sec-Fetch-Site: cross-site``): that is no
    mail client, and gets the CSRF check like any form."""
    if request.headers.get("sec-fetch-site") in {"cross-site", "same-site"}:
        return False
    return values.get(ONE_CLICK[0]) == ONE_CLICK[1]


async def _form(request: Request) -> dict[str, str] | None:
    """The posted fields (``application/x-www-form-urlencoded`` or the ``multipart/form-data``
    some mail providers send for one-click); None when the body is larger than either."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return _multipart_fields(content_type, body)
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _multipart_fields(content_type: str, body: bytes) -> dict[str, str]:
    """The text fields of a small ``multipart/form-data`` body, read by the standard library's
    MIME parser (RFC 8058's own example of a one-click POST is multipart)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and part.get_filename() is None:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                fields[name] = payload.decode("utf-8", "replace").strip()
    return fields
