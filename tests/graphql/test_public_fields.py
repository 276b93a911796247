"""Only the advocate's gift operations are public: every other root field checks a role."""

from __future__ import annotations

from advocacy.graphql.schema import default_schema
from tests.fixtures.api import Api

PUBLIC = {"gift", "redeemGift", "swapGift", "donateGift", "declineGift"}
"""The gift link token is their credential (DESIGN.md §6)."""


def test_every_root_field_but_the_gift_link_operations_needs_a_role() -> None:
    graphql_schema = default_schema()._schema
    unguarded = set()
    for root in (graphql_schema.query_type, graphql_schema.mutation_type):
        assert root is not None
        for name, field in root.fields.items():
            definition = field.extensions["strawberry-definition"]
            if not definition.permission_classes:
                unguarded.add(name)
    assert unguarded == PUBLIC


async def test_the_public_operations_answer_without_a_token(anonymous: Api) -> None:
    body = await anonymous.raw('{ gift(token: "unknown") { status } }')
    assert body == {"data": {"gift": None}}
