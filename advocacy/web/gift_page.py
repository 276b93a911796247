"""The advocate's gift page, ``/gift/{token}``: server-rendered, no script.

It reads and changes the gift through the same GraphQL operations any client would use
(``frontend-schema/operations/GiftPage.graphql``, ``RedeemGift.graphql`` …), executed on the
app's own schema. ``GET`` shows the gift in whatever state it is; each form ``POST``s one action
and, when it works, redirects back (so a reload never repeats it); when it doesn't, the page
comes back with the messages next to the fields and what was typed still in them.

The link token is the credential: it is never logged and it stays out of ``Referer`` headers
(``no-referrer``); guessing is braked where the operations run (``gifting.link_attempts``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import strawberry
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from advocacy.graphql.advocate_gift import RATE_LIMITED
from advocacy.graphql.context import Context
from advocacy.kit.db import new_session
from advocacy.web import security
from advocacy.web.documents import operation
from advocacy.web.form_page import form_page
from advocacy.web.i18n import Translator, translator_for
from advocacy.web.rendering import countries_for

log = logging.getLogger("advocacy.web.gift_page")

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postalCode", "country", "phone")
ACTIONS = {
    "redeem": ("RedeemGift", "redeemGift"),
    "swap": ("SwapGift", "swapGift"),
    "donate": ("DonateGift", "donateGift"),
    "decline": ("DeclineGift", "declineGift"),
}
NOTICES = {"swapped"}
MAX_FORM_BYTES = 16_384
STATE_PAGES = {
    "REDEEMED": "redeemed",
    "FULFILLING": "redeemed",
    "NEEDS_RECONCILIATION": "redeemed",  # the API shows it FULFILLING: on its way
    "FULFILLED": "fulfilled",
    "FAILED": "failed",
    "EXPIRED": "expired",
    "DECLINED": "declined",
    "CANCELLED": "cancelled",
}


class OperationFailed(Exception):
    """The schema answered with top-level errors: a bug or an outage, not the advocate's input."""


class RateLimited(Exception):
    """The client has tried too many unknown links (``advocacy.gifting.link_attempts``)."""


