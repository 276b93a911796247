"""Signed one-click unsubscribe links, ``/u/{token}``.

The token names the advocate and carries an HMAC of it under the secret key, so it can't be
forged or pointed at someone else, and nothing needs storing. It never expires: an old email's
link must keep working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from advocacy.config import get_settings


def _signature(advocate_id: int) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    digest = hmac.new(key, f"unsubscribe:{advocate_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def unsubscribe_token(advocate_id: int) -> str:
    return f"{advocate_id}.{_signature(advocate_id)}"


def advocate_of_token(token: str) -> int | None:
    """The advocate a token was made for, or None when it isn't one of ours."""
    if not token.isascii() or len(token) > 64:
        return None
    head, _, signature = token.partition(".")
    if not head.isdigit() or len(head) > 18 or not signature:
        return None
    advocate_id = int(head)
    if not hmac.compare_digest(signature.encode(), _signature(advocate_id).encode()):
        return None
    return advocate_id


def unsubscribe_url(advocate_id: int) -> str:
    return f"{get_settings().public_url}/u/{unsubscribe_token(advocate_id)}"


def unsubscribe_headers(advocate_id: int) -> dict[str, str]:
    """RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs to the link."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(advocate_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
