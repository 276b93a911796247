"""Fulfilment providers against a real local HTTP provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from advocacy.config import Settings
from advocacy.gifting.models import GiftProvider
from advocacy.gifting.providers import (
    HttpProvider,
    Order,
    PermanentFulfilmentError,
    SandboxProvider,
    TransientFulfilmentError,
    provider_for,
)
from tests.fixtures.provider_server import ProviderState, free_port, running_provider

SECRET = "provider-test-secret"
ORDER = Order(
    send_id=42,
    organization_id=7,
    sku="MUG-01",
    item_name="Branded mug",
    kind="PHYSICAL",
    amount=1500,
    currency="USD",
    recipient_email="maya@acme.example",
    recipient_name="Maya Chen",
    shipping={"line1": "1 Main St", "city": "Toronto", "country": "CA"},
)


@pytest.fixture
def provider() -> Iterator[tuple[HttpProvider, ProviderState]]:
    with running_provider(SECRET) as (url, state):
        yield HttpProvider(url, SECRET, timeout_seconds=0.5), state


async def test_a_signed_order_is_accepted_once(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    client, state = provider
    reference = await client.fulfil(ORDER, "send-42")
    assert reference == "ord-send-42"
    assert list(state.orders) == ["send-42"]
    assert state.orders["send-42"]["order"]["shipping"]["country"] == "CA"


async def test_500_twice_then_success_makes_one_order(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    client, state = provider
    state.fail_next = 2
    for _ in range(2):
        with pytest.raises(TransientFulfilmentError, match="500"):
            await client.fulfil(ORDER, "send-42")
    assert await client.fulfil(ORDER, "send-42") == "ord-send-42"
    assert state.attempts == 3 and len(state.orders) == 1


async def test_a_timeout_after_accepting_is_retried_with_the_same_key(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    client, state = provider
    state.hang_after_accepting_seconds = 2.0
    with pytest.raises(TransientFulfilmentError, match="unreachable"):
        await client.fulfil(ORDER, "send-42")
    assert list(state.orders) == ["send-42"]  # the provider did accept it
    assert await client.fulfil(ORDER, "send-42") == "ord-send-42"
    assert len(state.orders) == 1


async def test_a_refused_order_is_permanent(provider: tuple[HttpProvider, ProviderState]) -> None:
    client, state = provider
    state.refuse_skus.add("MUG-01")
    with pytest.raises(PermanentFulfilmentError, match="422"):
        await client.fulfil(ORDER, "send-42")
    assert state.orders == {}


async def test_a_wrong_signature_is_refused_permanently(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    client, state = provider
    forger = HttpProvider(client.url, "not-the-secret", timeout_seconds=0.5)
    with pytest.raises(PermanentFulfilmentError, match="401"):
        await forger.fulfil(ORDER, "send-42")
    assert state.orders == {}


async def test_an_unreachable_provider_is_transient() -> None:
    client = HttpProvider(f"http://127.0.0.1:{free_port()}/orders", SECRET, timeout_seconds=0.5)
    with pytest.raises(TransientFulfilmentError):
        await client.fulfil(ORDER, "send-42")


async def test_sandbox_is_idempotent_and_can_fail_on_demand() -> None:
    sandbox = SandboxProvider()
    first = await sandbox.fulfil(ORDER, "send-42")
    assert first == await sandbox.fulfil(ORDER, "send-42")
    assert first != await sandbox.fulfil(ORDER, "send-43")
    with pytest.raises(TransientFulfilmentError):
        await SandboxProvider(failure_rate=1.0).fulfil(ORDER, "send-42")


def test_http_provider_needs_its_settings() -> None:
    with pytest.raises(PermanentFulfilmentError, match="ADVOCACY_FULFILMENT_URL"):
        provider_for(GiftProvider.HTTP, Settings(fulfilment_url=None))
    configured = provider_for(
        GiftProvider.HTTP,
        Settings(fulfilment_url="https://provider.example/orders", fulfilment_secret=SECRET),
    )
    assert isinstance(configured, HttpProvider)
    assert isinstance(provider_for(GiftProvider.SANDBOX, Settings()), SandboxProvider)
