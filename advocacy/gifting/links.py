"""Advocate gift links. The link token is derived from a random per-send salt and the secret
key, so the offer email and reminders can rebuild it while the database holds only its hash
(and a database copy alone can't produce a working link)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from advocacy.config import get_settings


def hash_link_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_token(salt: str) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    digest = hmac.new(key, f"gift-link:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_link_salt() -> str:
    return secrets.token_hex(16)


def gift_url(token: str) -> str:
    return f"{get_settings().public_url}/gift/{token}"
