"""State changes that a CRM mirroring gifts, milestones and referrals must hear about, and
that sent no webhook before (issue 15: a cancelled gift looked offered forever)."""

from __future__ import annotations

from sqlalchemy import select

from advocacy.kit.db import unit_of_work
from advocacy.webhooks.events import EventType
from advocacy.webhooks.models import WebhookEvent
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import send_one, setup
from tests.webhooks.conftest import create_endpoint

EVERYTHING = [event.name for event in EventType]
CANCEL = "mutation($id: ID!) { cancelGift(input: {id: $id}) { errors { code } } }"
RECORD = """mutation($a: ID!, $p: ID!) { recordMilestone(input: {advocateId: $a, programId: $p,
  kind: REVIEW}) { milestone { id } errors { code } } }"""
REJECT = """mutation($id: ID!) { rejectMilestone(input: {id: $id, reason: "not ours"}) {
  milestone { status } errors { code } } }"""


async def subscribe_to_everything(admin: Api) -> None:
    await create_endpoint(admin, "https://crm.example.com/hooks", *EVERYTHING)


async def event_types(organization_id: int) -> list[str]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(WebhookEvent.type)
            .where(WebhookEvent.organization_id == organization_id)
            .order_by(WebhookEvent.id)  # type: ignore[arg-type]
        )
        return list(rows)


async def test_a_cancelled_gift_is_announced(org: Org, admin: Api, marketer: Api) -> None:
    await subscribe_to_everything(admin)
    sent = await send_one(marketer, await setup(org))
    assert (await marketer(CANCEL, {"id": sent.send_id}))["cancelGift"]["errors"] == []
    types = await event_types(org.id)
    assert types[-1] == "gift.cancelled" and "gift.offered" in types


async def test_a_rejected_milestone_is_announced(org: Org, admin: Api, marketer: Api) -> None:
    await subscribe_to_everything(admin)
    ids = await setup(org)
    recorded = await marketer(RECORD, {"a": ids["advocateId"], "p": ids["programId"]})
    milestone = recorded["recordMilestone"]["milestone"]["id"]
    rejected = await marketer(REJECT, {"id": milestone})
    assert rejected["rejectMilestone"]["milestone"]["status"] == "REJECTED"
    assert (await event_types(org.id))[-2:] == ["milestone.recorded", "milestone.rejected"]
