"""The gift catalog: createGiftItem, updateGiftItem, archiveGiftItem, giftItems."""

from typing import Any

import pytest

from advocacy.graphql.ids import encode_id
from tests.conftest import Org
from tests.fixtures.api import Api

FIELDS = """id name kind price { amount currency } tags regions inventory provider sku
            imageUrl active description"""
CREATE = f"""
mutation Create($input: CreateGiftItemInput!) {{
  createGiftItem(input: $input) {{ giftItem {{ {FIELDS} }} errors {{ field code message }} }}
}}
"""
UPDATE = f"""
mutation Update($input: UpdateGiftItemInput!) {{
  updateGiftItem(input: $input) {{ giftItem {{ {FIELDS} }} errors {{ field code message }} }}
}}
"""
ARCHIVE = """
mutation Archive($id: ID!) {
  archiveGiftItem(input: {id: $id}) { giftItem { id active } errors { field code message } }
}
"""
LIST = """
query List($filter: GiftItemFilterInput) {
  giftItems(first: 100, filter: $filter) { totalCount nodes { name } }
}
"""

MUG = {
    "name": "Branded mug",
    "kind": "PHYSICAL",
    "price": 1500,
    "currency": "usd",
    "tags": ["Coffee", "swag"],
    "regions": ["us", "CA", "us"],
    "inventory": 40,
    "sku": "MUG-01",
    "imageUrl": "https://cdn.example/mug.png",
}


async def create(api: Api, **fields: Any) -> dict[str, Any]:
    result = (await api(CREATE, {"input": fields}))["createGiftItem"]
    assert result["errors"] == [], result["errors"]
    return dict(result["giftItem"])


async def names(api: Api, flt: dict[str, Any] | None = None) -> list[str]:
    data = await api(LIST, {"filter": flt})
    return [node["name"] for node in data["giftItems"]["nodes"]]


async def test_create_normalizes_and_returns_the_item(marketer: Api) -> None:
    item = await create(marketer, **MUG)
    assert item["price"] == {"amount": 1500, "currency": "USD"}
    assert item["tags"] == ["coffee", "swag"]
    assert item["regions"] == ["US", "CA"]
    assert item["inventory"] == 40 and item["active"] is True
    assert item["provider"] == "SANDBOX"
    fetched = await marketer(
        "query($id: ID!) { node(id: $id) { ... on GiftItem { name } } }", {"id": item["id"]}
    )
    assert fetched["node"] == {"name": "Branded mug"}


async def test_update_changes_only_given_fields_and_archive_round_trips(marketer: Api) -> None:
    item = await create(marketer, **MUG)
    updated = (
        await marketer(UPDATE, {"input": {"id": item["id"], "price": 1800, "inventory": None}})
    )["updateGiftItem"]
    assert updated["errors"] == []
    assert updated["giftItem"]["price"]["amount"] == 1800
    assert updated["giftItem"]["inventory"] is None  # unlimited now
    assert updated["giftItem"]["name"] == "Branded mug" and updated["giftItem"]["sku"] == "MUG-01"
    archived = (await marketer(ARCHIVE, {"id": item["id"]}))["archiveGiftItem"]
    assert archived["giftItem"] == {"id": item["id"], "active": False}
    assert await names(marketer, {"active": True}) == []
    restored = await marketer(UPDATE, {"input": {"id": item["id"], "active": True}})
    assert restored["updateGiftItem"]["giftItem"]["active"] is True


