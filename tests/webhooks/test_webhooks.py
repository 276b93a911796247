"""Webhooks against a real local receiver: signed, verifiable deliveries for what happens;
retries with backoff and give-up; auto-disable; a worker dying mid-delivery; redelivery;
disable/enable; the SSRF guard; roles and tenancy; through a real Dramatiq worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import update
from standardwebhooks import Webhook, WebhookVerificationError

from advocacy.graphql.ids import decode_id, encode_id
from advocacy.kit import jobs
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.webhooks import delivery
from advocacy.webhooks.jobs import due_deliveries
from advocacy.webhooks.models import WebhookDelivery
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate
from tests.fixtures.gifting import send_one, setup
from tests.fixtures.webhook_receiver import Receiver
from tests.webhooks.conftest import CREATE, create_endpoint, deliver_all, deliveries, make_due

pytestmark = pytest.mark.usefixtures("job_engine")  # delivery runs on the jobs' engine

CREATE_ADVOCATE = """mutation($email: String!) { createAdvocate(input: {email: $email,
  name: "Pat Lee"}) { advocate { id } errors { code } } }"""


def independently_verified(secret: str, received: Any, tolerance_seconds: int = 300) -> bool:
    """What a receiver does, written here from the README's recipe, not with our code."""
    timestamp = received.headers["x-advocacy-timestamp"]
    scheme, _, signature = received.headers["x-advocacy-signature"].partition("=")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - int(timestamp)) <= tolerance_seconds
    return scheme == "v1" and fresh and hmac.compare_digest(expected, signature)


def standard_verified(secret: str, received: Any) -> bool:
    """What an off-the-shelf Standard Webhooks receiver does: the reference library's check
    (headers present, timestamp within five minutes, a matching ``v1`` signature)."""
    try:
        Webhook(secret).verify(received.body, received.headers)
    except WebhookVerificationError:
        return False
    return True


async def test_a_standard_webhooks_receiver_accepts_our_deliveries(
    org: Org, admin: Api, receiver: Receiver
) -> None:
    created = await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED")
    secret = created["secret"]
    await admin(CREATE_ADVOCATE, {"email": "standard@example.com"})
    await deliver_all(org.id)
    [got] = receiver.received
    assert Webhook(secret).verify(got.body, got.headers) == got.json
    assert got.headers["webhook-id"] == got.json["id"] == got.headers["x-advocacy-event-id"]
    assert got.headers["webhook-signature"].startswith("v1,")
    wrong = secret[:-1] + ("0" if secret[-1] != "0" else "1")
    assert not standard_verified(wrong, got)
    tampered = type(got)(got.headers, got.body.replace(b"standard@", b"attacker@"))
    assert not standard_verified(secret, tampered)
    replayed_as_other = type(got)({**got.headers, "webhook-id": "evt_other"}, got.body)
    assert not standard_verified(secret, replayed_as_other)
    # The deprecated headers still verify the way receivers written before did.
    assert independently_verified(secret, got)


async def test_an_event_reaches_the_receiver_signed_and_verifiable(
    org: Org, admin: Api, receiver: Receiver
) -> None:
    created = await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED", "MILESTONE_APPROVED")
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["webhookEndpoint"]["status"] == "ACTIVE"
    made = await admin(CREATE_ADVOCATE, {"email": "pat@example.com"})
    advocate_id = made["createAdvocate"]["advocate"]["id"]
    await deliver_all(org.id)
    [got] = receiver.received
    assert independently_verified(secret, got)
    wrong = secret[:-1] + ("0" if secret[-1] != "0" else "1")  # always a different secret
    assert not independently_verified(wrong, got)
    body = got.json
    assert body["type"] == "advocate.created" and str(body["id"]).startswith("evt_")
    assert body["organization"] == {"id": org.gid}
    assert body["data"]["id"] == advocate_id and body["data"]["email"] == "pat@example.com"
    assert got.headers["x-advocacy-event-id"] == body["id"]
    [row] = await deliveries(org.id)
    assert (row.status, row.attempts, row.last_status_code) == ("SUCCEEDED", 1, 200)
    await deliver_all(org.id)  # a duplicate message: nothing more
    assert len(receiver.received) == 1


async def test_only_subscribed_types_and_organizations_get_events(
    org: Org, other_org: Org, admin: Api, outsider: Api, receiver: Receiver
) -> None:
    await create_endpoint(admin, receiver.url, "MILESTONE_APPROVED")
    await admin(CREATE_ADVOCATE, {"email": "nobody-listens@example.com"})
    await outsider(CREATE_ADVOCATE, {"email": "other-org@example.com"})
    assert await deliveries(org.id) == [] and await deliveries(other_org.id) == []


