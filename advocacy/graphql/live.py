"""GraphQL subscriptions (graphql-transport-ws on ``/graphql``): live gift sends and program
numbers for dashboards. Authenticate with ``{"Authorization": "Bearer <token>"}`` as the
``connection_init`` payload; the same roles and organization scoping as queries apply.

Each update is read fresh from the database when the bus says something changed (see
:mod:`advocacy.kit.live`), so what a subscriber sees is what a query would answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import strawberry
from sqlmodel import col, select

from advocacy.graphql.analytics import (
    From,
    IntervalArgument,
    ProgramStats,
    To,
    checked_period,
    program_stats_of,
)
from advocacy.graphql.context import Info, operation_session
from advocacy.graphql.errors import ApiError
from advocacy.graphql.gifting import GiftSend
from advocacy.graphql.ids import decode_id
from advocacy.graphql.permissions import CanRead
from advocacy.kit.errors import DomainError
from advocacy.kit.live import INTERRUPTED, bus, channel_of
from advocacy.tenancy.models import ApiToken

STATS_COALESCE_SECONDS = 1.0
"""programStatsUpdated answers a burst of changes (a bulk send, a worker draining its queue)
with one recomputation at most this often."""


async def _next_change(info: Info, messages: asyncio.Queue[Any]) -> dict[str, Any]:
    """The next hint, once the caller's token is checked again (a token revoked while a
    dashboard is open stops its updates) and the operation's session is fresh."""
    message: dict[str, Any] = await messages.get()
    if message is INTERRUPTED or message.get("kind") == INTERRUPTED["kind"]:
        raise ApiError("live updates were interrupted; subscribe again", "UNAVAILABLE")
    await _check_token(info)
    return message


async def _check_token(info: Info) -> None:
    """Raise if the caller's token was revoked; then start the next read afresh (a new
    transaction: SQLite's would otherwise keep its snapshot from before the change)."""
    session = info.context.session
    await session.close()  # end the transaction the last update read in
    principal = info.context.actor
    if principal.token_id is not None:
        revoked = await session.scalar(
            select(ApiToken.revoked_at).where(col(ApiToken.id) == principal.token_id)
        )
        if revoked is not None:
            raise ApiError("the token was revoked", "UNAUTHENTICATED")
    await session.close()  # also: no connection held while the subscriber waits
    info.context.forget_loaded()


async def _program_of_caller(info: Info, program_id: strawberry.ID) -> int:
    try:
        pk = decode_id(program_id, "Program", "programId")
    except DomainError as error:
        raise ApiError(error.message, "BAD_USER_INPUT") from error
    if await info.context.loaders.program.load(pk) is None:
        raise ApiError("programId: no such program", "BAD_USER_INPUT")
    await info.context.session.close()
    return pk


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[CanRead],
        description="Each change to a gift send of the program (offered, swapped, redeemed, "
        "fulfilled, …), as the send reads right after it.",
    )
    async def gift_send_updated(
        self, info: Info, program_id: strawberry.ID
    ) -> AsyncGenerator[GiftSend, None]:
        async with operation_session():
            program = await _program_of_caller(info, program_id)
            async with bus().subscribe(channel_of(info.context.organization_id)) as messages:
                while True:
                    message = await _next_change(info, messages)
                    if message.get("kind") != "gift_send" or message.get("programId") != program:
                        continue
                    send = await info.context.loaders.gift_send.load(int(message["sendId"]))
                    if send is not None and send.program_id == program:
                        yield send

    @strawberry.subscription(
        permission_classes=[CanRead],
        description="The program's KPIs (as programStats answers them) now, and again each "
        "time they move — at most once a second.",
    )
    async def program_stats_updated(
        self,
        info: Info,
        program_id: strawberry.ID,
        from_: From,
        to: To,
        interval: IntervalArgument,
    ) -> AsyncGenerator[ProgramStats, None]:
        async with operation_session():
            period = checked_period(from_, to, interval)
            program = await _program_of_caller(info, program_id)
            yield program_stats_of(info, program, period)
            # Closed with the subscription, not by the garbage collector later: its bus
            # subscription (a Redis UNSUBSCRIBE) ends as soon as the subscriber goes.
            async with aclosing(_program_changes(info, program)) as changes:
                async for _ in changes:
                    yield program_stats_of(info, program, period)


async def _program_changes(info: Info, program: int) -> AsyncGenerator[None, None]:
    """One tick per burst of changes to ``program``, at most every STATS_COALESCE_SECONDS."""
    async with bus().subscribe(channel_of(info.context.organization_id)) as messages:
        while True:
            message = await _next_change(info, messages)
            if message.get("programId") != program:
                continue
            await asyncio.sleep(STATS_COALESCE_SECONDS)
            while not messages.empty():
                if messages.get_nowait() is INTERRUPTED:
                    raise ApiError("live updates were interrupted; subscribe again", "UNAVAILABLE")
            await _check_token(info)
            yield
