"""Imports every table so ``SQLModel.metadata`` is complete (Alembic, tests)."""

from sqlmodel import SQLModel

from advocacy.advocates.models import Account, Advocate, Milestone
from advocacy.engagement.models import (
    AdvocateStatusChange,
    Ask,
    AskPolicy,
    EmailTemplate,
    EngagementPolicy,
    Nudge,
    ProgramEngagementPolicy,
)
from advocacy.gifting.models import BudgetEntry, GiftEvent, GiftItem, GiftSend, ShippingDetails
from advocacy.kit.mail.models import OutboxEmail
from advocacy.programs.models import Program
from advocacy.referrals.models import (
    Referral,
    ReferralClick,
    ReferralSettings,
    RevokedReferralCode,
)
from advocacy.rules.models import GiftRule, GiftRuleRun, RuleEvent
from advocacy.tenancy.models import ApiToken, Organization
from advocacy.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "Advocate",
    "AdvocateStatusChange",
    "ApiToken",
    "Ask",
    "AskPolicy",
    "BudgetEntry",
    "EmailTemplate",
    "EngagementPolicy",
    "GiftEvent",
    "GiftItem",
    "GiftRule",
    "GiftRuleRun",
    "GiftSend",
    "Milestone",
    "Nudge",
    "Organization",
    "OutboxEmail",
    "Program",
    "ProgramEngagementPolicy",
    "Referral",
    "ReferralClick",
    "ReferralSettings",
    "RevokedReferralCode",
    "RuleEvent",
    "ShippingDetails",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "metadata",
]