async def test_transient_failures_are_retried_with_the_same_event_id(
    org: Org, admin: Api, receiver: Receiver
) -> None:
    await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED")
    receiver.answers = [500, 429, 503]
    await admin(CREATE_ADVOCATE, {"email": "retry@example.com"})
    [row] = await deliveries(org.id)
    waits = []
    for _ in range(4):
        delay = await delivery.deliver(row.id or 0)
        waits.append(delay)
        await make_due(row.id or 0)
    assert [r.headers["x-advocacy-event-id"] for r in receiver.received] == [
        receiver.received[0].headers["x-advocacy-event-id"]
    ] * 4
    [row] = await deliveries(org.id)
    assert (row.status, row.attempts) == ("SUCCEEDED", 4)
    assert waits[3] is None and all(w is not None for w in waits[:3])
    assert [round(w.total_seconds() / 30) for w in waits[:3] if w] == [1, 2, 4]  # backoff doubles


async def test_a_refusal_fails_at_once_and_a_day_of_failures_gives_up(
    org: Org, admin: Api, receiver: Receiver
) -> None:
    await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED")
    receiver.answers = [410]
    await admin(CREATE_ADVOCATE, {"email": "gone@example.com"})
    await deliver_all(org.id)
    receiver.answers = [500]
    await admin(CREATE_ADVOCATE, {"email": "late@example.com"})
    gone, late = await deliveries(org.id)
    assert (gone.status, gone.last_status_code) == ("FAILED", 410)
    async with unit_of_work() as session:  # as if the day of retries has passed
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == late.id)  # type: ignore[arg-type]
            .values(retry_until=utcnow() + dt.timedelta(seconds=5))
        )
    assert await delivery.deliver(late.id or 0) is None
    _, late = await deliveries(org.id)
    assert (late.status, late.last_status_code) == ("FAILED", 500)


