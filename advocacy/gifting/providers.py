"""Fulfilment providers: who turns a redeemed gift into a parcel, a code or a donation.

A provider gets an ``Order`` and an idempotency key (the send's id, so a retry of the same
send is the same order at the provider) and returns the provider's reference. It raises
``TransientFulfilmentError`` when trying again may work and nothing was placed (429, 503, a
refused connection), ``UnknownOutcomeError`` (a transient error too) when the order may have
been placed though no clear answer came (a time-out, a connection dropped after the request
went out, any other 5xx), and
``PermanentFulfilmentError`` when it won't (4xx: the order itself is wrong).

``lookup`` asks the provider what became of an idempotency key: the order's reference, or
``None`` when the provider never placed it. It settles sends whose outcome is unknown (DESIGN.md
§4: a time-out is "unknown", not "refused").
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import orjson

from advocacy.config import Settings, get_settings
from advocacy.gifting.models import GiftProvider
from advocacy.kit.signing import sign

SIGNATURE_HEADER = "X-Advocacy-Signature"
TIMESTAMP_HEADER = "X-Advocacy-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class FulfilmentError(Exception):
    pass


class TransientFulfilmentError(FulfilmentError):
    """Worth retrying: the provider may not have seen the order, or may have failed briefly."""


class UnknownOutcomeError(TransientFulfilmentError):
    """No answer, but the request may have reached the provider: the order may be placed. A
    retry with the same idempotency key is safe; failing the send and releasing its budget is
    not (the gift may ship)."""


class PermanentFulfilmentError(FulfilmentError):
    """Not worth retrying: the provider refused the order."""


@dataclass(frozen=True)
class Order:
    """What a provider needs to fulfil one gift. Shipping is present only for physical items
    and never leaves the fulfilment path."""

    send_id: int
    organization_id: int
    sku: str | None
    item_name: str
    kind: str
    amount: int
    currency: str
    recipient_email: str
    recipient_name: str
    shipping: dict[str, str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    async def fulfil(self, order: Order, idempotency_key: str) -> str:
        """Fulfil ``order`` once per ``idempotency_key``; return the provider's reference."""
        ...

    async def lookup(self, idempotency_key: str) -> str | None:
        """The reference of the order placed with ``idempotency_key``, or ``None`` if the
        provider has none. Raises ``TransientFulfilmentError`` when it can't tell now."""
        ...


class SandboxProvider:
    """In-process provider for demos and tests: always the same reference for the same key;
    optional delay and transient failure rate (settings ``ADVOCACY_SANDBOX_*``)."""

    def __init__(self, delay_ms: int = 0, failure_rate: float = 0.0) -> None:
        self.delay_ms = delay_ms
        self.failure_rate = failure_rate

    async def fulfil(self, order: Order, idempotency_key: str) -> str:
        if self.delay_ms:
            await asyncio.sleep(self.delay_ms / 1000)
        if self.failure_rate and random.random() < self.failure_rate:
            raise TransientFulfilmentError("sandbox: simulated transient failure")
        return self._reference(idempotency_key)

    async def lookup(self, idempotency_key: str) -> str | None:
        """The sandbox places every order it is asked for and keeps nothing: it answers as if
        the order were placed (the reference ``fulfil`` gives for the key)."""
        if self.delay_ms:
            await asyncio.sleep(self.delay_ms / 1000)
        return self._reference(idempotency_key)

    @staticmethod
    def _reference(idempotency_key: str) -> str:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
        return f"sandbox-{digest}"


NOT_NOW = frozenset({429, 503})
"""Answers that mean "no order was placed; try again later" (Too Many Requests, Service
Unavailable): retried, and when attempts run out the send fails and its budget comes back.
Every other 5xx leaves the order's fate unknown."""


