"""Role checks on root fields. Nested fields are reachable only through a checked root."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from advocacy.graphql.errors import ApiError
from advocacy.tenancy.models import Role


class _RoleRequired(BasePermission):
    needed: Role

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is None:
            raise ApiError(
                "authentication required: send 'Authorization: Bearer <token>'", "UNAUTHENTICATED"
            )
        if not principal.role.allows(self.needed):
            raise ApiError(f"this needs the {self.needed} role", "FORBIDDEN")
        return True


class CanRead(_RoleRequired):
    needed = Role.VIEWER


class CanWrite(_RoleRequired):
    needed = Role.MARKETER


class IsAdmin(_RoleRequired):
    needed = Role.ADMIN
