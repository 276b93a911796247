"""The demo organization `make run` seeds: idempotent, deterministic, built through services.

Running it again updates in place (advocates upsert by email, milestones replay by external
id, sends replay by idempotency key, the history is played once), so nothing is duplicated.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates import import_service, milestone_service
from advocacy.advocates.models import MilestoneStatus
from advocacy.demo import history
from advocacy.demo.data import (
    ACCOUNTS,
    CATALOG,
    DEMO_PROGRAM,
    DEMO_SLUG,
    DEMO_TOKEN_NAME,
    FIRST_NAMES,
    INTERESTS,
    LAST_NAMES,
    LINK_ITEM,
    THANKS_ITEM,
)
from advocacy.engagement import service as engagement
from advocacy.engagement.models import AskPolicy, EngagementPolicy, NudgeChannel
from advocacy.gifting import catalog_service, redemption_service, send_service
from advocacy.gifting.links import gift_url, link_token
from advocacy.gifting.models import GiftItem, GiftSend, GiftSendStatus
from advocacy.kit.signing import Purpose, keyed_hex
from advocacy.programs import service as program_service
from advocacy.programs.models import MilestoneKind, Program, ProgramStatus
from advocacy.referrals import settings_service
from advocacy.rules import service as rule_service
from advocacy.rules.models import GiftRule, RuleTrigger
from advocacy.tenancy import service as tenancy_service
from advocacy.tenancy.models import ApiToken, Organization, Role
from advocacy.tenancy.principal import system_principal
from advocacy.tenancy.tokens import TOKEN_PREFIX, display_prefix, hash_secret


@dataclass(frozen=True)
class DemoResult:
    organization_id: int
    token: str
    advocates: int
    milestones: int
    gift_link: str
    """An open offer of the branded hoodie: the advocate's page to try."""


def demo_token_secret(slug: str = DEMO_SLUG) -> str:
    """The demo admin token, derived from the secret key so every run can print it again
    without ever storing it."""
    name = "admin" if slug == DEMO_SLUG else f"admin:{slug}"
    return TOKEN_PREFIX + keyed_hex(Purpose.DEMO_TOKEN, name)


async def _organization(session: AsyncSession, slug: str) -> Organization:
    found = await session.scalar(select(Organization).where(Organization.slug == slug))
    if found is not None:
        return found
    return await tenancy_service.create_organization(session, slug=slug, name="Demo Co")


async def _token(session: AsyncSession, organization_id: int, slug: str) -> str:
    secret = demo_token_secret(slug)
    found = await session.scalar(
        select(ApiToken).where(
            ApiToken.organization_id == organization_id, ApiToken.name == DEMO_TOKEN_NAME
        )
    )
    if found is None:
        session.add(
            ApiToken(
                organization_id=organization_id,
                name=DEMO_TOKEN_NAME,
                role=Role.ADMIN,
                secret_hash=hash_secret(secret),
                prefix=display_prefix(secret),
            )
        )
    else:
        # The secret key may have changed since the last run: keep the printed token valid.
        found.secret_hash, found.prefix, found.revoked_at = (
            hash_secret(secret),
            display_prefix(secret),
            None,
        )
    await session.flush()
    return secret


async def _program(session: AsyncSession, organization_id: int) -> Program:
    found = await session.scalar(
        select(Program).where(
            Program.organization_id == organization_id, Program.name == DEMO_PROGRAM
        )
    )
    if found is not None:
        return found
    return await program_service.create_program(
        session,
        system_principal(organization_id),
        program_service.NewProgram(
            name=DEMO_PROGRAM,
            currency="USD",
            budget_total=500_000,
            goal="50 public reviews and 10 referral conversions this year",
            description="Thank the customers who speak up for us.",
            status=ProgramStatus.ACTIVE,
            kpi_targets={"reviews": 50, "referrals": 10, "case_studies": 4},
        ),
    )