async def test_many_failures_in_a_row_disable_the_endpoint_and_nothing_is_lost(
    org: Org, admin: Api, receiver: Receiver, configure: Callable[..., None]
) -> None:
    configure(webhook_disable_after_failures=3)
    endpoint = (await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED"))["webhookEndpoint"]
    receiver.answers = [500] * 3
    for number in range(3):
        await admin(CREATE_ADVOCATE, {"email": f"down{number}@example.com"})
    await deliver_all(org.id)
    seen = await admin(
        "{ webhookEndpoints { status consecutiveFailures disabledReason disabledAt } }"
    )
    [state] = seen["webhookEndpoints"]
    assert (state["status"], state["consecutiveFailures"]) == ("DISABLED", 3)
    assert "3 failed deliveries in a row" in state["disabledReason"]
    await admin(CREATE_ADVOCATE, {"email": "while-disabled@example.com"})
    assert len(await deliveries(org.id)) == 4  # events while disabled are kept, waiting
    for row in await deliveries(org.id):
        await make_due(row.id or 0)
    await deliver_all(org.id)
    assert len(receiver.received) == 3  # ... and nothing goes out while disabled
    enabled = await admin(
        """mutation($id: ID!) { enableWebhookEndpoint(input: {id: $id}) {
             webhookEndpoint { status consecutiveFailures } errors { code } } }""",
        {"id": endpoint["id"]},
    )
    assert enabled["enableWebhookEndpoint"]["webhookEndpoint"] == {
        "status": "ACTIVE",
        "consecutiveFailures": 0,
    }
    await deliver_all(org.id)
    assert [row.status for row in await deliveries(org.id)] == ["SUCCEEDED"] * 4
    assert receiver.of_type("advocate.created")[-1].json["data"]["email"] == (  # type: ignore[index]
        "while-disabled@example.com"
    )


async def test_a_worker_killed_mid_delivery_is_covered_by_the_sweep(
    org: Org, admin: Api, receiver: Receiver
) -> None:
    await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED")
    await admin(CREATE_ADVOCATE, {"email": "crash@example.com"})
    [row] = await deliveries(org.id)
    claimed = await delivery._claim(row.id or 0)  # the worker claimed it, then died
    assert claimed is not None
    assert await delivery.deliver(row.id or 0) is None  # its lease keeps others off
    async with unit_of_work() as session:
        assert row.id not in await due_deliveries(session)
        await session.execute(  # the lease and the sweep's grace pass
            update(WebhookDelivery)
            .where(WebhookDelivery.id == row.id)  # type: ignore[arg-type]
            .values(
                lease_until=utcnow() - dt.timedelta(seconds=1),
                next_attempt_at=utcnow() - dt.timedelta(minutes=6),
            )
        )
    async with unit_of_work() as session:
        assert row.id in await due_deliveries(session)
    await delivery.deliver(row.id or 0)
    [row] = await deliveries(org.id)
    assert (row.status, row.attempts, len(receiver.received)) == ("SUCCEEDED", 2, 1)


async def test_redelivery_sends_the_same_event_again(
    org: Org, admin: Api, receiver: Receiver
) -> None:
    await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED")
    await admin(CREATE_ADVOCATE, {"email": "again@example.com"})
    await deliver_all(org.id)
    listed = await admin(
        """{ webhookDeliveries(filter: {statuses: [SUCCEEDED]}) { totalCount
             nodes { id status attempts event { id type data } endpoint { url } } } }"""
    )
    [node] = listed["webhookDeliveries"]["nodes"]
    assert node["event"]["type"] == "ADVOCATE_CREATED" and node["endpoint"]["url"] == receiver.url
    again = await admin(
        """mutation($id: ID!) { redeliverWebhook(input: {deliveryId: $id}) {
             webhookDelivery { status } errors { code } } }""",
        {"id": node["id"]},
    )
    assert again["redeliverWebhook"]["webhookDelivery"] == {"status": "PENDING"}
    await deliver_all(org.id)
    first, second = receiver.received
    assert first.headers["x-advocacy-event-id"] == second.headers["x-advocacy-event-id"]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body


async def test_rotating_the_secret_signs_with_the_new_one(
    org: Org, admin: Api, receiver: Receiver
) -> None:
    created = await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED")
    rotated = await admin(
        """mutation($id: ID!) {
             rotateWebhookSecret(input: {id: $id}) { secret errors { code } } }""",
        {"id": created["webhookEndpoint"]["id"]},
    )
    new_secret = rotated["rotateWebhookSecret"]["secret"]
    assert new_secret != created["secret"]
    await admin(CREATE_ADVOCATE, {"email": "rotated@example.com"})
    await deliver_all(org.id)
    [got] = receiver.received
    assert independently_verified(new_secret, got) and not independently_verified(
        created["secret"], got
    )
    assert standard_verified(new_secret, got) and not standard_verified(created["secret"], got)


async def test_gift_events_carry_no_shipping_details(
    org: Org, admin: Api, marketer: Api, anonymous: Api, receiver: Receiver
) -> None:
    await create_endpoint(admin, receiver.url, "GIFT_OFFERED", "GIFT_REDEEMED")
    ids = await setup(org, kind="PHYSICAL", regions=["US"])
    sent = await send_one(marketer, ids)
    redeemed = await anonymous(
        """mutation($token: String!) { redeemGift(input: {token: $token, shippingAddress: {
             name: "Ada Lovelace", line1: "1 Secret Lane", city: "Austin", region: "TX",
             postalCode: "78701", country: "US"}}) { errors { code } } }""",
        {"token": sent.token},
    )
    assert redeemed["redeemGift"]["errors"] == []
    await deliver_all(org.id)
    assert [r.json["type"] for r in receiver.received] == ["gift.offered", "gift.redeemed"]
    for got in receiver.received:
        assert b"Secret Lane" not in got.body and b"Ada Lovelace" not in got.body
        assert got.json["data"]["id"] == sent.send_id  # type: ignore[index]
    assert receiver.received[1].json["data"]["status"] == "REDEEMED"  # type: ignore[index]


async def test_budget_low_fires_once_when_a_send_crosses_the_mark(
    org: Org, admin: Api, marketer: Api, receiver: Receiver, configure: Callable[..., None]
) -> None:
    configure(budget_low_percent=50)
    await create_endpoint(admin, receiver.url, "BUDGET_LOW")
    ids = await setup(org, budget=10_000, price=3000)
    for _ in range(3):  # 7,000 left, then 4,000 (below half: fires), then 1,000
        await send_one(marketer, {**ids, "advocateId": await another_advocate(org)})
    await deliver_all(org.id)
    [got] = receiver.received
    assert got.json["type"] == "budget.low"
    assert got.json["data"]["remaining"] == 4000  # type: ignore[index]


async def another_advocate(org: Org) -> str:
    return encode_id("Advocate", (await make_advocate(org.id)).id or 0)


async def test_endpoints_are_validated_and_guarded_against_internal_targets(
    admin: Api, receiver: Receiver, configure: Callable[..., None]
) -> None:
    for url, field in (("ftp://example.com/x", "url"), ("https://u:p@example.com/", "url")):
        answer = await admin(CREATE, {"input": {"url": url, "eventTypes": ["GIFT_OFFERED"]}})
        assert [e["field"] for e in answer["createWebhookEndpoint"]["errors"]] == [field]
    none = await admin(CREATE, {"input": {"url": receiver.url, "eventTypes": []}})
    assert [e["field"] for e in none["createWebhookEndpoint"]["errors"]] == ["eventTypes"]
    configure(webhook_allow_private_targets=False)  # production's default
    for url in (receiver.url, "http://169.254.169.254/latest", "http://10.0.0.1/", "http://[::1]/"):
        refused = await admin(CREATE, {"input": {"url": url, "eventTypes": ["GIFT_OFFERED"]}})
        [error] = refused["createWebhookEndpoint"]["errors"]
        assert error["field"] == "url" and "private" in error["message"], url


async def test_a_target_that_turned_internal_is_refused_at_delivery(
    org: Org, admin: Api, receiver: Receiver, configure: Callable[..., None]
) -> None:
    await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED")
    await admin(CREATE_ADVOCATE, {"email": "rebind@example.com"})
    configure(webhook_allow_private_targets=False)  # as if its DNS now pointed inside
    await deliver_all(org.id)
    [row] = await deliveries(org.id)
    assert row.status == "FAILED" and "private" in (row.last_error or "")
    assert receiver.received == []


async def test_only_admins_manage_webhooks_and_only_their_own(
    org: Org,
    other_org: Org,
    admin: Api,
    marketer: Api,
    viewer: Api,
    outsider: Api,
    receiver: Receiver,
) -> None:
    created = await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED")
    endpoint_id = created["webhookEndpoint"]["id"]
    await admin(CREATE_ADVOCATE, {"email": "mine@example.com"})
    for api in (marketer, viewer):
        assert await api.error_code("{ webhookEndpoints { id } }") == "FORBIDDEN"
        assert (
            await api.error_code(
                CREATE, {"input": {"url": receiver.url, "eventTypes": ["GIFT_OFFERED"]}}
            )
            == "FORBIDDEN"
        )
        assert (await api("query($id: ID!) { node(id: $id) { id } }", {"id": endpoint_id}))[
            "node"
        ] is None
    assert (await outsider("{ webhookEndpoints { id } }"))["webhookEndpoints"] == []
    assert (await outsider("{ webhookDeliveries { totalCount } }"))["webhookDeliveries"][
        "totalCount"
    ] == 0
    assert (await outsider("query($id: ID!) { node(id: $id) { id } }", {"id": endpoint_id}))[
        "node"
    ] is None
    [row] = await deliveries(org.id)
    for mutation, variables in (
        ("deleteWebhookEndpoint(input: {id: $id}) { errors { code } }", {"id": endpoint_id}),
        ("disableWebhookEndpoint(input: {id: $id}) { errors { code } }", {"id": endpoint_id}),
        ("rotateWebhookSecret(input: {id: $id}) { secret errors { code } }", {"id": endpoint_id}),
        (
            "redeliverWebhook(input: {deliveryId: $id}) { errors { code } }",
            {"id": encode_id("WebhookDelivery", row.id or 0)},
        ),
    ):
        answer = await outsider(f"mutation($id: ID!) {{ {mutation} }}", variables)
        [payload] = answer.values()
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], mutation
    assert (await admin("{ webhookEndpoints { status } }"))["webhookEndpoints"] == [
        {"status": "ACTIVE"}
    ]
    deleted = await admin(
        """mutation($id: ID!) {
             deleteWebhookEndpoint(input: {id: $id}) { deletedId errors { code } } }""",
        {"id": endpoint_id},
    )
    assert deleted["deleteWebhookEndpoint"]["deletedId"] == endpoint_id
    assert await deliveries(org.id) == []


