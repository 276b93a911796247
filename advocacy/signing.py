"""The one signature scheme for what we send to other systems (fulfilment orders, webhooks):
hex HMAC-SHA256 of ``timestamp + "." + body``. Receivers recompute it with their shared secret
and reject old timestamps, which stops tampering and replays."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time check of ``signature`` (hex), for receivers written in Python."""
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())