async def seed_demo(session: AsyncSession, slug: str = DEMO_SLUG) -> DemoResult:
    """The demo organization ``slug`` (another slug: a demo of its own, as tests use)."""
    rng = random.Random(20261123)
    organization = await _organization(session, slug)
    assert organization.id is not None
    principal = system_principal(organization.id)
    token = await _token(session, organization.id, slug)
    program = await _program(session, organization.id)
    assert program.id is not None

    rows = []
    for index in range(20):
        first, last = FIRST_NAMES[index], LAST_NAMES[index]
        account_name, domain = ACCOUNTS[index % len(ACCOUNTS)]
        rows.append(
            import_service.AdvocateRow(
                email=f"{first}.{last}@{domain}".lower(),
                name=f"{first} {last}",
                title=rng.choice(["VP Engineering", "Head of Ops", "CTO", "Product Lead"]),
                account_name=account_name,
                account_domain=domain,
                interests=rng.sample(INTERESTS, k=2),
                timezone=rng.choice(["Europe/Paris", "America/New_York", "Asia/Tokyo"]),
            )
        )
    imported = await import_service.import_advocates(session, principal, rows)
    advocates = [*imported.created, *imported.updated]

    kinds = list(MilestoneKind)
    # Anchored to the organization's creation so a second run records identical milestones.
    anchor = organization.created_at.replace(microsecond=0)
    milestones = 0
    for index, advocate in enumerate(sorted(advocates, key=lambda a: a.email)):
        assert advocate.id is not None
        for number in range(index % 4):
            occurred = anchor - dt.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
            recorded = await milestone_service.record_milestone(
                session,
                principal,
                milestone_service.NewMilestone(
                    advocate_id=advocate.id,
                    program_id=program.id,
                    kind=kinds[(index + number) % len(kinds)],
                    occurred_at=occurred,
                    evidence_url=f"https://reviews.example/{advocate.id}/{number}",
                    external_id=f"demo-{advocate.email}-{number}",
                ),
            )
            milestones += 1
            if number % 2 == 0 and recorded.milestone.status == MilestoneStatus.SUBMITTED:
                assert recorded.milestone.id is not None
                await milestone_service.approve_milestone(session, principal, recorded.milestone.id)
    await _catalog(session, organization.id)
    await _referrals(session, organization.id, program.id)
    await _engagement(session, organization.id, program.id)
    by_email = sorted(advocates, key=lambda a: a.email)
    await history.play_history(session, organization.id, program.id, by_email)
    await _thank_yous(session, organization.id, program.id, [a.id or 0 for a in by_email[:4]])
    link = await _gift_link(session, organization.id, program.id, by_email[0].id or 0)
    return DemoResult(organization.id, token, len(advocates), milestones, link)


async def _send(
    session: AsyncSession, organization_id: int, program_id: int, new: send_service.NewSend
) -> GiftSend:
    principal = system_principal(organization_id)
    return (await send_service.send_gift(session, principal, new)).send


async def _item_id(session: AsyncSession, organization_id: int, name: str) -> int:
    found = await session.scalar(
        select(GiftItem.id).where(
            GiftItem.organization_id == organization_id, GiftItem.name == name
        )
    )
    assert found is not None
    return found


async def _thank_yous(
    session: AsyncSession, organization_id: int, program_id: int, advocate_ids: list[int]
) -> None:
    """Coffee cards to four advocates, so the dashboard has gifts to show: two accepted (the
    worker fulfils them), one declined, one still on offer. Replays change nothing."""
    coffee = await _item_id(session, organization_id, THANKS_ITEM)
    for index, advocate_id in enumerate(advocate_ids):
        send = await _send(
            session,
            organization_id,
            program_id,
            send_service.NewSend(
                advocate_id=advocate_id,
                item_id=coffee,
                program_id=program_id,
                message="Thank you for the review!",
                idempotency_key=f"demo-thanks-{index}",
            ),
        )
        if send.status != GiftSendStatus.OFFERED or send.link_salt is None or index == 3:
            continue
        token = link_token(send.link_salt)
        if index < 2:
            await redemption_service.redeem_gift(session, token)
        else:
            await redemption_service.decline_gift(session, token)