class HttpProvider:
    """POSTs the order as signed JSON to a configured URL with the idempotency key in a
    header. 2xx with ``{"reference": …}`` is success; 429, 503 and refused connections are
    transient; other 5xx, time-outs and connections lost once the request may have gone out
    are unknown outcomes; other 4xx are permanent.

    ``lookup`` GETs ``{url}/{idempotency key}`` (the key URL-quoted), signed like an order
    with the key itself as the signed body: 200 with ``{"reference": …}`` is a placed order,
    404 with ``{"idempotency_key": <the key>}`` an order the provider doesn't have; anything
    else (a bare 404 from a provider without lookups, a time-out, 5xx, 401) leaves the outcome
    unknown."""

    def __init__(self, url: str, secret: str, timeout_seconds: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self.timeout = httpx.Timeout(timeout_seconds)

    def _headers(self, idempotency_key: str, signed: bytes) -> dict[str, str]:
        timestamp = str(int(time.time()))
        return {
            IDEMPOTENCY_HEADER: idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, signed),
        }

    async def fulfil(self, order: Order, idempotency_key: str) -> str:
        body = orjson.dumps(asdict(order))
        headers = {"Content-Type": "application/json", **self._headers(idempotency_key, body)}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            # Never connected: the provider can't have seen the order.
            raise TransientFulfilmentError(
                f"provider unreachable: {type(error).__name__}"
            ) from error
        except httpx.TransportError as error:  # read/write time-outs, resets mid-request
            raise UnknownOutcomeError(
                f"no answer from the provider ({type(error).__name__}): the order may be placed"
            ) from error
        if response.status_code in NOT_NOW:  # the provider says: nothing done, ask later
            raise TransientFulfilmentError(f"provider answered {response.status_code}")
        if response.status_code >= 500:
            # A server error (or a gateway's 502/504) can come after the order was written:
            # retried with the same key, but never a reason to fail and release on its own.
            raise UnknownOutcomeError(
                f"provider answered {response.status_code}: the order may be placed"
            )
        if response.status_code >= 400:
            raise PermanentFulfilmentError(
                f"provider refused the order ({response.status_code}): {response.text[:200]}"
            )
        try:
            reference = response.json()["reference"]
        except (ValueError, KeyError, TypeError) as error:
            raise UnknownOutcomeError("provider answered without a reference") from error
        return str(reference)

    def lookup_url(self, idempotency_key: str) -> str:
        return f"{self.url.rstrip('/')}/{quote(idempotency_key, safe='')}"

    async def lookup(self, idempotency_key: str) -> str | None:
        headers = self._headers(idempotency_key, idempotency_key.encode())
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(self.lookup_url(idempotency_key), headers=headers)
        except httpx.TransportError as error:
            raise TransientFulfilmentError(
                f"order lookup failed: {type(error).__name__}"
            ) from error
        if response.status_code == 404 and _names_key(response, idempotency_key):
            return None  # the provider itself says it has no order under this key
        if response.status_code != 200:
            raise TransientFulfilmentError(f"order lookup answered {response.status_code}")
        try:
            reference = response.json()["reference"]
        except (ValueError, KeyError, TypeError) as error:
            raise TransientFulfilmentError("order lookup answered without a reference") from error
        if not isinstance(reference, str | int) or not str(reference):
            raise TransientFulfilmentError("order lookup answered without a reference")
        return str(reference)


def _names_key(response: httpx.Response, idempotency_key: str) -> bool:
    """Is this 404 the provider's "no such order" (its body names the key we asked about), not
    a server without the lookup route? Only the former makes failing the send safe."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("idempotency_key") == idempotency_key


def provider_for(kind: GiftProvider, settings: Settings | None = None) -> Provider:
    settings = settings or get_settings()
    if kind == GiftProvider.SANDBOX:
        return SandboxProvider(settings.sandbox_delay_ms, settings.sandbox_failure_rate)
    if not settings.fulfilment_url or settings.fulfilment_secret is None:
        raise PermanentFulfilmentError(
            "HTTP fulfilment needs ADVOCACY_FULFILMENT_URL and ADVOCACY_FULFILMENT_SECRET"
        )
    return HttpProvider(
        settings.fulfilment_url,
        settings.fulfilment_secret.get_secret_value(),
        settings.fulfilment_timeout_seconds,
    )
