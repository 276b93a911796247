"""GraphQL subscriptions (graphql-transport-ws on ``/graphql``): live gift sends and program
numbers for dashboards. Authenticate with ``{"Authorization": "Bearer <token>"}`` as the
``connection_init`` payload; the same roles and organization scoping as queries apply.

Each update is read fresh from the database when the bus says something changed (see
:mod:`advocacy.live`), so what a subscriber sees is what a query would answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from advocacy.graphql.context import Info
from advocacy.graphql.gifting import GiftSend
from advocacy.graphql.ids import decode_id
from advocacy.graphql.permissions import CanRead
from advocacy.live import bus, channel_of

STATS_COALESCE_SECONDS = 1.0
"""programStatsUpdated answers a burst of changes (a bulk send, a worker draining its queue)
with one recomputation at most this often."""


async def _fresh(info: Info) -> None:
    """End the connection's read transaction and drop cached rows before reading again."""
    await info.context.session.rollback()
    info.context.forget_loaded()


async def _program_of_caller(info: Info, program_id: strawberry.ID) -> int:
    from advocacy.errors import DomainError
    from advocacy.graphql.errors import ApiError

    try:
        pk = decode_id(program_id, "Program", "programId")
    except DomainError as error:
        raise ApiError(error.message, "BAD_USER_INPUT") from error
    if await info.context.loaders.program.load(pk) is None:
        raise ApiError("programId: no such program", "BAD_USER_INPUT")
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
        program = await _program_of_caller(info, program_id)
        organization = info.context.organization_id
        async with bus().subscribe(channel_of(organization)) as messages:
            while True:
                message: dict[str, Any] = await messages.get()
                if message.get("kind") != "gift_send" or message.get("programId") != program:
                    continue
                await _fresh(info)
                send = await info.context.loaders.gift_send.load(int(message["sendId"]))
                if send is not None:
                    yield send

    @strawberry.subscription(
        permission_classes=[CanRead],
        description="The program's id each time its numbers changed (gifts, milestones); "
        "refetch programStats, or subscribe to programStatsUpdated's stats directly.",
    )
    async def program_changed(
        self, info: Info, program_id: strawberry.ID
    ) -> AsyncGenerator[strawberry.ID, None]:
        program = await _program_of_caller(info, program_id)
        async for _ in _program_changes(info, program):
            yield program_id


async def _program_changes(info: Info, program: int) -> AsyncGenerator[None, None]:
    """One tick per burst of changes to ``program``, at most every STATS_COALESCE_SECONDS."""
    async with bus().subscribe(channel_of(info.context.organization_id)) as messages:
        while True:
            message: dict[str, Any] = await messages.get()
            if message.get("programId") != program:
                continue
            await asyncio.sleep(STATS_COALESCE_SECONDS)
            while not messages.empty():
                messages.get_nowait()
            await _fresh(info)
            yield
