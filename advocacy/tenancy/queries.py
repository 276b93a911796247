"""Reads for organizations and API tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from advocacy.tenancy.models import ApiToken, Organization

API_TOKEN = ApiToken.__table__  # type: ignore[attr-defined]
ORGANIZATION = Organization.__table__  # type: ignore[attr-defined]


def api_tokens_query(organization_id: int, include_revoked: bool) -> Select[Any]:
    query = select(API_TOKEN).where(API_TOKEN.c.organization_id == organization_id)
    if not include_revoked:
        query = query.where(API_TOKEN.c.revoked_at.is_(None))
    return query.order_by(API_TOKEN.c.created_at.desc(), API_TOKEN.c.id.desc())


def organization_query(organization_id: int) -> Select[Any]:
    return select(ORGANIZATION).where(ORGANIZATION.c.id == organization_id)
