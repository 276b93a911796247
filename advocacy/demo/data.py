"""What the demo organization is made of: its people, companies and catalog."""

from __future__ import annotations

from advocacy.gifting import catalog_service
from advocacy.gifting.models import GiftItemKind

DEMO_SLUG = "demo"
DEMO_PROGRAM = "Customer Champions"
DEMO_TOKEN_NAME = "demo-admin"

ACCOUNTS = [
    ("Northwind Traders", "northwind.example"),
    ("Globex", "globex.example"),
    ("Initech", "initech.example"),
    ("Umbrella Health", "umbrella.example"),
    ("Stark Logistics", "stark.example"),
]
FIRST_NAMES = [
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Linus",
    "Margaret",
    "Tim",
    "Barbara",
    "Dennis",
    "Frances",
    "Ken",
    "Radia",
    "Edsger",
    "Hedy",
    "John",
    "Shafi",
    "Donald",
    "Leslie",
    "Anita",
    "Guido",
]
LAST_NAMES = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Torvalds",
    "Hamilton",
    "Berners",
    "Liskov",
    "Ritchie",
    "Allen",
    "Thompson",
    "Perlman",
    "Dijkstra",
    "Lamarr",
    "McCarthy",
    "Goldwasser",
    "Knuth",
    "Lamport",
    "Borg",
    "Rossum",
]
INTERESTS = ["coffee", "books", "hiking", "charity", "swag", "tech", "cooking", "travel"]


CATALOG = [
    catalog_service.NewGiftItem(
        name="Branded mug",
        kind=GiftItemKind.PHYSICAL,
        price=1500,
        currency="USD",
        tags=["coffee", "swag"],
        regions=["US", "CA", "GB", "FR", "DE"],
        inventory=50,
    ),
    catalog_service.NewGiftItem(
        name="Coffee gift card",
        kind=GiftItemKind.GIFT_CARD,
        price=2500,
        currency="USD",
        tags=["coffee"],
    ),
    catalog_service.NewGiftItem(
        name="Plant ten trees",
        kind=GiftItemKind.DONATION,
        price=2000,
        currency="USD",
        tags=["charity"],
    ),
    catalog_service.NewGiftItem(
        name="Hiking day pass",
        kind=GiftItemKind.EXPERIENCE,
        price=6000,
        currency="USD",
        tags=["hiking", "travel"],
        regions=["US", "CA"],
        inventory=10,
    ),
    catalog_service.NewGiftItem(
        name="Branded hoodie",
        kind=GiftItemKind.PHYSICAL,
        price=4500,
        currency="USD",
        tags=["swag"],
        regions=["US", "CA", "GB", "FR", "DE"],
        inventory=40,
    ),
    catalog_service.NewGiftItem(
        name="Cookbook of the month",
        kind=GiftItemKind.SUBSCRIPTION,
        price=3000,
        currency="USD",
        tags=["cooking", "books"],
    ),
    catalog_service.NewGiftItem(
        name="A month of school meals",
        kind=GiftItemKind.DONATION,
        price=3000,
        currency="USD",
        tags=["charity"],
    ),
]
"""Appended only (the README's walkthrough names items 1 to 4 by id). The gift link's hoodie is
worth more than four other gifts and two donations, so its page shows both kinds of option."""

LINK_ITEM = "Branded hoodie"
THANKS_ITEM = "Coffee gift card"
