"""Referrals: the program settings, the list with fraud verdicts, and the mutations the
customer's systems (signups, conversions) and marketers (decisions, reversals) call."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate as AdvocateModel
from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError
from advocacy.graphql.gifting import GiftItem, GiftSend, Money
from advocacy.graphql.ids import decode_id, encode_id, filter_id
from advocacy.graphql.loaders import required
from advocacy.graphql.mutations import mutate
from advocacy.graphql.pagination import Connection, connection_from_query
from advocacy.graphql.permissions import CanRead, CanWrite
from advocacy.graphql.scalars import BigInt, filter_time
from advocacy.graphql.types import Advocate, Node, Program
from advocacy.referrals import codes, service, settings_service
from advocacy.referrals.models import (
    FlaggedAction,
    FraudReason,
    ReferralStatus,
    Verdict,
)
from advocacy.referrals.models import Referral as ReferralModel
from advocacy.referrals.models import ReferralSettings as SettingsModel
from advocacy.referrals.queries import ReferralFilter, referrals_query
from advocacy.tenancy.principal import Principal

strawberry.enum(FlaggedAction)
strawberry.enum(FraudReason)
strawberry.enum(ReferralStatus)
strawberry.enum(Verdict)


@strawberry.type(description="Someone an advocate referred, and what became of them.")
class Referral(Node):
    pk: strawberry.Private[int]
    referrer_id: strawberry.Private[int]
    program_id: strawberry.Private[int]
    referrer_send_id: strawberry.Private[int | None]
    friend_send_id: strawberry.Private[int | None]
    code: str
    email: str
    name: str | None
    external_id: str | None
    status: ReferralStatus
    verdict: Verdict
    reasons: list[FraudReason] = strawberry.field(description="Why fraud rules flagged it.")
    signed_up_at: dt.datetime
    converted_at: dt.datetime | None
    conversion_value: Money | None
    order_id: str | None
    reward_due_at: dt.datetime | None = strawberry.field(
        description="When the rewards go out (end of the refund window), until they do."
    )
    rewarded_at: dt.datetime | None
    reward_note: str | None = strawberry.field(description="Why a reward could not be sent.")
    decided_at: dt.datetime | None
    reversed_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> Referral:
        value = None
        if row.conversion_value is not None:
            value = Money(amount=BigInt(row.conversion_value), currency=row.currency or "")
        return cls(
            id=strawberry.ID(encode_id("Referral", row.id)),
            pk=row.id,
            referrer_id=row.referrer_id,
            program_id=row.program_id,
            referrer_send_id=row.referrer_send_id,
            friend_send_id=row.friend_send_id,
            code=row.code,
            email=row.email,
            name=row.name,
            external_id=row.external_id,
            status=ReferralStatus(row.status),
            verdict=Verdict(row.verdict),
            reasons=[FraudReason(reason) for reason in row.reasons],
            signed_up_at=row.signed_up_at,
            converted_at=row.converted_at,
            conversion_value=value,
            order_id=row.order_id,
            reward_due_at=row.reward_due_at,
            rewarded_at=row.rewarded_at,
            reward_note=row.reward_note,
            decided_at=row.decided_at,
            reversed_at=row.reversed_at,
            created_at=row.created_at,
        )

    @strawberry.field
    async def referrer(self, info: Info) -> Advocate:
        return await required(info.context.loaders.advocate, self.referrer_id)

    @strawberry.field
    async def program(self, info: Info) -> Program:
        return await required(info.context.loaders.program, self.program_id)

    @strawberry.field(description="The referrer's reward, once sent.")
    async def referrer_gift(self, info: Info) -> GiftSend | None:
        if self.referrer_send_id is None:
            return None
        return await info.context.loaders.gift_send.load(self.referrer_send_id)

    @strawberry.field(description="The referred friend's reward, once sent.")
    async def friend_gift(self, info: Info) -> GiftSend | None:
        if self.friend_send_id is None:
            return None
        return await info.context.loaders.gift_send.load(self.friend_send_id)


@strawberry.type(description="How an organization's referral program works.")
class ReferralSettings:
    program_id: strawberry.Private[int]
    referrer_item_id: strawberry.Private[int | None]
    friend_item_id: strawberry.Private[int | None]
    landing_url: str
    fallback_url: str | None
    click_to_signup_days: int
    signup_to_conversion_days: int
    click_dedup_minutes: int
    flagged_action: FlaggedAction
    same_domain_is_self_referral: bool
    min_conversion_value: BigInt
    max_signups_per_visitor_per_day: int
    reward_delay_days: int

    @classmethod
    def from_row(cls, row: SettingsModel) -> ReferralSettings:
        return cls(
            program_id=row.program_id,
            referrer_item_id=row.referrer_item_id,
            friend_item_id=row.friend_item_id,
            landing_url=row.landing_url,
            fallback_url=row.fallback_url,
            click_to_signup_days=row.click_to_signup_days,
            signup_to_conversion_days=row.signup_to_conversion_days,
            click_dedup_minutes=row.click_dedup_minutes,
            flagged_action=FlaggedAction(row.flagged_action),
            same_domain_is_self_referral=row.same_domain_is_self_referral,
            min_conversion_value=BigInt(row.min_conversion_value),
            max_signups_per_visitor_per_day=row.max_signups_per_visitor_per_day,
            reward_delay_days=row.reward_delay_days,
        )

    @strawberry.field(description="Pays the rewards; its points table scores the referrer.")
    async def program(self, info: Info) -> Program:
        return await required(info.context.loaders.program, self.program_id)

    @strawberry.field
    async def referrer_item(self, info: Info) -> GiftItem | None:
        if self.referrer_item_id is None:
            return None
        return await info.context.loaders.gift_item.load(self.referrer_item_id)

    @strawberry.field
    async def friend_item(self, info: Info) -> GiftItem | None:
        if self.friend_item_id is None:
            return None
        return await info.context.loaders.gift_item.load(self.friend_item_id)


@strawberry.input
class ConfigureReferralsInput:
    program_id: strawberry.ID
    landing_url: str = strawberry.field(description="Where links go; `ref=<code>` is added.")
    fallback_url: str | None = strawberry.field(
        default=None, description="Where revoked codes go (default: the landing URL)."
    )
    click_to_signup_days: int = 30
    signup_to_conversion_days: int = 90
    click_dedup_minutes: int = strawberry.field(
        default=30, description="Repeat clicks of one visitor within this count once."
    )
    flagged_action: FlaggedAction = FlaggedAction.HOLD
    same_domain_is_self_referral: bool = False
    min_conversion_value: BigInt = BigInt(0)
    max_signups_per_visitor_per_day: int = 3
    referrer_item_id: strawberry.ID | None = None
    friend_item_id: strawberry.ID | None = None
    reward_delay_days: int = strawberry.field(
        default=0, description="Refund window before rewards go out."
    )


@strawberry.type
class ReferralSettingsPayload:
    referral_settings: ReferralSettings | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RecordReferralSignupInput:
    code: str
    email: str
    name: str | None = None
    external_id: str | None = strawberry.field(
        default=None, description="Your id for the signup; recording it again replays."
    )
    click_token: str | None = strawberry.field(
        default=None,
        description="The `ref_click` parameter your landing page received, if any: ties the "
        "signup to its visitor (per-visitor fraud rule, exact click→signup window). A value "
        "that is not such a token, or names a click on another code, is refused "
        "(`INVALID`/`NOT_FOUND` on `clickToken`).",
    )


@strawberry.input
class RecordReferralConversionInput:
    value: BigInt = strawberry.field(description="Order value in minor units.")
    currency: str
    referral_id: strawberry.ID | None = None
    email: str | None = None
    code: str | None = None
    order_id: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class ReferralIdInput:
    id: strawberry.ID


@strawberry.input
class RegenerateReferralCodeInput:
    advocate_id: strawberry.ID


@strawberry.type
class ReferralPayload:
    referral: Referral | None = None
    replayed: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RegenerateReferralCodePayload:
    advocate: Advocate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="All given conditions must hold.")
class ReferralFilterInput:
    statuses: list[ReferralStatus] | None = None
    referrer_id: strawberry.ID | None = None
    program_id: strawberry.ID | None = None
    verdict: Verdict | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None


def referral_filter(
    flt: ReferralFilterInput | None, referrer_id: int | None = None
) -> ReferralFilter:
    if flt is None:
        return ReferralFilter(referrer_id=referrer_id)
    return ReferralFilter(
        statuses=tuple(flt.statuses) if flt.statuses else None,
        referrer_id=referrer_id
        if referrer_id is not None
        else filter_id(flt.referrer_id, "Advocate"),
        program_id=filter_id(flt.program_id, "Program"),
        verdict=flt.verdict,
        created_after=filter_time(flt.created_after, "filter.createdAfter"),
        created_before=filter_time(flt.created_before, "filter.createdBefore"),
    )


async def referrals_connection(
    info: Info, flt: ReferralFilter, first: int | None, after: str | None
) -> Connection[Referral]:
    query = referrals_query(info.context.organization_id, flt)
    return await connection_from_query(info.context.session, query, Referral.from_row, first, after)


def _recorded(result: service.RecordedReferral) -> ReferralPayload:
    return ReferralPayload(referral=Referral.from_row(result.referral), replayed=result.replayed)


def _decided(referral: ReferralModel) -> ReferralPayload:
    return ReferralPayload(referral=Referral.from_row(referral))


def _optional_id(raw: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return None if raw is None else decode_id(raw, type_name, field)


@strawberry.type
class ReferralQuery:
    @strawberry.field(permission_classes=[CanRead], description="Referrals, newest first.")
    async def referrals(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ReferralFilterInput | None = None,
    ) -> Connection[Referral]:
        return await referrals_connection(info, referral_filter(filter), first, after)

    @strawberry.field(permission_classes=[CanRead])
    async def referral(self, info: Info, id: strawberry.ID) -> Referral | None:
        return await info.context.loaders.by_global_id(id, "Referral")

    @strawberry.field(permission_classes=[CanRead], description="Null until configured.")
    async def referral_settings(self, info: Info) -> ReferralSettings | None:
        row = await settings_service.get_settings_row(
            info.context.session, info.context.organization_id
        )
        return None if row is None else ReferralSettings.from_row(row)


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(permission_classes=[CanWrite])
    async def configure_referrals(
        self, info: Info, input: ConfigureReferralsInput
    ) -> ReferralSettingsPayload:
        async def work(session: AsyncSession, principal: Principal) -> SettingsModel:
            config = settings_service.ReferralConfig(
                program_id=decode_id(input.program_id, "Program", "programId"),
                landing_url=input.landing_url,
                fallback_url=input.fallback_url,
                click_to_signup_days=input.click_to_signup_days,
                signup_to_conversion_days=input.signup_to_conversion_days,
                click_dedup_minutes=input.click_dedup_minutes,
                flagged_action=input.flagged_action,
                same_domain_is_self_referral=input.same_domain_is_self_referral,
                min_conversion_value=int(input.min_conversion_value),
                max_signups_per_visitor_per_day=input.max_signups_per_visitor_per_day,
                referrer_item_id=_optional_id(input.referrer_item_id, "GiftItem", "referrerItemId"),
                friend_item_id=_optional_id(input.friend_item_id, "GiftItem", "friendItemId"),
                reward_delay_days=input.reward_delay_days,
            )
            return await settings_service.configure_referrals(session, principal, config)

        return await mutate(
            info,
            work,
            ReferralSettingsPayload,
            lambda row: ReferralSettingsPayload(referral_settings=ReferralSettings.from_row(row)),
        )

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Give an advocate a new referral code; the old one stops working at once.",
    )
    async def regenerate_referral_code(
        self, info: Info, input: RegenerateReferralCodeInput
    ) -> RegenerateReferralCodePayload:
        async def work(session: AsyncSession, principal: Principal) -> AdvocateModel:
            advocate_id = decode_id(input.advocate_id, "Advocate", "advocateId")
            return await codes.regenerate_referral_code(session, principal, advocate_id)

        return await mutate(
            info,
            work,
            RegenerateReferralCodePayload,
            lambda row: RegenerateReferralCodePayload(advocate=Advocate.from_row(row)),
        )

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="A referred person signed up (from your systems); fraud rules run now.",
    )
    async def record_referral_signup(
        self, info: Info, input: RecordReferralSignupInput
    ) -> ReferralPayload:
        async def work(session: AsyncSession, principal: Principal) -> service.RecordedReferral:
            new = service.NewSignup(
                code=input.code,
                email=input.email,
                name=input.name,
                external_id=input.external_id,
                click_token=input.click_token,
            )
            return await service.record_signup(session, principal, new)

        return await mutate(info, work, ReferralPayload, _recorded)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="A referred person bought: the referrer earns a REFERRAL milestone and the "
        "rewards are scheduled.",
    )
    async def record_referral_conversion(
        self, info: Info, input: RecordReferralConversionInput
    ) -> ReferralPayload:
        async def work(session: AsyncSession, principal: Principal) -> service.RecordedReferral:
            new = service.NewConversion(
                value=int(input.value),
                currency=input.currency,
                referral_id=_optional_id(input.referral_id, "Referral", "referralId"),
                email=input.email,
                code=input.code,
                order_id=input.order_id,
                idempotency_key=input.idempotency_key,
            )
            return await service.record_conversion(session, principal, new)

        return await mutate(info, work, ReferralPayload, _recorded)

    @strawberry.mutation(permission_classes=[CanWrite], description="Clear a HELD referral.")
    async def approve_referral(self, info: Info, input: ReferralIdInput) -> ReferralPayload:
        async def work(session: AsyncSession, principal: Principal) -> ReferralModel:
            referral_id = decode_id(input.id, "Referral", "id")
            return await service.approve_referral(session, principal, referral_id)

        return await mutate(info, work, ReferralPayload, _decided)

    @strawberry.mutation(permission_classes=[CanWrite], description="It never rewards.")
    async def reject_referral(self, info: Info, input: ReferralIdInput) -> ReferralPayload:
        async def work(session: AsyncSession, principal: Principal) -> ReferralModel:
            referral_id = decode_id(input.id, "Referral", "id")
            return await service.reject_referral(session, principal, referral_id)

        return await mutate(info, work, ReferralPayload, _decided)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Undo a conversion (a refund) before its rewards went out.",
    )
    async def reverse_referral_conversion(
        self, info: Info, input: ReferralIdInput
    ) -> ReferralPayload:
        async def work(session: AsyncSession, principal: Principal) -> ReferralModel:
            referral_id = decode_id(input.id, "Referral", "id")
            return await service.reverse_conversion(session, principal, referral_id)

        return await mutate(info, work, ReferralPayload, _decided)