async def _gift_link(
    session: AsyncSession, organization_id: int, program_id: int, advocate_id: int
) -> str:
    """The link of the demo's open hoodie offer; a new offer when the last one was used or ran
    out (or offered another item, as older demos did), so every run prints a link that opens a
    gift to accept, swap, donate or decline."""
    item_id = await _item_id(session, organization_id, LINK_ITEM)
    latest = await session.scalar(
        select(GiftSend)
        .where(
            GiftSend.organization_id == organization_id,
            col(GiftSend.idempotency_key).startswith("demo-link-"),
        )
        .order_by(col(GiftSend.id).desc())
    )
    if (
        latest is None
        or not redemption_service.is_open(latest)
        or latest.original_item_id != item_id
    ):
        number = 1 if latest is None else int(str(latest.idempotency_key).rsplit("-", 1)[1]) + 1
        latest = await _send(
            session,
            organization_id,
            program_id,
            send_service.NewSend(
                advocate_id=advocate_id,
                item_id=item_id,
                program_id=program_id,
                message="Thanks for championing us this year. Pick what you like!",
                idempotency_key=f"demo-link-{number}",
            ),
        )
    assert latest.link_salt is not None
    return gift_url(link_token(latest.link_salt))


async def _referrals(session: AsyncSession, organization_id: int, program_id: int) -> None:
    """A referral program landing on an example page: the referrer gets the coffee card, the
    friend plants trees (donation), no refund window so the demo shows rewards at once."""
    if await settings_service.get_settings_row(session, organization_id) is not None:
        return
    items: dict[str, int] = dict(
        (
            await session.execute(
                select(GiftItem.name, GiftItem.id).where(
                    GiftItem.organization_id == organization_id
                )
            )
        ).all()
    )
    config = settings_service.ReferralConfig(
        program_id=program_id,
        landing_url="https://example.com/welcome",
        referrer_item_id=items.get("Coffee gift card"),
        friend_item_id=items.get("Plant ten trees"),
    )
    await settings_service.configure_referrals(session, system_principal(organization_id), config)


async def _catalog(session: AsyncSession, organization_id: int) -> None:
    existing = set(
        (
            await session.scalars(
                select(GiftItem.name).where(GiftItem.organization_id == organization_id)
            )
        ).all()
    )
    for item in CATALOG:
        if item.name not in existing:
            await catalog_service.create_gift_item(session, system_principal(organization_id), item)


WELCOME_BACK_RULE = "Welcome back"


async def _engagement(session: AsyncSession, organization_id: int, program_id: int) -> None:
    """Surprise first, ask later: a lapsed advocate gets a gift matching their interests
    through a gift rule, then re-engagement emails; the program asks for reviews with two
    variants. The daytime window is the whole day, so the demo nudges at any hour."""
    principal = system_principal(organization_id)
    if await session.get(EngagementPolicy, organization_id) is None:
        await engagement.configure_policy(
            session,
            principal,
            engagement.PolicyChanges(
                nudge_channel=NudgeChannel.GIFT_THEN_EMAIL,
                daytime_start_hour=0,
                daytime_end_hour=24,
            ),
        )
    rule = await session.scalar(
        select(GiftRule.id).where(
            GiftRule.organization_id == organization_id, GiftRule.name == WELCOME_BACK_RULE
        )
    )
    coffee_card = await session.scalar(
        select(GiftItem.id).where(
            GiftItem.organization_id == organization_id, GiftItem.name == "Coffee gift card"
        )
    )
    if rule is None:
        await rule_service.create_rule(
            session,
            principal,
            rule_service.RuleSpec(
                name=WELCOME_BACK_RULE,
                trigger=RuleTrigger.ADVOCATE_LAPSED,
                program_id=program_id,
                item_id=coffee_card,
                message_template="We miss you, {first_name}! A little something from us.",
            ),
        )
    if await session.get(AskPolicy, program_id) is None:
        await engagement.configure_ask_policy(
            session,
            principal,
            engagement.AskPolicyInput(
                program_id=program_id,
                kind=MilestoneKind.REVIEW,
                ask_after_days=30,
                variant_b_subject="{first_name}, 3 minutes to help someone like you?",
                variant_b_body=(
                    "Hi {first_name},\n\nPeople like you read reviews before they choose. "
                    "Would you write {ask} about {organization}?\n"
                ),
            ),
        )
