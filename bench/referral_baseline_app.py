"""The referral-click baseline: ``GET /r/{code}`` answers 302 to a fixed landing URL with
``ref=<code>`` added, and does nothing else.

No database: it doesn't look the code up, check the advocate's status, tell bots apart, hash
the visitor, de-duplicate or record the click, and sets no cookie. It is the floor an
endpoint that only redirects reaches on this machine (one uvicorn worker). Serve with
``python -m uvicorn bench.referral_baseline_app:app --port N --no-access-log`` and set
``BENCH_BASELINE_LANDING_URL``.
"""

from __future__ import annotations

import os
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

LANDING_URL = os.environ.get("BENCH_BASELINE_LANDING_URL", "https://example.com/welcome")


async def redirect(request: Request) -> Response:
    query = urlencode({"ref": request.path_params["code"]})
    return RedirectResponse(f"{LANDING_URL}?{query}", status_code=302)


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/r/{code}", redirect), Route("/healthz", healthz)])
