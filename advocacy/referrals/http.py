"""The public referral link endpoint, ``GET /r/{code}``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from advocacy.config import get_settings
from advocacy.kit.db import begin_write, new_session
from advocacy.kit.dialect import dialect_name
from advocacy.referrals.clicks import COOKIE_NAME, record_click

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def referral_redirect(request: Request) -> Response:
    session = new_session()
    try:
        if dialect_name(session) == "sqlite":
            await begin_write(session)  # SQLite: take the write lock before reading
        outcome = await record_click(
            session,
            request.path_params["code"],
            channel=request.query_params.get("c"),
            ip=request.client.host if request.client else "",
            user_agent=request.headers.get("user-agent", ""),
        )
        await session.commit()
    finally:
        await session.close()
    if outcome.location is None:
        return PlainTextResponse("This referral link isn't valid.", 404, headers=NO_STORE)
    response = RedirectResponse(outcome.location, status_code=302, headers=NO_STORE)
    if outcome.code is not None:
        response.set_cookie(
            COOKIE_NAME,
            outcome.code,
            max_age=outcome.cookie_days * 86_400,
            httponly=True,
            samesite="lax",
            secure=get_settings().public_url.startswith("https://"),
        )
    return response
