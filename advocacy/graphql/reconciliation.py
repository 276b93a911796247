"""Settling gifts whose provider outcome is unknown (NEEDS_RECONCILIATION) by hand: the
marketer checked with the provider and says whether the order was placed. The automatic path
(an order lookup by idempotency key) is in ``advocacy.gifting.reconciliation``."""

from __future__ import annotations

import enum

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.gifting import reconciliation
from advocacy.gifting.models import GiftSend as GiftSendModel
from advocacy.graphql.context import Info
from advocacy.graphql.gifting import GiftSendPayload, send_payload
from advocacy.graphql.ids import decode_id
from advocacy.graphql.mutations import mutate
from advocacy.graphql.permissions import CanWrite
from advocacy.tenancy.principal import Principal


@strawberry.enum(description="How a gift whose provider outcome was unknown ended.")
class GiftReconciliationOutcome(enum.Enum):
    FULFILLED = strawberry.enum_value(
        "FULFILLED", description="The provider placed the order: its budget is spent."
    )
    FAILED = strawberry.enum_value(
        "FAILED", description="The provider has no order: its budget and stock come back."
    )


@strawberry.input(
    description="Settle a NEEDS_RECONCILIATION gift after checking with the provider."
)
class ReconcileGiftSendInput:
    gift_send_id: strawberry.ID
    outcome: GiftReconciliationOutcome
    note: str = strawberry.field(description="Why (up to 500 characters): kept in the history.")
    provider_reference: str | None = strawberry.field(
        default=None, description="The provider's order reference; required for FULFILLED."
    )


@strawberry.type
class ReconciliationMutation:
    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Settle a gift waiting in NEEDS_RECONCILIATION, once: FULFILLED with the "
        "provider's reference (its budget spent) or FAILED (budget and stock back). A gift in "
        "any other state (say, already settled) is INVALID_STATE and nothing changes.",
    )
    async def reconcile_gift_send(
        self, info: Info, input: ReconcileGiftSendInput
    ) -> GiftSendPayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftSendModel:
            decision = reconciliation.Reconciliation(
                send_id=decode_id(input.gift_send_id, "GiftSend", "giftSendId"),
                outcome=reconciliation.Outcome(input.outcome.name),
                provider_reference=input.provider_reference,
                note=input.note,
            )
            return await reconciliation.reconcile_gift_send(session, principal, decision)

        return await mutate(info, work, GiftSendPayload, send_payload)
