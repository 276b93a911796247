"""Endpoint signing secrets: derived from the server's secret key and a per-endpoint salt, so
only the salt is stored, the secret can be shown once, and rotating means a new salt.

A secret reads ``whsec_`` + 64 hex digits, exactly as it did before deliveries were signed by
Standard Webhooks: hex digits are base64 characters, so the same string is a valid Standard
Webhooks secret (``whsec_`` + base64 of 48 key bytes) that every verifier library decodes the
same way, while the deprecated ``X-Advocacy-Signature`` stays keyed with the string itself.
Existing endpoints therefore keep their secret, and receivers move to a Standard Webhooks
verifier without a rotation."""

from __future__ import annotations

import secrets

from advocacy.kit.signing import Purpose, keyed_hex

PREFIX = "whsec_"


def new_salt() -> str:
    return secrets.token_hex(16)


def endpoint_secret(salt: str) -> str:
    return PREFIX + keyed_hex(Purpose.WEBHOOK_SECRET, salt)
