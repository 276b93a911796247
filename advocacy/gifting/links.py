"""Advocate gift links. The link token is derived from a random per-send salt and the secret
key, so the offer email and reminders can rebuild it while the database holds only its hash
(and a database copy alone can't produce a working link)."""

from __future__ import annotations

import hashlib
import secrets

from advocacy.config import get_settings
from advocacy.kit.signing import Purpose, keyed_b64url


def hash_link_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_token(salt: str) -> str:
    return keyed_b64url(Purpose.GIFT_LINK, salt)


def new_link_salt() -> str:
    return secrets.token_hex(16)


def gift_url(token: str) -> str:
    return f"{get_settings().public_url}/gift/{token}"
