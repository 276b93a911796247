"""Gifts for the gift-page tests: a physical gift with a catalog around it (a swap option that
ships anywhere, one that ships only to Germany, a charity), and ways to move one along."""

from __future__ import annotations

import re
from dataclasses import dataclass

from advocacy.gifting.models import GiftItemKind, GiftSendStatus
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import SentGift, make_item, send_one, setup, update_send

NOTE = "Thank you for the lovely case study!"


@dataclass
class GiftOnOffer:
    sent: SentGift
    items: dict[str, str]

    @property
    def token(self) -> str:
        return self.sent.token

    @property
    def path(self) -> str:
        return f"/gift/{self.sent.token}"


async def physical_gift(marketer: Api, org: Org) -> GiftOnOffer:
    """A USD 40 hoodie (ships to DE, FR, GB, US) with a mug (GB, US only), a coffee card and a
    charity to swap or donate to."""
    ids = await setup(
        org,
        name="Team hoodie",
        kind=GiftItemKind.PHYSICAL,
        price=4000,
        description="Organic cotton, unisex",
        regions=["DE", "FR", "GB", "US"],
    )
    items = {
        "mug": await make_item(
            org, name="Enamel mug", kind=GiftItemKind.PHYSICAL, price=1500, regions=["GB", "US"]
        ),
        "card": await make_item(org, name="Coffee card", price=2500),
        "charity": await make_item(
            org, name="Plant a tree", kind=GiftItemKind.DONATION, price=4000
        ),
    }
    return GiftOnOffer(await send_one(marketer, ids, message=NOTE), items)


async def set_status(gift: GiftOnOffer, status: GiftSendStatus) -> None:
    """Put the send straight into ``status``: how the page shows a state, not how one gets
    there (the gifting tests cover that)."""
    await update_send(gift.sent, status=status)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)
