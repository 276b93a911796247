from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from advocacy.kit.models_base import created_at_field, enum_check, enum_field, timestamp_field


class Role(enum.StrEnum):
    """What a token may do. Ordered: each role can do everything the ones below it can."""

    VIEWER = "VIEWER"
    MARKETER = "MARKETER"
    ADMIN = "ADMIN"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_ROLE_RANK = {Role.VIEWER: 0, Role.MARKETER: 1, Role.ADMIN: 2}


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, nullable=False)
    name: str = Field(max_length=200, nullable=False)
    created_at: dt.datetime = created_at_field()


class ApiToken(SQLModel, table=True):
    """A marketer credential. Only the SHA-256 of the secret is kept; the secret is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (
        enum_check("role", Role, "ck_api_token_role"),
        UniqueConstraint("organization_id", "name", name="uq_api_token_org_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", nullable=False, index=True)
    name: str = Field(max_length=100, nullable=False)
    role: Role = enum_field(Role, Role.VIEWER)
    secret_hash: str = Field(max_length=64, unique=True, nullable=False)
    prefix: str = Field(max_length=16, nullable=False)
    created_at: dt.datetime = created_at_field()
    last_used_at: dt.datetime | None = timestamp_field()
    revoked_at: dt.datetime | None = timestamp_field()
