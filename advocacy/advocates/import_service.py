"""Bulk import of advocates: per-row errors, valid rows saved, re-imports update by email.

The work is set-based: one read of the existing advocates and accounts for the whole batch,
then inserts and updates in one flush, so a 1,000-row import costs a handful of statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from advocacy.advocates.models import Account, Advocate, AdvocateStatus
from advocacy.advocates.service import new_referral_code
from advocacy.kit.db import utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.validation import Checker
from advocacy.tenancy.models import Role
from advocacy.tenancy.principal import Principal
from advocacy.webhooks import payloads
from advocacy.webhooks.events import EventType, emit_many

MAX_IMPORT_ROWS = 1000


@dataclass
class AdvocateRow:
    email: str
    name: str
    title: str | None = None
    account_name: str | None = None
    account_domain: str | None = None
    interests: Sequence[str] | None = None
    external_id: str | None = None
    locale: str | None = None
    timezone: str | None = None


@dataclass
class _CleanRow:
    index: int
    email: str
    name: str
    title: str | None
    account_name: str | None
    account_domain: str | None
    interests: list[str] | None
    external_id: str | None
    locale: str | None
    timezone: str | None


@dataclass
class ImportResult:
    created: list[Advocate] = field(default_factory=list)
    updated: list[Advocate] = field(default_factory=list)
    errors: list[DomainError] = field(default_factory=list)


def _clean(index: int, row: AdvocateRow) -> _CleanRow | list[DomainError]:
    check = Checker(prefix=f"rows.{index}.")
    email = check.email("email", row.email)
    name = check.text("name", row.name, max_length=200)
    title = check.text("title", row.title, max_length=200, required=False)
    account_name = check.text("accountName", row.account_name, max_length=200, required=False)
    account_domain = check.domain("accountDomain", row.account_domain)
    interests = None if row.interests is None else check.tags("interests", row.interests)
    external_id = check.text("externalId", row.external_id, max_length=100, required=False)
    locale = check.locale("locale", row.locale)
    timezone = check.timezone("timezone", row.timezone)
    if check.errors:
        return check.errors
    assert email is not None and name is not None
    return _CleanRow(
        index,
        email,
        name,
        title,
        account_name,
        account_domain,
        interests,
        external_id,
        locale,
        timezone,
    )


async def _accounts_by_name(
    session: AsyncSession, principal: Principal, rows: list[_CleanRow]
) -> dict[str, Account]:
    """Existing accounts for the names in the batch, plus new ones for names not seen yet."""
    wanted = {row.account_name: row.account_domain for row in rows if row.account_name}
    if not wanted:
        return {}
    existing = (
        await session.scalars(
            select(Account).where(
                Account.organization_id == principal.organization_id,
                Account.name.in_(list(wanted)),  # type: ignore[attr-defined]
            )
        )
    ).all()
    by_name = {account.name: account for account in existing}
    for name, domain in wanted.items():
        if name not in by_name:
            account = Account(organization_id=principal.organization_id, name=name, domain=domain)
            session.add(account)
            by_name[name] = account
    await session.flush()
    return by_name


def _row_index(error: DomainError) -> int:
    """Errors are reported in row order; their field reads ``rows.<index>.<name>``."""
    return int((error.field or "rows.0").split(".")[1])


async def import_advocates(
    session: AsyncSession, principal: Principal, rows: Sequence[AdvocateRow]
) -> ImportResult:
    principal.require(Role.MARKETER)
    if len(rows) > MAX_IMPORT_ROWS:
        raise DomainError(
            ErrorCode.TOO_MANY, f"an import takes at most {MAX_IMPORT_ROWS} rows", "rows"
        )
    result = ImportResult()
    clean_rows: list[_CleanRow] = []
    seen_emails: dict[str, int] = {}
    for index, raw_row in enumerate(rows):
        cleaned = _clean(index, raw_row)
        if isinstance(cleaned, list):
            result.errors.extend(cleaned)
            continue
        first = seen_emails.setdefault(cleaned.email, index)
        if first != index:
            result.errors.append(
                DomainError(
                    ErrorCode.ALREADY_EXISTS,
                    f"the same email appears in row {first}",
                    f"rows.{index}.email",
                )
            )
            continue
        clean_rows.append(cleaned)
    if not clean_rows:
        return result

    emails = [row.email for row in clean_rows]
    external_ids = [row.external_id for row in clean_rows if row.external_id]
    existing = (
        await session.scalars(
            select(Advocate).where(
                Advocate.organization_id == principal.organization_id,
                Advocate.email.in_(emails)  # type: ignore[attr-defined]
                | Advocate.external_id.in_(external_ids),  # type: ignore[union-attr]
            )
        )
    ).all()
    by_email = {advocate.email: advocate for advocate in existing}
    email_of_external_id = {a.external_id: a.email for a in existing if a.external_id}

    accepted: list[_CleanRow] = []
    for candidate in clean_rows:
        owner = email_of_external_id.get(candidate.external_id) if candidate.external_id else None
        if owner is not None and owner != candidate.email:
            result.errors.append(
                DomainError(
                    ErrorCode.ALREADY_EXISTS,
                    "another advocate has this externalId",
                    f"rows.{candidate.index}.externalId",
                )
            )
            continue
        if candidate.external_id:
            email_of_external_id[candidate.external_id] = candidate.email
        accepted.append(candidate)

    accounts = await _accounts_by_name(session, principal, accepted)
    now = utcnow()
    for clean in accepted:
        account = accounts.get(clean.account_name) if clean.account_name else None
        advocate = by_email.get(clean.email)
        if advocate is None:
            advocate = Advocate(
                organization_id=principal.organization_id,
                email=clean.email,
                name=clean.name,
                title=clean.title,
                account_id=account.id if account else None,
                interests=clean.interests or [],
                status=AdvocateStatus.ACTIVE,
                referral_code=new_referral_code(),
                external_id=clean.external_id,
                locale=clean.locale,
                timezone=clean.timezone,
            )
            session.add(advocate)
            result.created.append(advocate)
            continue
        # A re-import refreshes what the row says and leaves everything else alone.
        advocate.name = clean.name
        if clean.title is not None:
            advocate.title = clean.title
        if account is not None:
            advocate.account_id = account.id
        if clean.interests is not None:
            advocate.interests = clean.interests
        if clean.external_id is not None:
            advocate.external_id = clean.external_id
        if clean.locale is not None:
            advocate.locale = clean.locale
        if clean.timezone is not None:
            advocate.timezone = clean.timezone
        advocate.updated_at = now
        result.updated.append(advocate)
    await session.flush()
    for event_type, advocates in (
        (EventType.ADVOCATE_CREATED, result.created),
        (EventType.ADVOCATE_UPDATED, result.updated),
    ):
        await emit_many(
            session, principal.organization_id, event_type, map(payloads.advocate, advocates)
        )
    result.errors.sort(key=_row_index)
    return result