async def test_a_real_worker_delivers_after_the_commit(
    org: Org, admin: Api, receiver: Receiver, job_engine: None
) -> None:
    await create_endpoint(admin, receiver.url, "ADVOCATE_CREATED", "ADVOCATE_UPDATED")
    broker = jobs.get_broker()
    if isinstance(broker, StubBroker):
        broker.flush_all()  # earlier tests' leftover messages are not this worker's business
    worker = jobs.start_embedded_worker(threads=2)
    assert worker is not None
    try:
        made = await admin(CREATE_ADVOCATE, {"email": "worker@example.com"})
        advocate = made["createAdvocate"]["advocate"]["id"]
        await admin(
            """mutation($id: ID!) { updateAdvocate(input: {id: $id, name: "Pat Q. Lee"}) {
                 errors { code } } }""",
            {"id": advocate},
        )
        for _ in range(200):
            if len(receiver.received) >= 2:
                break
            await asyncio.sleep(0.05)
    finally:
        worker.stop()
    assert sorted(r.json["type"] for r in receiver.received) == [
        "advocate.created",
        "advocate.updated",
    ]
    updated = receiver.of_type("advocate.updated")[0].json["data"]
    assert updated["name"] == "Pat Q. Lee"  # type: ignore[index]
    assert decode_id(str(updated["id"]), "Advocate", "id") > 0  # type: ignore[index]
