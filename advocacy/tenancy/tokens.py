"""API token secrets: random, shown once, kept only as a SHA-256 digest.

A token has 256 bits of entropy, so a fast hash is enough (no password stretching needed):
guessing is hopeless and the digest alone can't be used to authenticate.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "adv_"


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """The first characters, safe to show in listings so people can tell tokens apart."""
    return secret[: len(TOKEN_PREFIX) + 6]
