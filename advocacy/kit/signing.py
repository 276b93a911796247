"""Every key and signature the server makes, in one place.

**Keyed values** (links, tokens, hashes that must not be forgeable or reversible without the
server's secret key) all come from one derivation::

    keyed_digest(purpose, message) = HMAC-SHA256(ADVOCACY_SECRET_KEY, f"{purpose}:{message}")

``purpose`` is one of the named :class:`Purpose` constants. No purpose contains ``:``, so the
first colon ends it and two purposes never sign the same bytes: a signature made for one (an
unsubscribe link) is worthless for another (a referral click). This is the form gift links,
unsubscribe links, referral click tokens, visitor hashes and webhook secrets were already made
with, so every link already sent in an email, every token handed to a shop, every visitor hash
stored and every webhook secret a receiver holds keeps working unchanged (tests/test_signing.py
pins those values). The gift page's CSRF field, the guessing brake's client hash and the demo
token used a second, two-step form before; those are short-lived or re-made by ``advocacy demo``,
so they simply moved to this one.

**Encodings** are canonical: lower-case hex or unpadded URL-safe base64, and a signed integer
id is ``<id>.<signature>`` with the id in its one canonical spelling (ASCII digits, no sign, no
leading zero, no space): anything else is refused exactly like a wrong signature. Comparisons
are constant-time.

**Shared-secret signatures** for what we send to other systems (fulfilment orders and the
deprecated ``X-Advocacy-Signature`` of webhooks): hex HMAC-SHA256 of ``timestamp + "." +
body`` under a secret both sides hold (:func:`sign`, :func:`verify`). Webhooks are also signed
by Standard Webhooks, with the ``standardwebhooks`` library (advocacy.webhooks.delivery).

Plain (unkeyed) hashes of values that are random already (API token secrets, gift link tokens,
idempotency payloads) stay where they are used: they need no key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from enum import StrEnum

from advocacy.config import get_settings


class Purpose(StrEnum):
    """What a keyed value is for. The strings are part of every value ever derived: never
    change one (existing links, tokens and secrets would stop working); add a new one."""

    GIFT_LINK = "gift-link"
    """An advocate's gift link token, from the send's random salt."""
    UNSUBSCRIBE = "unsubscribe"
    """The signature of a one-click unsubscribe link, from the advocate id."""
    REFERRAL_CLICK = "click"
    """The signature of a referral click token handed to the shop, from the click id."""
    REFERRAL_VISITOR = "visitor"
    """A referral visitor's identity (IP address and user agent), stored instead of them."""
    WEBHOOK_SECRET = "webhook-secret"
    """A webhook endpoint's signing secret, from the endpoint's random salt."""
    GIFT_PAGE_CSRF = "gift-page-csrf"
    """The gift page form's CSRF field, from the cookie nonce and the gift link."""
    GIFT_LINK_ATTEMPTS = "gift-link-attempts"
    """The guessing brake's key for a client address (never stored as the address)."""
    DEMO_TOKEN = "demo-token"
    """The demo organization's admin API token."""


def _secret_key() -> bytes:
    return get_settings().secret_key.get_secret_value().encode()


def keyed_digest(purpose: Purpose, message: str) -> bytes:
    """The one derivation: HMAC-SHA256 under the server's secret key of ``purpose:message``.
    When a message is made of several fields, put free text (e.g. a user agent) last and
    separate the others by a character they can't contain."""
    return hmac.new(_secret_key(), f"{purpose.value}:{message}".encode(), hashlib.sha256).digest()


def keyed_hex(purpose: Purpose, message: str, length: int = 64) -> str:
    """:func:`keyed_digest` as lower-case hex, cut to ``length`` characters."""
    return keyed_digest(purpose, message).hex()[:length]


def keyed_b64url(purpose: Purpose, message: str, nbytes: int = 32) -> str:
    """The first ``nbytes`` of :func:`keyed_digest` as unpadded URL-safe base64."""
    return b64url(keyed_digest(purpose, message)[:nbytes])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def equal(given: str, expected: str) -> bool:
    """Constant-time comparison of a value received with the one we made (any string: a
    non-ASCII one is simply unequal, where ``hmac.compare_digest`` on ``str`` would raise)."""
    return hmac.compare_digest(given.encode(), expected.encode())


CANONICAL_ID = re.compile(r"[1-9][0-9]{0,17}")
"""A positive integer id as ``str(int)`` spells it; at most 18 digits (fits a BIGINT)."""


def canonical_id(text: str) -> int | None:
    """``text`` as an id if it is the id's one canonical spelling, else None: ``007``, ``+7``,
    `` 7``, ``7\\n``, ``\\u0667`` (an Arabic-Indic seven) and ``7_0`` all mean 7 or 70 to ``int()``
    but are refused here, so a signed id has exactly one valid token."""
    return int(text) if CANONICAL_ID.fullmatch(text) else None


def signed_id_token(purpose: Purpose, id_: int, encode: Callable[[bytes], str]) -> str:
    """``<id>.<encode(keyed_digest(purpose, id))>``."""
    return f"{id_}.{encode(keyed_digest(purpose, str(id_)))}"


def id_of_signed_token(
    purpose: Purpose,
    token: str,
    encode: Callable[[bytes], str],
    *,
    max_length: int = 64,
    max_id: int = 2**63 - 1,
) -> int | None:
    """The id a token made by :func:`signed_id_token` names, or None when it isn't one of
    ours: a wrong signature and a non-canonical id get the same answer."""
    if len(token) > max_length or not token.isascii():
        return None
    head, dot, signature = token.partition(".")
    id_ = canonical_id(head)
    if not dot or id_ is None or id_ > max_id:
        return None
    return id_ if equal(signature, encode(keyed_digest(purpose, head))) else None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``timestamp + "." + body`` under a shared secret (fulfilment orders,
    the deprecated ``X-Advocacy-Signature`` of webhooks)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time check of ``signature`` (hex), for receivers written in Python."""
    return equal(signature, sign(secret, timestamp, body))
