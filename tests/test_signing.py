"""The one key derivation: what was issued before it keeps working, purposes never mix, and
the helpers' canonical forms.

The pinned values were computed on the code before advocacy.kit.signing became the one module
(main at d3f4b17), with the secret key below: gift links and unsubscribe links already sent in
emails, click tokens handed to shops, visitor hashes stored with clicks and referrals, and the
webhook secrets receivers hold must come out byte for byte the same after an upgrade.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import orjson
import pytest
from standardwebhooks import Webhook
from starlette.requests import HTTPConnection

from advocacy.demo import demo_token_secret
from advocacy.engagement.unsubscribe import advocate_of_token, unsubscribe_token
from advocacy.gifting.link_attempts import client_fingerprint
from advocacy.gifting.links import link_token
from advocacy.kit import signing
from advocacy.kit.signing import Purpose
from advocacy.referrals.clicks import click_id_from_token, click_token, visitor_hash
from advocacy.web.security import csrf_token
from advocacy.webhooks.delivery import body_of, signed_headers
from advocacy.webhooks.models import WebhookEvent
from advocacy.webhooks.secrets import endpoint_secret

PINNED_KEY = "pinned-secret-key-for-derivation-tests-0123456789"
LINK_SALT = "00112233445566778899aabbccddeeff"
WEBHOOK_SALT = "0123456789abcdef0123456789abcdef"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64)"


@pytest.fixture
def pinned_key(configure: Callable[..., None]) -> None:
    configure(secret_key=PINNED_KEY)


@pytest.mark.usefixtures("pinned_key")
def test_links_tokens_hashes_and_secrets_issued_before_are_unchanged() -> None:
    assert link_token(LINK_SALT) == "PEn76N62ioqXU2jnBMf9kIm5ttu7D8ByT-OKHnS7MA4"
    assert unsubscribe_token(42) == "42.8OREfvGmF8lF8G6U_gQ_GwLr"
    assert advocate_of_token("42.8OREfvGmF8lF8G6U_gQ_GwLr") == 42
    assert click_token(7) == "7.e2bad35b93cccf3a82fa"
    assert click_id_from_token("7.e2bad35b93cccf3a82fa") == 7
    assert (
        visitor_hash("203.0.113.9", USER_AGENT)
        == "28e03c023726fd0b76dfef7c01d3e9004eb1ae9b022b242605945b3b5aa03d47"
    )
    assert (
        endpoint_secret(WEBHOOK_SALT)
        == "whsec_22705792e91f53d333e6ab7062db0190094fc0a520714cce7319440f3c15d420"
    )


def test_a_webhook_secret_issued_before_verifies_deliveries_both_ways() -> None:
    """An endpoint created before the Standard Webhooks switch: the secret its receiver holds
    (the pinned value above, as issued) verifies a delivery signed now with the reference
    library, and with the old X-Advocacy-Signature recipe."""
    issued = "whsec_22705792e91f53d333e6ab7062db0190094fc0a520714cce7319440f3c15d420"
    event = WebhookEvent(
        id=1,
        organization_id=1,
        uid="evt_pinned",
        type="advocate.created",
        payload={"email": "pat@example.com"},
        created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )
    body = body_of(event)
    now = int(time.time())
    headers = signed_headers(issued, event, 1, body, now)
    assert Webhook(issued).verify(body, headers) == orjson.loads(body)
    assert signing.verify(issued, str(now), body, headers["X-Advocacy-Signature"][3:])
    assert headers["webhook-id"] == headers["X-Advocacy-Event-Id"] == "evt_pinned"


@pytest.mark.usefixtures("pinned_key")
def test_the_short_lived_values_moved_to_the_one_derivation() -> None:
    """The CSRF field, the brake's client key and the demo token used a two-step form
    (HMAC(HMAC(key, label), message)); they now come from keyed_digest like everything else.
    Before, they were 45e098df…, e6ba3d3b… and adv_b889a83c…: a form rendered before an
    upgrade and posted after is refused once, the brake's counts restart, `advocacy demo`
    prints the new token."""
    assert csrf_token("nonce", "gifttoken") == signing.keyed_hex(
        Purpose.GIFT_PAGE_CSRF, "nonce|gifttoken"
    )
    connection = HTTPConnection({"type": "http", "client": ("203.0.113.9", 1)})
    assert client_fingerprint(connection) == signing.keyed_hex(
        Purpose.GIFT_LINK_ATTEMPTS, "203.0.113.9", length=32
    )
    assert demo_token_secret() == "adv_" + signing.keyed_hex(Purpose.DEMO_TOKEN, "admin")


def test_every_value_depends_on_the_secret_key(configure: Callable[..., None]) -> None:
    def everything() -> list[str]:
        connection = HTTPConnection({"type": "http", "client": ("203.0.113.9", 1)})
        return [
            link_token(LINK_SALT),
            unsubscribe_token(42),
            click_token(7),
            visitor_hash("203.0.113.9", USER_AGENT),
            endpoint_secret(WEBHOOK_SALT),
            csrf_token("nonce", "gifttoken"),
            client_fingerprint(connection),
            demo_token_secret(),
        ]

    configure(secret_key=PINNED_KEY)
    before = everything()
    configure(secret_key=PINNED_KEY + "-rotated")
    after = everything()
    assert all(old != new for old, new in zip(before, after, strict=True))


@pytest.mark.usefixtures("pinned_key")
def test_purposes_never_sign_the_same_bytes() -> None:
    labels = [purpose.value for purpose in Purpose]
    assert len(set(labels)) == len(labels)
    assert all(":" not in label for label in labels)  # the first colon ends the purpose
    digests = {signing.keyed_digest(purpose, "42") for purpose in Purpose}
    assert len(digests) == len(Purpose)
    # An unsubscribe signature is no click token, though both sign an integer id.
    unsubscribe_sig = unsubscribe_token(42).split(".")[1]
    assert click_id_from_token(f"42.{unsubscribe_sig}") is None


def test_canonical_ids() -> None:
    assert signing.canonical_id("7") == 7
    assert signing.canonical_id("123456789012345678") == 123456789012345678
    for refused in [
        "", "0", "07", "+7", "-7", " 7", "7 ", "7\n", "\u0667", "7_0", "1e3", "0x7",
        "1234567890123456789",
    ]:  # fmt: skip
        assert signing.canonical_id(refused) is None, refused


def test_equal_is_false_not_an_error_for_non_ascii() -> None:
    assert signing.equal("abc", "abc")
    assert not signing.equal("abc", "abd")
    assert not signing.equal("\u00e9", "e")


def test_shared_secret_signature_round_trip() -> None:
    signature = signing.sign("s3cret", "1764621296", b'{"a":1}')
    assert signing.verify("s3cret", "1764621296", b'{"a":1}', signature)
    assert not signing.verify("s3cret", "1764621297", b'{"a":1}', signature)
    assert not signing.verify("other", "1764621296", b'{"a":1}', signature)
