"""Engagement emails — re-engagement nudges and asks — rendered from templates.

Templates use ``{first_name}``, ``{name}``, ``{account}``, ``{organization}``,
``{last_milestone}``, ``{referral_link}``, ``{program}`` and ``{ask}``. Every email gets the
one-click unsubscribe link appended (a template can't leave it out) and the
``List-Unsubscribe`` headers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import Account, Advocate, Milestone, MilestoneStatus
from advocacy.engagement.models import EmailTemplate, TemplateKind
from advocacy.engagement.unsubscribe import unsubscribe_headers, unsubscribe_url
from advocacy.kit import templating
from advocacy.kit.mail.notifier import Email
from advocacy.programs.models import Program
from advocacy.referrals.codes import referral_link
from advocacy.tenancy.models import Organization

FIELDS = (
    "first_name",
    "name",
    "account",
    "organization",
    "last_milestone",
    "referral_link",
    "program",
    "ask",
)


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


DEFAULT_NUDGE = Template(
    subject="{first_name}, it's been a while",
    body=(
        "Hi {first_name},\n\n"
        "We haven't heard from you in a while at {organization}, and we miss you. "
        "The last thing you did with us was {last_milestone} — thank you again.\n\n"
        "If a friend or colleague could use what {account} uses, share your link: "
        "{referral_link}\n"
    ),
)

DEFAULT_ASK = Template(
    subject="{first_name}, would you write us {ask}?",
    body=(
        "Hi {first_name},\n\n"
        "You've been with {organization} for a while now, and your experience would help "
        "others decide. Would you write us {ask}? It takes a few minutes and means a lot.\n\n"
        "And if someone you know could use it too, here's your link: {referral_link}\n"
    ),
)

ASK_PHRASES = {
    "REVIEW": "a review",
    "TESTIMONIAL": "a testimonial",
    "REFERRAL": "a referral",
    "CASE_STUDY": "a case study",
    "REFERENCE_CALL": "a reference call",
    "SOCIAL_MENTION": "a social post",
    "EVENT_SPEAKING": "a talk at one of our events",
    "SUCCESS_STORY": "a success story",
    "COMMUNITY_ANSWER": "an answer in our community",
    "OTHER": "a few words",
}


def unknown_fields(template: str) -> list[str]:
    return templating.unknown_fields(template, FIELDS)


async def nudge_template(session: AsyncSession, organization_id: int) -> Template:
    stored = await session.get(EmailTemplate, (organization_id, TemplateKind.NUDGE))
    return Template(stored.subject, stored.body) if stored else DEFAULT_NUDGE


async def _values(
    session: AsyncSession, advocate: Advocate, program: Program | None, ask_kind: str | None
) -> dict[str, str]:
    organization = await session.get_one(Organization, advocate.organization_id)
    account = await session.get(Account, advocate.account_id) if advocate.account_id else None
    latest = (
        await session.execute(
            select(Milestone.kind, Milestone.occurred_at)
            .where(
                Milestone.advocate_id == advocate.id,
                Milestone.status == MilestoneStatus.APPROVED,
            )
            .order_by(col(Milestone.occurred_at).desc(), col(Milestone.id).desc())
            .limit(1)
        )
    ).first()
    last = (
        f"{ASK_PHRASES.get(str(latest.kind), 'a milestone')} on {latest.occurred_at:%d %B %Y}"
        if latest
        else "joining our advocates"
    )
    words = advocate.name.split()
    return {
        "first_name": words[0] if words else advocate.name,
        "name": advocate.name,
        "account": account.name if account else "your team",
        "organization": organization.name,
        "last_milestone": last,
        "referral_link": referral_link(advocate.referral_code),
        "program": program.name if program else "",
        "ask": ASK_PHRASES.get(ask_kind or "", "a few words"),
    }


async def compose(
    session: AsyncSession,
    advocate: Advocate,
    template: Template,
    dedup_key: str,
    *,
    program: Program | None = None,
    ask_kind: str | None = None,
) -> Email:
    values = await _values(session, advocate, program, ask_kind)
    assert advocate.id is not None
    body = templating.render(template.body, values).rstrip("\n")
    footer = (
        "\n\n--\nYou get these emails as an advocate of "
        f"{values['organization']}. Unsubscribe in one click: {unsubscribe_url(advocate.id)}\n"
    )
    subject = " ".join(templating.render(template.subject, values).split())[:300]
    return Email(
        to=advocate.email,
        subject=subject,
        body=body + footer,
        dedup_key=dedup_key,
        organization_id=advocate.organization_id,
        headers=unsubscribe_headers(advocate.id),
    )
