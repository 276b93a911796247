"""Delivering one webhook: claim the delivery (a lease), POST outside any transaction, settle.

Each request is signed by the Standard Webhooks specification (https://www.standardwebhooks.com),
so any off-the-shelf verifier accepts it: ``webhook-id`` (the event id, stable across retries and
redeliveries: receivers de-duplicate on it), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`` under the endpoint's
``whsec_`` secret. For one deprecation period it also carries the headers receivers written
before that verify: ``X-Advocacy-Event`` (type), ``X-Advocacy-Event-Id``,
``X-Advocacy-Timestamp`` and ``X-Advocacy-Signature: v1=<hex HMAC-SHA256 of
"<timestamp>.<body>">`` keyed with the secret string itself. 2xx is success; network errors,
timeouts, 408, 429 and 5xx are retried with exponential backoff until ``retry_until`` (a day by
default); any other answer fails the delivery at once.
``ADVOCACY_WEBHOOK_DISABLE_AFTER_FAILURES`` failed attempts in a row disable the endpoint (its
waiting deliveries stay PENDING and go out when it is enabled again).

At least once: a worker killed after the receiver answered but before the settle commit leaves
the lease to expire, and the sweep delivers it again — with the same event id.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from sqlalchemy import update
from sqlmodel import col, select
from standardwebhooks import Webhook

from advocacy.config import get_settings
from advocacy.kit.db import utcnow
from advocacy.kit.global_ids import encode_id
from advocacy.kit.jobs import job_unit_of_work
from advocacy.kit.signing import sign
from advocacy.webhooks.models import (
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from advocacy.webhooks.secrets import endpoint_secret
from advocacy.webhooks.targets import TargetRefused, check_target

log = logging.getLogger("advocacy.webhooks")

LEASE = dt.timedelta(minutes=2)
FIRST_BACKOFF = dt.timedelta(seconds=30)
MAX_BACKOFF = dt.timedelta(hours=1)
USER_AGENT = "Advocacy-Webhooks/1"
MAX_ANSWER = 500
"""Bytes of a receiver's answer kept (for ``lastError``); the rest is never read."""


@dataclass(frozen=True)
class Request:
    delivery_id: int
    endpoint_id: int
    attempt: int
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retryable: bool
    status_code: int | None
    error: str | None


def body_of(event: WebhookEvent) -> bytes:
    return orjson.dumps(
        {
            "id": event.uid,
            "type": event.type,
            "createdAt": event.created_at.isoformat().replace("+00:00", "Z"),
            "organization": {"id": encode_id("Organization", event.organization_id)},
            "data": event.payload,
        }
    )


def backoff(attempt: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … capped at an hour, with up to 10% jitter so a recovering
    receiver isn't hit by every retry at once."""
    base = min(FIRST_BACKOFF * 2 ** max(attempt - 1, 0), MAX_BACKOFF)
    return base * (1 + random.random() / 10)


async def _claim(delivery_id: int) -> Request | None:
    now = utcnow()
    async with job_unit_of_work() as session:
        claimed = (
            await session.execute(
                update(WebhookDelivery)
                .where(
                    col(WebhookDelivery.id) == delivery_id,
                    col(WebhookDelivery.status) == DeliveryStatus.PENDING,
                    col(WebhookDelivery.next_attempt_at) <= now,
                    (col(WebhookDelivery.lease_until).is_(None))
                    | (col(WebhookDelivery.lease_until) < now),
                    col(WebhookDelivery.endpoint_id).in_(
                        _active_endpoints()  # a disabled endpoint's deliveries just wait
                    ),
                )
                .values(
                    attempts=WebhookDelivery.attempts + 1,
                    lease_until=now + LEASE,
                    last_attempt_at=now,
                )
                .returning(
                    col(WebhookDelivery.endpoint_id),
                    col(WebhookDelivery.event_id),
                    col(WebhookDelivery.attempts),
                )
            )
        ).first()
        if claimed is None:
            return None
        endpoint = await session.get_one(WebhookEndpoint, claimed.endpoint_id)
        event = await session.get_one(WebhookEvent, claimed.event_id)
        body = body_of(event)
        return Request(
            delivery_id=delivery_id,
            endpoint_id=endpoint.id or 0,
            attempt=claimed.attempts,
            url=endpoint.url,
            body=body,
            headers=signed_headers(
                endpoint_secret(endpoint.secret_salt),
                event,
                delivery_id,
                body,
                int(time.time()),
            ),
        )


def signed_headers(
    secret: str, event: WebhookEvent, delivery_id: int, body: bytes, timestamp: int
) -> dict[str, str]:
    """The request's headers: Standard Webhooks' three, made by the reference library, and the
    deprecated ``X-Advocacy-*`` ones (until receivers have moved; see the schema changelog)."""
    signed_at = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    standard = Webhook(secret).sign(event.uid, signed_at, body)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event.uid,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard,
        "X-Advocacy-Event": event.type,
        "X-Advocacy-Event-Id": event.uid,
        "X-Advocacy-Delivery": str(delivery_id),
        "X-Advocacy-Timestamp": str(timestamp),
        "X-Advocacy-Signature": f"v1={sign(secret, str(timestamp), body)}",
    }


