"""The only writer of organizations and API tokens."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, update
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from advocacy.kit.db import begin_write, utcnow
from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.kit.reads import fetch_rows
from advocacy.kit.validation import Checker
from advocacy.tenancy.models import ApiToken, Organization, Role
from advocacy.tenancy.principal import Principal
from advocacy.tenancy.queries import API_TOKEN
from advocacy.tenancy.tokens import display_prefix, hash_secret, new_secret

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token, so reads stay reads."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str
    """Shown once; never stored."""


async def create_organization(session: AsyncSession, *, slug: str, name: str) -> Organization:
    check = Checker()
    clean_slug = check.slug("slug", slug)
    clean_name = check.text("name", name, max_length=200)
    check.done()
    assert clean_slug is not None and clean_name is not None
    existing = await session.scalar(select(Organization.id).where(Organization.slug == clean_slug))
    if existing is not None:
        raise DomainError(
            ErrorCode.ALREADY_EXISTS, f"an organization with slug {clean_slug!r} exists", "slug"
        )
    organization = Organization(slug=clean_slug, name=clean_name)
    session.add(organization)
    await session.flush()
    return organization


async def get_organization_by_slug(session: AsyncSession, slug: str) -> Organization:
    organization = await session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"no organization with slug {slug!r}", "slug")
    return organization


async def create_api_token(
    session: AsyncSession, principal: Principal, *, name: str, role: Role
) -> IssuedToken:
    principal.require(Role.ADMIN)
    check = Checker()
    clean_name = check.text("name", name, max_length=100)
    check.done()
    assert clean_name is not None
    clash = await session.scalar(
        select(ApiToken.id).where(
            ApiToken.organization_id == principal.organization_id, ApiToken.name == clean_name
        )
    )
    if clash is not None:
        raise DomainError(ErrorCode.ALREADY_EXISTS, f"a token named {clean_name!r} exists", "name")
    secret = new_secret()
    token = ApiToken(
        organization_id=principal.organization_id,
        name=clean_name,
        role=role,
        secret_hash=hash_secret(secret),
        prefix=display_prefix(secret),
    )
    session.add(token)
    await session.flush()
    return IssuedToken(token=token, secret=secret)


async def revoke_api_token(session: AsyncSession, principal: Principal, token_id: int) -> ApiToken:
    principal.require(Role.ADMIN)
    token = await session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.organization_id == principal.organization_id
        )
    )
    if token is None:
        raise DomainError(ErrorCode.NOT_FOUND, "no such API token", "id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
    return token


_TOKEN_BY_HASH = sa_select(
    API_TOKEN.c.id,
    API_TOKEN.c.organization_id,
    API_TOKEN.c.role,
    API_TOKEN.c.last_used_at,
    API_TOKEN.c.revoked_at,
).where(API_TOKEN.c.secret_hash == bindparam("secret_hash"))
"""Built once: authentication runs on every request."""


async def authenticate(session: AsyncSession, secret: str) -> Principal | None:
    """The principal a bearer secret stands for, or None if it is unknown or revoked."""
    if not secret.startswith("adv_") or len(secret) > 128:
        return None
    rows = await fetch_rows(session, _TOKEN_BY_HASH, {"secret_hash": hash_secret(secret)})
    row = rows[0] if rows else None
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        await session.commit()
        await begin_write(session)
        await session.execute(
            update(API_TOKEN).where(API_TOKEN.c.id == row.id).values(last_used_at=now)
        )
        await session.commit()
    return Principal(organization_id=row.organization_id, role=Role(row.role), token_id=row.id)
