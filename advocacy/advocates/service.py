"""The only writer of accounts and advocates."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from advocacy.advocates.models import Account, Advocate, AdvocateStatus
from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.updates import UNCHANGED, Unchanged
from advocacy.kit.validation import Checker
from advocacy.tenancy.models import Role
from advocacy.tenancy.owned import get_owned
from advocacy.tenancy.principal import Principal, actor_of
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit


def new_referral_code() -> str:
    """10 URL-safe characters (60 bits): short enough to share, too many to enumerate."""
    return secrets.token_urlsafe(8)[:10]


@dataclass
class NewAccount:
    name: str
    domain: str | None = None
    crm_id: str | None = None


@dataclass
class NewAdvocate:
    email: str
    name: str
    title: str | None = None
    account_id: int | None = None
    interests: Sequence[str] = field(default_factory=list)
    status: AdvocateStatus = AdvocateStatus.ACTIVE
    locale: str | None = None
    timezone: str | None = None
    external_id: str | None = None
    nudges_opt_out: bool = False


@dataclass
class AdvocateChanges:
    email: str | Unchanged | None = UNCHANGED
    name: str | Unchanged | None = UNCHANGED
    title: str | Unchanged | None = UNCHANGED
    account_id: int | Unchanged | None = UNCHANGED
    interests: Sequence[str] | Unchanged | None = UNCHANGED
    status: AdvocateStatus | Unchanged | None = UNCHANGED
    locale: str | Unchanged | None = UNCHANGED
    timezone: str | Unchanged | None = UNCHANGED
    external_id: str | Unchanged | None = UNCHANGED
    nudges_opt_out: bool | Unchanged | None = UNCHANGED


async def create_account(session: AsyncSession, principal: Principal, new: NewAccount) -> Account:
    principal.require(Role.MARKETER)
    check = Checker()
    name = check.text("name", new.name, max_length=200)
    domain = check.domain("domain", new.domain)
    crm_id = check.text("crmId", new.crm_id, max_length=100, required=False)
    check.done()
    assert name is not None
    clash = await session.scalar(
        select(Account.id).where(
            Account.organization_id == principal.organization_id, Account.name == name
        )
    )
    if clash is not None:
        raise DomainError(ErrorCode.ALREADY_EXISTS, f"an account named {name!r} exists", "name")
    account = Account(
        organization_id=principal.organization_id, name=name, domain=domain, crm_id=crm_id
    )
    session.add(account)
    await session.flush()
    return account


async def ensure_account_in_org(
    session: AsyncSession, principal: Principal, account_id: int, field_name: str
) -> None:
    found = await session.scalar(
        select(Account.id).where(
            Account.id == account_id, Account.organization_id == principal.organization_id
        )
    )
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such account", field_name)


async def get_advocate(
    session: AsyncSession, principal: Principal, advocate_id: int, field_name: str = "id"
) -> Advocate:
    return await get_owned(session, principal, Advocate, advocate_id, field_name, "advocate")


async def _ensure_unique(
    session: AsyncSession,
    principal: Principal,
    *,
    email: str | None,
    external_id: str | None,
    except_id: int | None = None,
) -> None:
    for column, value, api_name in (
        (Advocate.email, email, "email"),
        (Advocate.external_id, external_id, "externalId"),
    ):
        if value is None:
            continue
        query = select(Advocate.id).where(
            Advocate.organization_id == principal.organization_id, column == value
        )
        if except_id is not None:
            query = query.where(Advocate.id != except_id)
        if await session.scalar(query) is not None:
            raise DomainError(
                ErrorCode.ALREADY_EXISTS, f"another advocate has this {api_name}", api_name
            )


async def create_advocate(
    session: AsyncSession, principal: Principal, new: NewAdvocate
) -> Advocate:
    principal.require(Role.MARKETER)
    check = Checker()
    email = check.email("email", new.email)
    name = check.text("name", new.name, max_length=200)
    title = check.text("title", new.title, max_length=200, required=False)
    interests = check.tags("interests", new.interests)
    locale = check.locale("locale", new.locale)
    timezone = check.timezone("timezone", new.timezone)
    external_id = check.text("externalId", new.external_id, max_length=100, required=False)
    check.done()
    assert email is not None and name is not None
    if new.account_id is not None:
        await ensure_account_in_org(session, principal, new.account_id, "accountId")
    await _ensure_unique(session, principal, email=email, external_id=external_id)
    advocate = Advocate(
        organization_id=principal.organization_id,
        account_id=new.account_id,
        email=email,
        name=name,
        title=title,
        interests=interests,
        status=new.status,
        referral_code=new_referral_code(),
        nudges_opt_out=new.nudges_opt_out,
        locale=locale,
        timezone=timezone,
        external_id=external_id,
    )
    session.add(advocate)
    await session.flush()
    await emit(
        session, advocate.organization_id, EventType.ADVOCATE_CREATED, payloads.advocate(advocate)
    )
    return advocate


async def update_advocate(
    session: AsyncSession, principal: Principal, advocate_id: int, changes: AdvocateChanges
) -> Advocate:
    principal.require(Role.MARKETER)
    advocate = await get_advocate(session, principal, advocate_id)
    check = Checker()
    updates: dict[str, object] = {}
    if changes.email is not UNCHANGED:
        updates["email"] = check.email("email", changes.email)
    if changes.name is not UNCHANGED:
        updates["name"] = check.text("name", changes.name, max_length=200)
    if changes.title is not UNCHANGED:
        updates["title"] = check.text("title", changes.title, max_length=200, required=False)
    if changes.interests is not UNCHANGED:
        updates["interests"] = check.tags("interests", changes.interests)
    if changes.locale is not UNCHANGED:
        updates["locale"] = check.locale("locale", changes.locale)
    if changes.timezone is not UNCHANGED:
        updates["timezone"] = check.timezone("timezone", changes.timezone)
    if changes.external_id is not UNCHANGED:
        updates["external_id"] = check.text(
            "externalId", changes.external_id, max_length=100, required=False
        )
    if changes.status is not UNCHANGED:
        updates["status"] = check.not_null("status", changes.status)
    if changes.nudges_opt_out is not UNCHANGED:
        updates["nudges_opt_out"] = check.not_null("nudgesOptOut", changes.nudges_opt_out)
        if changes.nudges_opt_out is False and advocate.unsubscribed_at is not None:
            check.fail(
                "nudgesOptOut",
                ErrorCode.INVALID_STATE,
                "the advocate unsubscribed through an email's link; only they can opt in again",
            )
    if changes.account_id is not UNCHANGED:
        updates["account_id"] = changes.account_id
    check.done()
    if isinstance(changes.account_id, int):
        await ensure_account_in_org(session, principal, changes.account_id, "accountId")
    new_email, new_external_id = updates.get("email"), updates.get("external_id")
    await _ensure_unique(
        session,
        principal,
        email=new_email if isinstance(new_email, str) else None,
        external_id=new_external_id if isinstance(new_external_id, str) else None,
        except_id=advocate.id,
    )
    before = advocate.status
    opting_out = updates.get("nudges_opt_out") is True and not advocate.nudges_opt_out
    for key, value in updates.items():
        setattr(advocate, key, value)
    advocate.updated_at = utcnow()
    await session.flush()
    from advocacy.engagement import service as engagement

    if advocate.status != before:
        # A lapse set by hand is a lapse like any other: the nudge job answers it.
        await engagement.record_status_change(
            session,
            advocate.organization_id,
            advocate.id or 0,
            before,
            AdvocateStatus(advocate.status),
            "MARKETER",
            actor_of(principal),
        )
    if opting_out:
        await engagement.advocate_opted_out_by_marketer(session, advocate.id or 0)
        if advocate.status != AdvocateStatus.OPTED_OUT:  # (that status change announced it)
            await emit(
                session,
                advocate.organization_id,
                EventType.ADVOCATE_OPTED_OUT,
                payloads.advocate(advocate),
            )
    if updates:
        await emit(
            session,
            advocate.organization_id,
            EventType.ADVOCATE_UPDATED,
            payloads.advocate(advocate),
        )
    return advocate