def _active_endpoints() -> Any:
    return select(col(WebhookEndpoint.id)).where(
        col(WebhookEndpoint.status) == EndpointStatus.ACTIVE
    )


async def _post(request: Request) -> Outcome:
    try:
        await check_target(request.url)
    except TargetRefused as refused:
        return Outcome(ok=False, retryable=False, status_code=None, error=str(refused))
    timeout = get_settings().webhook_timeout_seconds
    try:
        # One deadline for the whole exchange (httpx's applies per phase, so a receiver that
        # drips its answer could otherwise hold the worker past its lease), and at most
        # MAX_ANSWER bytes of the answer are read.
        async with (
            asyncio.timeout(timeout),
            httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
            client.stream(
                "POST", request.url, content=request.body, headers=request.headers
            ) as response,
        ):
            answer = b""
            async for chunk in response.aiter_bytes():
                answer += chunk
                if len(answer) >= MAX_ANSWER:
                    break
    except (httpx.HTTPError, TimeoutError) as error:
        return Outcome(
            ok=False, retryable=True, status_code=None, error=f"{type(error).__name__}: {error}"
        )
    except Exception as error:  # e.g. a host name the resolver can't encode: retry, then give up
        log.warning("webhook delivery %s: unexpected error", request.delivery_id, exc_info=True)
        return Outcome(
            ok=False, retryable=True, status_code=None, error=f"{type(error).__name__}: {error}"
        )
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(ok=True, retryable=False, status_code=code, error=None)
    retryable = code in (408, 429) or code >= 500
    text = answer[:MAX_ANSWER].decode(errors="replace")
    return Outcome(ok=False, retryable=retryable, status_code=code, error=text)


async def _settle(request: Request, outcome: Outcome) -> dt.timedelta | None:
    """Record the attempt; the delay before the next one, or None when it is settled."""
    now = utcnow()
    async with job_unit_of_work() as session:
        delivery = await session.get(WebhookDelivery, request.delivery_id, with_for_update=True)
        if (
            delivery is None
            or delivery.status != DeliveryStatus.PENDING
            or delivery.attempts != request.attempt
        ):
            return None  # someone else (the sweep after our lease) settled it
        endpoint = await session.get_one(WebhookEndpoint, request.endpoint_id, with_for_update=True)
        delivery.last_status_code = outcome.status_code
        delivery.lease_until = None
        delay: dt.timedelta | None = None
        if outcome.ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
            delivery.last_error = None
            endpoint.consecutive_failures = 0
        else:
            delivery.last_error = outcome.error
            wait = backoff(delivery.attempts)
            if outcome.retryable and now + wait < delivery.retry_until:
                delay = wait
                delivery.next_attempt_at = now + delay
            else:
                delivery.status = DeliveryStatus.FAILED
            endpoint.consecutive_failures += 1
            limit = get_settings().webhook_disable_after_failures
            if endpoint.consecutive_failures >= limit and endpoint.status == EndpointStatus.ACTIVE:
                endpoint.status = EndpointStatus.DISABLED
                endpoint.disabled_at = now
                endpoint.disabled_reason = (
                    f"{endpoint.consecutive_failures} failed deliveries in a row; last: "
                    f"{outcome.status_code or ''} {outcome.error or ''}".strip()[:500]
                )
                log.warning(
                    "webhook endpoint %s disabled: %s", endpoint.id, endpoint.disabled_reason
                )
        endpoint.updated_at = now
        await session.flush()
        return delay


async def deliver(delivery_id: int) -> dt.timedelta | None:
    """Attempt one delivery if it is due; the delay before its next attempt, if any."""
    request = await _claim(delivery_id)
    if request is None:
        return None
    outcome = await _post(request)
    if not outcome.ok:
        log.info(
            "webhook delivery %s attempt %d failed: %s %s",
            delivery_id,
            request.attempt,
            outcome.status_code,
            (outcome.error or "")[:200],
        )
    return await _settle(request, outcome)
