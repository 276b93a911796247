"""Gift rules ("when X happens, send Y") and their run history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.gifting import GiftItem, GiftSend
from advocacy.graphql.ids import decode_id, encode_id
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.graphql.scalars import BigInt
from advocacy.graphql.types import Advocate, Node, Program
from advocacy.graphql.unset import maybe
from advocacy.programs.models import MilestoneKind
from advocacy.rules import service
from advocacy.rules.models import GiftRule as GiftRuleModel
from advocacy.rules.models import RuleStatus, RuleTrigger, RunOutcome
from advocacy.rules.queries import gift_rules_query, runs_query
from advocacy.tenancy.principal import Principal

strawberry.enum(RuleTrigger)
strawberry.enum(RuleStatus)
strawberry.enum(RunOutcome)


@strawberry.type(description="One firing of a rule for one event.")
class GiftRuleRun:
    advocate_id: strawberry.Private[int]
    send_id: strawberry.Private[int | None]
    event: str = strawberry.field(description="What fired it, e.g. milestone:42.")
    outcome: RunOutcome
    reason: str | None = strawberry.field(description="Why it couldn't act, when skipped.")
    at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> GiftRuleRun:
        return cls(
            advocate_id=row.advocate_id,
            send_id=row.send_id,
            event=row.trigger_key,
            outcome=RunOutcome(row.outcome),
            reason=row.reason,
            at=row.created_at,
        )

    @strawberry.field
    async def advocate(self, info: Info) -> Advocate | None:
        return await info.context.loaders.advocate.load(self.advocate_id)

    @strawberry.field
    async def gift_send(self, info: Info) -> GiftSend | None:
        if self.send_id is None:
            return None
        return await info.context.loaders.gift_send.load(self.send_id)


@strawberry.type(description="When something happens to an advocate, send them a gift.")
class GiftRule(Node):
    pk: strawberry.Private[int]
    program_id: strawberry.Private[int]
    item_id: strawberry.Private[int | None]
    name: str
    trigger: RuleTrigger
    milestone_kinds: list[MilestoneKind]
    threshold: int | None = strawberry.field(
        description="POINTS_THRESHOLD: points to cross; ANNIVERSARY: days since joining."
    )
    price_cap: BigInt | None = strawberry.field(
        description="Without an item: the best interest match costing at most this."
    )
    message_template: str | None
    cap_count: int | None
    cap_days: int | None
    requires_approval: bool
    status: RuleStatus
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> GiftRule:
        return cls(
            id=strawberry.ID(encode_id("GiftRule", row.id)),
            pk=row.id,
            program_id=row.program_id,
            item_id=row.item_id,
            name=row.name,
            trigger=RuleTrigger(row.trigger),
            milestone_kinds=[MilestoneKind(kind) for kind in row.milestone_kinds],
            threshold=row.threshold,
            price_cap=None if row.price_cap is None else BigInt(row.price_cap),
            message_template=row.message_template,
            cap_count=row.cap_count,
            cap_days=row.cap_days,
            requires_approval=row.requires_approval,
            status=RuleStatus(row.status),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    async def program(self, info: Info) -> Program | None:
        return await info.context.loaders.program.load(self.program_id)

    @strawberry.field
    async def item(self, info: Info) -> GiftItem | None:
        if self.item_id is None:
            return None
        return await info.context.loaders.gift_item.load(self.item_id)

    @strawberry.field(description="What the rule did, newest first.")
    async def runs(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[GiftRuleRun]:
        query = runs_query(info.context.organization_id, self.pk)
        return await connection_from_query(
            info.context.session, query, GiftRuleRun.from_row, first, after
        )


@strawberry.input
class CreateGiftRuleInput:
    name: str
    trigger: RuleTrigger
    program_id: strawberry.ID
    item_id: strawberry.ID | None = strawberry.field(
        default=None, description="Send this item; or leave it out and give priceCap."
    )
    price_cap: BigInt | None = None
    milestone_kinds: list[MilestoneKind] | None = None
    threshold: int | None = None
    message_template: str | None = strawberry.field(
        default=None,
        description="May use {first_name} {name} {account} {program} {milestone_kind} {points}.",
    )
    cap_count: int | None = None
    cap_days: int | None = None
    requires_approval: bool = False


@strawberry.input
class UpdateGiftRuleInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    program_id: strawberry.ID | None = strawberry.UNSET
    item_id: strawberry.ID | None = strawberry.UNSET
    price_cap: BigInt | None = strawberry.UNSET
    milestone_kinds: list[MilestoneKind] | None = strawberry.UNSET
    threshold: int | None = strawberry.UNSET
    message_template: str | None = strawberry.UNSET
    cap_count: int | None = strawberry.UNSET
    cap_days: int | None = strawberry.UNSET
    requires_approval: bool | None = strawberry.UNSET


@strawberry.input
class GiftRuleIdInput:
    id: strawberry.ID


@strawberry.type
class GiftRulePayload:
    gift_rule: GiftRule | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteGiftRulePayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _rule_payload(row: GiftRuleModel) -> GiftRulePayload:
    return GiftRulePayload(gift_rule=GiftRule.from_row(row))


def _maybe_id(raw: Any, type_name: str, field: str) -> Any:
    value = maybe(raw)
    return decode_id(value, type_name, field) if isinstance(value, str) else value


def _maybe_int(raw: Any) -> Any:
    value = maybe(raw)
    return int(value) if isinstance(value, int) else value


@strawberry.type
class RuleQuery:
    @strawberry.field(permission_classes=[CanRead], description="Gift rules, by name.")
    async def gift_rules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        trigger: RuleTrigger | None = None,
        status: RuleStatus | None = None,
    ) -> Connection[GiftRule]:
        query = gift_rules_query(info.context.organization_id, trigger, status)
        return await connection_from_query(
            info.context.session, query, GiftRule.from_row, first, after
        )

    @strawberry.field(permission_classes=[CanRead])
    async def gift_rule(self, info: Info, id: strawberry.ID) -> GiftRule | None:
        return await info.context.loaders.by_global_id(id, "GiftRule")


@strawberry.type
class RuleMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def create_gift_rule(self, info: Info, input: CreateGiftRuleInput) -> GiftRulePayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftRuleModel:
            spec = service.RuleSpec(
                name=input.name,
                trigger=input.trigger,
                program_id=decode_id(input.program_id, "Program", "programId"),
                item_id=None
                if input.item_id is None
                else decode_id(input.item_id, "GiftItem", "itemId"),
                price_cap=None if input.price_cap is None else int(input.price_cap),
                milestone_kinds=input.milestone_kinds or [],
                threshold=input.threshold,
                message_template=input.message_template,
                cap_count=input.cap_count,
                cap_days=input.cap_days,
                requires_approval=input.requires_approval,
            )
            return await service.create_rule(session, principal, spec)

        return await mutate(info, work, GiftRulePayload, _rule_payload)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def update_gift_rule(self, info: Info, input: UpdateGiftRuleInput) -> GiftRulePayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftRuleModel:
            changes = service.RuleChanges(
                name=maybe(input.name),
                program_id=_maybe_id(input.program_id, "Program", "programId"),
                item_id=_maybe_id(input.item_id, "GiftItem", "itemId"),
                price_cap=_maybe_int(input.price_cap),
                milestone_kinds=maybe(input.milestone_kinds),
                threshold=maybe(input.threshold),
                message_template=maybe(input.message_template),
                cap_count=maybe(input.cap_count),
                cap_days=maybe(input.cap_days),
                requires_approval=maybe(input.requires_approval),
            )
            rule_id = decode_id(input.id, "GiftRule", "id")
            return await service.update_rule(session, principal, rule_id, changes)

        return await mutate(info, work, GiftRulePayload, _rule_payload)

    @strawberry.mutation(permission_classes=[CanWrite], description="Stop firing until resumed.")
    async def pause_gift_rule(self, info: Info, input: GiftRuleIdInput) -> GiftRulePayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftRuleModel:
            rule_id = decode_id(input.id, "GiftRule", "id")
            return await service.set_status(session, principal, rule_id, RuleStatus.PAUSED)

        return await mutate(info, work, GiftRulePayload, _rule_payload)

    @strawberry.mutation(permission_classes=[CanWrite])
    async def resume_gift_rule(self, info: Info, input: GiftRuleIdInput) -> GiftRulePayload:
        async def work(session: AsyncSession, principal: Principal) -> GiftRuleModel:
            rule_id = decode_id(input.id, "GiftRule", "id")
            return await service.set_status(session, principal, rule_id, RuleStatus.ACTIVE)

        return await mutate(info, work, GiftRulePayload, _rule_payload)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Delete a rule and its run history; gifts it sent stay.",
    )
    async def delete_gift_rule(self, info: Info, input: GiftRuleIdInput) -> DeleteGiftRulePayload:
        async def work(session: AsyncSession, principal: Principal) -> int:
            rule_id = decode_id(input.id, "GiftRule", "id")
            return await service.delete_rule(session, principal, rule_id)

        return await mutate(
            info,
            work,
            DeleteGiftRulePayload,
            lambda pk: DeleteGiftRulePayload(deleted_id=strawberry.ID(encode_id("GiftRule", pk))),
        )
