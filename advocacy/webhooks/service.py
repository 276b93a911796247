"""The only writer of webhook endpoints and of manual redeliveries. Endpoints hold an
organization's integration secrets, so every call here needs the ADMIN role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.jobs import enqueue_after_commit
from advocacy.kit.updates import UNCHANGED, Unchanged
from advocacy.kit.validation import Checker
from advocacy.tenancy.models import Role
from advocacy.tenancy.owned import get_owned
from advocacy.tenancy.principal import Principal
from advocacy.webhooks.events import EventType, retry_window
from advocacy.webhooks.models import (
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from advocacy.webhooks.secrets import endpoint_secret, new_salt
from advocacy.webhooks.targets import TargetRefused, check_target

MAX_ENDPOINTS = 20


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str
    """Shown once, on creation and rotation."""


async def _checked_url(check: Checker, url: str | None) -> str | None:
    cleaned = check.url("url", url, required=True)
    if cleaned is None:
        return None
    try:
        await check_target(cleaned)
    except TargetRefused as refused:
        check.fail("url", ErrorCode.INVALID, str(refused))
        return None
    return cleaned


def _checked_types(check: Checker, types: Sequence[EventType] | None) -> list[str] | None:
    if types is None:
        return None
    if not types:
        check.fail("eventTypes", ErrorCode.REQUIRED, "eventTypes must name at least one event")
        return None
    return sorted({str(event_type) for event_type in types})


async def create_endpoint(
    session: AsyncSession,
    principal: Principal,
    url: str,
    event_types: Sequence[EventType],
    description: str | None = None,
) -> EndpointWithSecret:
    principal.require(Role.ADMIN)
    check = Checker()
    clean_url = await _checked_url(check, url)
    types = _checked_types(check, event_types)
    clean_description = check.text("description", description, max_length=500, required=False)
    check.done()
    assert clean_url is not None and types is not None
    count = len(await endpoints_of(session, principal.organization_id))
    if count >= MAX_ENDPOINTS:
        raise DomainError(
            ErrorCode.TOO_MANY, f"an organization can have at most {MAX_ENDPOINTS} endpoints"
        )
    endpoint = WebhookEndpoint(
        organization_id=principal.organization_id,
        url=clean_url,
        event_types=types,
        description=clean_description,
        secret_salt=new_salt(),
    )
    session.add(endpoint)
    await session.flush()
    return EndpointWithSecret(endpoint, endpoint_secret(endpoint.secret_salt))


async def endpoints_of(session: AsyncSession, organization_id: int) -> list[WebhookEndpoint]:
    rows = await session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organization_id == organization_id)
        .order_by(col(WebhookEndpoint.id))
    )
    return list(rows)


async def _endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: int
) -> WebhookEndpoint:
    principal.require(Role.ADMIN)
    return await get_owned(
        session, principal, WebhookEndpoint, endpoint_id, "id", "webhook endpoint", for_update=True
    )


@dataclass
class EndpointChanges:
    url: str | Unchanged = UNCHANGED
    event_types: Sequence[EventType] | Unchanged = UNCHANGED
    description: str | Unchanged | None = UNCHANGED


async def update_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: int, changes: EndpointChanges
) -> WebhookEndpoint:
    endpoint = await _endpoint(session, principal, endpoint_id)
    check = Checker()
    if not isinstance(changes.url, Unchanged):
        url = await _checked_url(check, changes.url)
    if not isinstance(changes.event_types, Unchanged):
        types = _checked_types(check, changes.event_types)
    if not isinstance(changes.description, Unchanged):
        description = check.text("description", changes.description, max_length=500, required=False)
    check.done()
    if not isinstance(changes.url, Unchanged) and url is not None:
        endpoint.url = url
    if not isinstance(changes.event_types, Unchanged) and types is not None:
        endpoint.event_types = types
    if not isinstance(changes.description, Unchanged):
        endpoint.description = description
    endpoint.updated_at = utcnow()
    await session.flush()
    return endpoint


async def set_enabled(
    session: AsyncSession, principal: Principal, endpoint_id: int, enabled: bool
) -> WebhookEndpoint:
    """Disable (deliveries wait, nothing is dropped) or enable again: the waiting deliveries
    are due at once and get a fresh retry window."""
    endpoint = await _endpoint(session, principal, endpoint_id)
    now = utcnow()
    if enabled and endpoint.status != EndpointStatus.ACTIVE:
        endpoint.status = EndpointStatus.ACTIVE
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = endpoint.disabled_reason = None
        waiting = await session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.endpoint_id) == endpoint_id,
                col(WebhookDelivery.status) == DeliveryStatus.PENDING,
            )
            .values(next_attempt_at=now, retry_until=now + retry_window(), lease_until=None)
            .returning(col(WebhookDelivery.id))
        )
        from advocacy.webhooks.jobs import deliver

        for (delivery_id,) in waiting.all():
            enqueue_after_commit(session, deliver, delivery_id=delivery_id)
    elif not enabled and endpoint.status == EndpointStatus.ACTIVE:
        endpoint.status = EndpointStatus.DISABLED
        endpoint.disabled_at = now
        endpoint.disabled_reason = "disabled by an administrator"
    endpoint.updated_at = now
    await session.flush()
    return endpoint


async def rotate_secret(
    session: AsyncSession, principal: Principal, endpoint_id: int
) -> EndpointWithSecret:
    """A new secret at once; deliveries signed from now on use it."""
    endpoint = await _endpoint(session, principal, endpoint_id)
    endpoint.secret_salt = new_salt()
    endpoint.updated_at = utcnow()
    await session.flush()
    return EndpointWithSecret(endpoint, endpoint_secret(endpoint.secret_salt))


async def delete_endpoint(session: AsyncSession, principal: Principal, endpoint_id: int) -> int:
    endpoint = await _endpoint(session, principal, endpoint_id)
    await session.execute(
        delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    )
    await session.delete(endpoint)
    await session.flush()
    return endpoint_id


async def redeliver(
    session: AsyncSession, principal: Principal, delivery_id: int
) -> WebhookDelivery:
    """Send one delivery again (same event id, so receivers can still de-duplicate), whatever
    became of it, with a fresh retry window."""
    principal.require(Role.ADMIN)
    found = await get_owned(
        session, principal, WebhookDelivery, delivery_id, "id", "webhook delivery", for_update=True
    )
    now = utcnow()
    found.status = DeliveryStatus.PENDING
    found.next_attempt_at = now
    found.retry_until = now + retry_window()
    found.lease_until = None
    await session.flush()
    from advocacy.webhooks.jobs import deliver

    enqueue_after_commit(session, deliver, delivery_id=delivery_id)
    return found
