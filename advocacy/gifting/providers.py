"""Fulfilment providers: who turns a redeemed gift into a parcel, a code or a donation.

A provider gets an ``Order`` and an idempotency key (the send's id, so a retry of the same
send is the same order at the provider) and returns the provider's reference. It raises
``TransientFulfilmentError`` when trying again may work (timeouts, 5xx, 429) and
``PermanentFulfilmentError`` when it won't (4xx: the order itself is wrong).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import httpx
import orjson

from advocacy.config import Settings, get_settings
from advocacy.gifting.models import GiftProvider
from advocacy.signing import sign

SIGNATURE_HEADER = "X-Advocacy-Signature"
TIMESTAMP_HEADER = "X-Advocacy-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class FulfilmentError(Exception):
    pass


class TransientFulfilmentError(FulfilmentError):
    """Worth retrying: the provider may not have seen the order, or may have failed briefly."""


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
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
        return f"sandbox-{digest}"


class HttpProvider:
    """POSTs the order as signed JSON to a configured URL with the idempotency key in a
    header. 2xx with ``{"reference": …}`` is success; timeouts, connection errors, 5xx and
    429 are transient; other 4xx are permanent."""

    def __init__(self, url: str, secret: str, timeout_seconds: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self.timeout = httpx.Timeout(timeout_seconds)

    async def fulfil(self, order: Order, idempotency_key: str) -> str:
        body = orjson.dumps(asdict(order))
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, content=body, headers=headers)
        except httpx.TransportError as error:  # timeouts, refused connections, resets
            raise TransientFulfilmentError(
                f"provider unreachable: {type(error).__name__}"
            ) from error
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientFulfilmentError(f"provider answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentFulfilmentError(
                f"provider refused the order ({response.status_code}): {response.text[:200]}"
            )
        try:
            reference = response.json()["reference"]
        except (ValueError, KeyError, TypeError) as error:
            raise TransientFulfilmentError("provider answered without a reference") from error
        return str(reference)


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
