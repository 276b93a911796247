"""Who a request acts as. Every service call takes one and scopes by its organization."""

from __future__ import annotations

from dataclasses import dataclass

from advocacy.kit.errors import DomainError, ErrorCode
from advocacy.tenancy.models import Role


@dataclass(frozen=True, slots=True)
class Principal:
    organization_id: int
    role: Role
    token_id: int | None = None
    """None for the CLI and the demo seeder, which act as the organization's admin."""

    def require(self, needed: Role) -> None:
        if not self.role.allows(needed):
            raise DomainError(ErrorCode.FORBIDDEN, f"this action needs the {needed} role")


def system_principal(organization_id: int) -> Principal:
    """The operator acting through the CLI: full rights, inside one organization."""
    return Principal(organization_id=organization_id, role=Role.ADMIN)


def actor_of(principal: Principal) -> str:
    """How history records (gift events, status changes) name who acted."""
    return f"token:{principal.token_id}" if principal.token_id is not None else "system"