async def run_operation(request: Request, name: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Execute the named document of ``frontend-schema/operations/`` as an anonymous client."""
    schema: strawberry.Schema = request.app.state.schema
    session = new_session()
    try:
        context = Context(
            base_session=session, principal=None, request_id=uuid.uuid4().hex, request=request
        )
        result = await schema.execute(
            operation(name),
            variable_values=variables,
            context_value=context,
            operation_name=name,
        )
    finally:
        await session.close()
    codes = {(error.extensions or {}).get("code") for error in result.errors or []}
    if RATE_LIMITED in codes:
        raise RateLimited
    if result.errors or result.data is None:
        messages = "; ".join(error.message for error in result.errors or [])
        token = request.path_params.get("token")
        if token:  # an error may quote a variable; the link never reaches the log
            messages = messages.replace(token, "<link token>")
        raise OperationFailed(f"{name}: {messages or 'no data'}")
    return result.data


def _translator(request: Request) -> Translator:
    return translator_for(request.query_params.get("lang"), request.headers.get("accept-language"))


def _self_url(request: Request, **extra: str) -> str:
    """This page's path, keeping an explicitly chosen language."""
    query = {"lang": request.query_params["lang"]} if "lang" in request.query_params else {}
    query.update(extra)
    path = request.url.path
    return f"{path}?{urlencode(query)}" if query else path


def _page(
    request: Request, template: str, t: Translator, status: int = 200, **values: Any
) -> HTMLResponse:
    return form_page(
        request,
        template,
        t,
        status=status,
        headers=security.PAGE_HEADERS,
        csrf_bound_to=request.path_params.get("token", ""),
        cookie_path="/gift/",
        action_url=_self_url(request),
        **values,
    )


def _message_page(request: Request, t: Translator, kind: str, status: int) -> HTMLResponse:
    return _page(request, "gift/message.html", t, status, kind=kind, back_url=_self_url(request))


async def gift_page(request: Request) -> Response:
    token: str = request.path_params["token"]
    t = _translator(request)
    try:
        if request.method == "POST":
            return await _post(request, token, t)
        gift = await _gift(request, token)
        if gift is None:
            return _message_page(request, t, "invalid", 404)
        notice = request.query_params.get("done")
        return _show(request, t, gift, notice=notice if notice in NOTICES else None)
    except RateLimited:
        return _rate_limited(request, t)
    except OperationFailed:
        log.exception("the gift page could not be served")
        return HTMLResponse("Something went wrong.", 500, headers=security.PAGE_HEADERS)


def _rate_limited(request: Request, t: Translator) -> HTMLResponse:
    response = _message_page(request, t, "rate_limited", 429)
    response.headers["Retry-After"] = str(request.app.state.gift_attempts.retry_after())
    return response


async def _gift(request: Request, token: str) -> dict[str, Any] | None:
    data = await run_operation(request, "GiftPage", {"token": token})
    gift: dict[str, Any] | None = data["gift"]
    if gift is None or gift["status"] == "PENDING_APPROVAL":  # its link isn't out yet
        return None
    return gift


def _show(
    request: Request,
    t: Translator,
    gift: dict[str, Any],
    *,
    notice: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    typed: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    expires = dt.datetime.fromisoformat(gift["expiresAt"])
    if gift["status"] != "OFFERED":
        return _page(
            request,
            "gift/state.html",
            t,
            status,
            gift=gift,
            state=STATE_PAGES.get(gift["status"], "cancelled"),
            expires=t.date(expires),
            notice=notice,
        )
    field_errors, general_errors = _split_errors(errors or [])
    return _page(
        request,
        "gift/offered.html",
        t,
        status,
        gift=gift,
        expires=t.date(expires),
        notice=notice,
        field_errors=field_errors,
        general_errors=general_errors,
        typed=typed or {},
        countries=countries_for(gift["item"]["shipsTo"], t),
    )


def _split_errors(
    errors: list[dict[str, Any]],
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Address errors by form field (``shippingAddress.postalCode`` → ``postalCode``); the rest
    go above the forms."""
    by_field: dict[str, dict[str, Any]] = {}
    general: list[dict[str, Any]] = []
    for error in errors:
        path = error.get("field") or ""
        prefix, _, name = path.partition(".")
        if prefix == "shippingAddress" and name in ADDRESS_FIELDS:
            by_field.setdefault(name, error)
        else:
            general.append(error)
    return by_field, general


async def _post(request: Request, token: str, t: Translator) -> Response:
    values = await _form(request)
    if values is None:
        return _message_page(request, t, "expired_session", 413)
    if not security.csrf_ok(request, values.get(security.CSRF_FIELD), token):
        return _message_page(request, t, "expired_session", 403)
    action = values.get("action", "")
    if action not in ACTIONS:
        return _message_page(request, t, "expired_session", 400)
    document, root = ACTIONS[action]
    data = await run_operation(request, document, {"input": _input(action, token, values)})
    errors: list[dict[str, Any]] = data[root]["errors"]
    if not errors:
        log.info("gift page: %s done", action)
        done = {"done": "swapped"} if action == "swap" else {}
        return RedirectResponse(_self_url(request, **done), 303, headers=security.PAGE_HEADERS)
    gift = await _gift(request, token)
    if gift is None:
        return _message_page(request, t, "invalid", 404)
    if gift["status"] != "OFFERED":  # it moved on (another tab, the expiry) before this post
        return _show(request, t, gift, notice="changed", status=409)
    if any(error["code"] == "GIFT_CHANGED" for error in errors):
        # Another tab or click changed it first: show it as it is now, to choose again.
        return _show(request, t, gift, notice="gift_changed", status=409)
    typed = {name: values.get(name, "") for name in ADDRESS_FIELDS}
    return _show(request, t, gift, errors=errors, typed=typed, status=422)


async def _form(request: Request) -> dict[str, str] | None:
    """The posted fields (``application/x-www-form-urlencoded``, all our forms send); None when
    the body is larger than any of them can be."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _input(action: str, token: str, values: Mapping[str, str]) -> dict[str, Any]:
    given: dict[str, Any] = {"token": token}
    if action in {"swap", "donate"}:
        given["itemId"] = values.get("item_id", "")
    if action == "redeem" and any(name in values for name in ADDRESS_FIELDS):
        address = {name: values.get(name, "") for name in ADDRESS_FIELDS}
        given["shippingAddress"] = {
            name: (value or None) if name not in {"name", "line1", "city", "country"} else value
            for name, value in address.items()
        }
    return given
