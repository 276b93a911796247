"""Fixtures for webhook tests: a real receiver, an endpoint on it, and the delivery job run
the way the worker runs it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import select, update

from advocacy.kit import jobs
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.webhooks import delivery
from advocacy.webhooks.models import WebhookDelivery
from tests.fixtures.api import Api
from tests.fixtures.webhook_receiver import Receiver, running_receiver

CREATE = """mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  secret webhookEndpoint { id url eventTypes status } errors { field code message } } }"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(autouse=True)
def empty_broker() -> Iterator[None]:
    yield
    broker = jobs.get_broker()
    if isinstance(broker, StubBroker):
        broker.flush_all()


async def create_endpoint(api: Api, url: str, *event_types: str) -> dict[str, Any]:
    answer = (await api(CREATE, {"input": {"url": url, "eventTypes": list(event_types)}}))[
        "createWebhookEndpoint"
    ]
    assert answer["errors"] == [], answer["errors"]
    return dict(answer)


async def deliveries(organization_id: int) -> list[WebhookDelivery]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.organization_id == organization_id)
            .order_by(WebhookDelivery.id)  # type: ignore[arg-type]
        )
        return list(rows)


async def make_due(delivery_id: int) -> None:
    """Skip the backoff wait (the clock the retry schedule runs on is the database's rows)."""
    async with unit_of_work() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)  # type: ignore[arg-type]
            .values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
        )


async def deliver_all(organization_id: int) -> None:
    """Attempt every due delivery of the organization once, as the worker would."""
    for row in await deliveries(organization_id):
        await delivery.deliver(row.id or 0)