async def test_catalog_filters(viewer: Api, marketer: Api) -> None:
    await create(marketer, **MUG)
    await create(
        marketer, name="Coffee card", kind="GIFT_CARD", price=2500, currency="USD", tags=["coffee"]
    )
    await create(
        marketer, name="Tree planting", kind="DONATION", price=1000, currency="EUR", regions=["DE"]
    )
    await create(
        marketer,
        name="Old hoodie",
        kind="PHYSICAL",
        price=4000,
        currency="USD",
        regions=["GB"],
        active=False,
    )
    assert await names(viewer) == ["Branded mug", "Coffee card", "Old hoodie", "Tree planting"]
    assert await names(viewer, {"kinds": ["PHYSICAL"]}) == ["Branded mug", "Old hoodie"]
    assert await names(viewer, {"tag": "Coffee"}) == ["Branded mug", "Coffee card"]
    assert await names(viewer, {"priceMin": 1500, "priceMax": 2500}) == [
        "Branded mug",
        "Coffee card",
    ]
    assert await names(viewer, {"currency": "eur"}) == ["Tree planting"]
    assert await names(viewer, {"active": False}) == ["Old hoodie"]
    # a region matches items that go there, and items that go anywhere
    assert await names(viewer, {"region": "ca"}) == ["Branded mug", "Coffee card"]
    assert await names(viewer, {"region": "DE", "active": True}) == ["Coffee card", "Tree planting"]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": ""}, "name", "REQUIRED"),
        ({"name": "x" * 201}, "name", "TOO_LONG"),
        ({"price": -1}, "price", "OUT_OF_RANGE"),
        ({"price": 10**12}, "price", "OUT_OF_RANGE"),
        ({"currency": "XXX"}, "currency", "INVALID"),
        ({"regions": []}, "regions", "REQUIRED"),
        ({"regions": ["USA"]}, "regions.0", "INVALID"),
        ({"tags": ["!!"]}, "tags.0", "INVALID"),
        ({"inventory": -1}, "inventory", "OUT_OF_RANGE"),
        ({"imageUrl": "javascript:alert(1)"}, "imageUrl", "INVALID"),
        ({"sku": "s" * 101}, "sku", "TOO_LONG"),
    ],
    ids=lambda value: str(value)[:30],
)
async def test_bad_input_names_the_field_and_writes_nothing(
    marketer: Api, overrides: dict[str, Any], field: str, code: str
) -> None:
    result = (await marketer(CREATE, {"input": {**MUG, **overrides}}))["createGiftItem"]
    assert result["giftItem"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert await names(marketer) == []


async def test_update_keeps_physical_items_shippable(marketer: Api) -> None:
    item = await create(marketer, **MUG)
    result = await marketer(UPDATE, {"input": {"id": item["id"], "regions": []}})
    assert [(e["field"], e["code"]) for e in result["updateGiftItem"]["errors"]] == [
        ("regions", "REQUIRED")
    ]


async def test_viewers_cannot_change_the_catalog(viewer: Api, marketer: Api) -> None:
    assert await viewer.error_code(CREATE, {"input": MUG}) == "FORBIDDEN"
    item = await create(marketer, **MUG)
    assert await viewer.error_code(ARCHIVE, {"id": item["id"]}) == "FORBIDDEN"
    assert await names(viewer) == ["Branded mug"]


async def test_anonymous_requests_are_refused(anonymous: Api) -> None:
    assert await anonymous.error_code(LIST) == "UNAUTHENTICATED"


async def test_other_organizations_never_see_or_change_the_item(
    marketer: Api, outsider: Api
) -> None:
    item = await create(marketer, **MUG)
    assert await names(outsider) == []
    found = await outsider(
        "query($id: ID!) { giftItem(id: $id) { id } node(id: $id) { id } }", {"id": item["id"]}
    )
    assert found == {"giftItem": None, "node": None}
    for document, variables in [
        (UPDATE, {"input": {"id": item["id"], "name": "Stolen"}}),
        (ARCHIVE, {"id": item["id"]}),
    ]:
        body = await outsider(document, variables)
        payload = next(iter(body.values()))
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_FOUND")]
    mine = await marketer(
        "query($id: ID!) { giftItem(id: $id) { name active } }", {"id": item["id"]}
    )
    assert mine["giftItem"] == {"name": "Branded mug", "active": True}


async def test_malformed_ids_are_refused(marketer: Api, org: Org) -> None:
    result = await marketer(UPDATE, {"input": {"id": encode_id("Advocate", 1), "name": "x"}})
    assert result["updateGiftItem"]["errors"][0]["field"] == "id"
    assert result["updateGiftItem"]["errors"][0]["code"] == "INVALID"
