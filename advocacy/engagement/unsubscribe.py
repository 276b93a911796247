"""Signed one-click unsubscribe links, ``/u/{token}``.

The token names the advocate and carries an HMAC of it under the secret key, so it can't be
forged or pointed at someone else, and nothing needs storing. It never expires: an old email's
link must keep working.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from advocacy.advocates.models import Advocate
from advocacy.config import get_settings
from advocacy.kit.signing import Purpose, b64url, id_of_signed_token, signed_id_token
from advocacy.tenancy.models import Organization


def _signature(digest: bytes) -> str:
    return b64url(digest[:18])


def unsubscribe_token(advocate_id: int) -> str:
    return signed_id_token(Purpose.UNSUBSCRIBE, advocate_id, _signature)


def advocate_of_token(token: str) -> int | None:
    """The advocate a token was made for, or None when it isn't one of ours (also when its id
    isn't written canonically, e.g. ``042.<signature of 42>``: one advocate, one token)."""
    return id_of_signed_token(Purpose.UNSUBSCRIBE, token, _signature)


def unsubscribe_url(advocate_id: int) -> str:
    return f"{get_settings().public_url}/u/{unsubscribe_token(advocate_id)}"


def unsubscribe_headers(advocate_id: int) -> dict[str, str]:
    """RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs to the link."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(advocate_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@dataclass(frozen=True)
class Subscriber:
    """What the unsubscribe page shows: whose emails these are, and whether the advocate has
    already unsubscribed (a second visit says so instead of asking again)."""

    advocate_id: int
    organization_name: str
    unsubscribed: bool


async def subscriber_of_token(session: AsyncSession, token: str) -> Subscriber | None:
    """The advocate a link names, if it is one of ours and they still exist."""
    advocate_id = advocate_of_token(token)
    if advocate_id is None:
        return None
    row = (
        await session.execute(
            select(col(Organization.name), col(Advocate.unsubscribed_at))
            .join(Organization, col(Organization.id) == col(Advocate.organization_id))
            .where(col(Advocate.id) == advocate_id)
        )
    ).first()
    if row is None:
        return None
    return Subscriber(advocate_id, row.name, row.unsubscribed_at is not None)
