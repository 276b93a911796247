"""The public unsubscribe endpoint, ``/u/{token}``.

``POST`` unsubscribes at once: it is what mail clients send for the ``List-Unsubscribe-Post``
one-click header (RFC 8058) and what the page's button sends. ``GET`` — a person clicking the
link in the email — shows that button rather than unsubscribing, because mail scanners and link
previews fetch links in emails by themselves and would unsubscribe people who never asked.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from advocacy.db import unit_of_work
from advocacy.engagement.service import opt_out_of_nudges
from advocacy.engagement.unsubscribe import advocate_of_token

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}
button{{font:inherit;padding:.5rem 1rem}}</style></head>
<body><h1>{title}</h1>{content}</body></html>
"""


def _page(title: str, content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=html.escape(title), content=content), status, HEADERS)


async def unsubscribe(request: Request) -> Response:
    token = request.path_params["token"]
    advocate_id = advocate_of_token(token)
    if advocate_id is None:
        return _page("This link isn't valid", "<p>Please use the link from your email.</p>", 404)
    if request.method == "GET":
        action = html.escape(f"/u/{token}", quote=True)
        return _page(
            "Unsubscribe from these emails?",
            "<p>You'll get no more reminders or requests from this advocacy program.</p>"
            f'<form method="post" action="{action}"><button type="submit">Unsubscribe</button>'
            "</form>",
        )
    async with unit_of_work() as session:
        await opt_out_of_nudges(session, advocate_id)
    return _page(
        "You're unsubscribed",
        "<p>You won't get these emails any more. Gifts already sent to you still work.</p>",
    )
