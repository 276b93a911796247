"""The unit of work for a mutation: run the service, commit, or roll back into UserErrors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.graphql.context import Info
from advocacy.graphql.errors import UserError, user_errors
from advocacy.kit.db import begin_write
from advocacy.kit.dialect import is_unique_violation
from advocacy.kit.errors import DomainError, DomainErrors, ErrorCode
from advocacy.tenancy.principal import Principal

T = TypeVar("T")
P = TypeVar("P")
P_co = TypeVar("P_co", covariant=True)
log = logging.getLogger("advocacy.graphql")

Work = Callable[[AsyncSession, Principal], Awaitable[T]]
PublicWork = Callable[[AsyncSession], Awaitable[T]]
"""Work for a caller without a principal: an advocate holding a gift link."""


@dataclass(frozen=True)
class Refused:
    """What a mutation's work ended in when it was rolled back: the payload's errors."""

    errors: list[UserError]


async def run_mutation(info: Info, work: Work[T]) -> T | Refused:
    """Run ``work`` for the authenticated principal as one transaction (``run_transaction``)."""
    return await run_transaction(info, lambda session: work(session, info.context.actor))


async def run_transaction(info: Info, work: PublicWork[T]) -> T | Refused:
    """Run ``work`` as one transaction on the request's session.

    Success commits. A ``DomainError`` rolls everything back and becomes payload errors, so
    nothing is half-written. A unique-constraint race (two requests creating the same thing)
    rolls back and runs the work once more, where the service's own checks now see the winner.
    Any other constraint violation (NOT NULL, foreign key, check) is a bug, not a race: it is
    re-raised, so the client gets the masked "internal error" and the log the traceback.
    """
    ctx = info.context
    session = ctx.session
    await session.commit()  # end any read transaction opened by authentication
    for attempt in (1, 2):
        try:
            await begin_write(session)
            result = await work(session)
            await session.commit()
        except (DomainError, DomainErrors) as error:
            await session.rollback()
            return Refused(user_errors(error))
        except IntegrityError as error:
            await session.rollback()
            if not is_unique_violation(error):
                log.error("request %s broke a database constraint", ctx.request_id)
                raise
            if attempt == 2:
                log.warning("mutation kept conflicting with concurrent writes", exc_info=True)
                return Refused(
                    [
                        UserError(
                            field=None,
                            code=ErrorCode.ALREADY_EXISTS,
                            message="a concurrent change conflicted with this one; try again",
                        )
                    ]
                )
            continue
        except BaseException:
            await session.rollback()
            raise
        ctx.forget_loaded()
        return result
    raise AssertionError("unreachable")


class _ErrorPayload(Protocol[P_co]):
    def __call__(self, *, errors: list[UserError]) -> P_co: ...


async def mutate(
    info: Info, work: Work[T], payload: _ErrorPayload[P], on_success: Callable[[T], P]
) -> P:
    """``run_mutation``, then the payload: ``payload(errors=…)`` on failure, else
    ``on_success(result)``."""
    result = await run_mutation(info, work)
    if isinstance(result, Refused):
        return payload(errors=result.errors)
    return on_success(result)


async def mutate_public(
    info: Info,
    work: PublicWork[T],
    payload: _ErrorPayload[P],
    on_success: Callable[[T], Awaitable[P]],
) -> P:
    """``mutate`` for unauthenticated callers; ``on_success`` may read more (after commit)."""
    result = await run_transaction(info, work)
    if isinstance(result, Refused):
        return payload(errors=result.errors)
    return await on_success(result)
