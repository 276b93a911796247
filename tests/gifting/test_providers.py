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
    UnknownOutcomeError,
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


async def test_503_twice_then_success_makes_one_order(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    client, state = provider
    state.fail_next = 2
    for _ in range(2):
        with pytest.raises(TransientFulfilmentError, match="503") as refused:
            await client.fulfil(ORDER, "send-42")
        assert not isinstance(refused.value, UnknownOutcomeError)  # 503: nothing was placed
    assert await client.fulfil(ORDER, "send-42") == "ord-send-42"
    assert state.attempts == 3 and len(state.orders) == 1


async def test_a_timeout_after_accepting_is_retried_with_the_same_key(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    client, state = provider
    state.hang_after_accepting_seconds = 2.0
    with pytest.raises(UnknownOutcomeError, match=r"ReadTimeout.*may be placed"):
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


async def test_an_unreachable_provider_is_transient_and_known_not_to_have_the_order() -> None:
    client = HttpProvider(f"http://127.0.0.1:{free_port()}/orders", SECRET, timeout_seconds=0.5)
    with pytest.raises(TransientFulfilmentError, match="unreachable") as raised:
        await client.fulfil(ORDER, "send-42")
    assert not isinstance(raised.value, UnknownOutcomeError)  # never connected: not placed
    with pytest.raises(TransientFulfilmentError, match="lookup failed"):
        await client.lookup("send-42")


async def test_a_stall_before_the_order_is_placed_is_unknown_too(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    """The client can't tell a stall before placing from one after: both are unknown, and
    only the lookup tells them apart."""
    client, state = provider
    state.sku_scripts["MUG-01"] = ["hang_before", "hang_after"]
    state.stall_seconds = 2.0
    with pytest.raises(UnknownOutcomeError):
        await client.fulfil(ORDER, "send-42")
    assert await client.lookup("send-42") is None
    with pytest.raises(UnknownOutcomeError):
        await client.fulfil(ORDER, "send-42")
    assert await client.lookup("send-42") == "ord-send-42"
    assert state.placed == {"send-42": 1} and state.lookups == {"send-42": 2}


async def test_the_lookup_finds_a_placed_order_and_not_an_unknown_key(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    client, _ = provider
    assert await client.lookup("send-42") is None  # 404: the provider has no such order
    await client.fulfil(ORDER, "send-42")
    assert await client.lookup("send-42") == "ord-send-42"
    assert client.lookup_url("send/42?x") == f"{client.url}/send%2F42%3Fx"


async def test_a_provider_without_lookups_is_never_taken_for_one_without_the_order(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    """A bare 404 (no lookup route: the server's own "not found") must not read as "no such
    order", or a placed gift would be failed and released."""
    client, _ = provider
    no_lookups = HttpProvider(client.url.removesuffix("/orders") + "/other", SECRET, 0.5)
    with pytest.raises(TransientFulfilmentError, match="lookup answered 404"):
        await no_lookups.lookup("send-42")


async def test_a_lookup_that_fails_or_times_out_says_nothing(
    provider: tuple[HttpProvider, ProviderState],
) -> None:
    """503, a time-out, or a refused signature: the outcome stays unknown (never "not placed")."""
    client, state = provider
    await client.fulfil(ORDER, "send-42")
    state.lookup_fail_next = 1
    with pytest.raises(TransientFulfilmentError, match="503"):
        await client.lookup("send-42")
    state.lookup_hang_next, state.stall_seconds = 1, 2.0
    with pytest.raises(TransientFulfilmentError, match="ReadTimeout"):
        await client.lookup("send-42")
    forger = HttpProvider(client.url, "not-the-secret", timeout_seconds=0.5)
    with pytest.raises(TransientFulfilmentError, match="401"):
        await forger.lookup("send-42")
    assert await client.lookup("send-42") == "ord-send-42"


async def test_sandbox_is_idempotent_and_can_fail_on_demand() -> None:
    sandbox = SandboxProvider()
    first = await sandbox.fulfil(ORDER, "send-42")
    assert first == await sandbox.fulfil(ORDER, "send-42")
    assert first != await sandbox.fulfil(ORDER, "send-43")
    with pytest.raises(TransientFulfilmentError):
        await SandboxProvider(failure_rate=1.0).fulfil(ORDER, "send-42")
    assert await sandbox.lookup("send-42") == first  # the sandbox places what it's asked


def test_http_provider_needs_its_settings() -> None:
    with pytest.raises(PermanentFulfilmentError, match="ADVOCACY_FULFILMENT_URL"):
        provider_for(GiftProvider.HTTP, Settings(fulfilment_url=None))
    configured = provider_for(
        GiftProvider.HTTP,
        Settings(fulfilment_url="https://provider.example/orders", fulfilment_secret=SECRET),
    )
    assert isinstance(configured, HttpProvider)
    assert isinstance(provider_for(GiftProvider.SANDBOX, Settings()), SandboxProvider)
