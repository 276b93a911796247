"""`make run`'s demo: seeding is idempotent, the gift link it prints offers swaps and
donations, its history fills the dashboard's periods, and the server fulfils its gifts."""

import datetime as dt
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from advocacy.advocates.models import Account, Advocate, Milestone
from advocacy.demo import run_demo, seed_demo
from advocacy.demo.data import CATALOG
from advocacy.gifting import redemption_service
from advocacy.gifting.models import BudgetEntry, GiftItem, GiftSend, GiftSendStatus
from advocacy.graphql.ids import encode_id
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.programs.models import Program
from advocacy.tenancy.models import ApiToken, Organization
from advocacy.tenancy.service import authenticate
from tests.fixtures.api import Api
from tests.fixtures.processes import eventually, running_processes, service_env


async def _counts(organization_id: int) -> dict[str, int]:
    counts = {}
    async with unit_of_work() as session:
        for model in (Account, Advocate, Milestone, Program, ApiToken, GiftItem, GiftSend):
            counts[model.__name__] = int(
                await session.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(model.organization_id == organization_id)  # type: ignore[attr-defined]
                )
                or 0
            )
        counts["approved"] = int(
            await session.scalar(
                select(func.count())
                .select_from(Milestone)
                .where(Milestone.organization_id == organization_id, Milestone.status == "APPROVED")
            )
            or 0
        )
    return counts


async def test_seeding_twice_neither_fails_nor_duplicates() -> None:
    async with unit_of_work() as session:
        first = await seed_demo(session)
    counts = await _counts(first.organization_id)
    async with unit_of_work() as session:
        second = await seed_demo(session)
    assert second.organization_id == first.organization_id
    assert second.token == first.token
    assert await _counts(first.organization_id) == counts
    assert counts["Account"] == 5 and counts["Program"] == 1
    assert counts["ApiToken"] == 1 and counts["Milestone"] >= 20 and counts["approved"] > 0
    assert counts["GiftItem"] == len(CATALOG)
    assert second.gift_link == first.gift_link  # still open: the same link again
    async with unit_of_work() as session:
        organizations = await session.scalar(
            select(func.count()).select_from(Organization).where(Organization.slug == "demo")
        )
        principal = await authenticate(session, first.token)
    assert organizations == 1
    assert principal is not None and principal.organization_id == first.organization_id


async def test_the_demo_always_prints_a_gift_link_that_opens_an_offer() -> None:
    async with unit_of_work() as session:
        first = await seed_demo(session)
    token = first.gift_link.rsplit("/", 1)[1]
    async with unit_of_work() as session:
        send = await redemption_service.gift_for_token(session, token)
        assert send is not None and send.status == GiftSendStatus.OFFERED
        await redemption_service.decline_gift(session, token)
    async with unit_of_work() as session:
        again = await seed_demo(session)
    assert again.gift_link != first.gift_link
    async with unit_of_work() as session:
        fresh = await redemption_service.gift_for_token(session, again.gift_link.rsplit("/", 1)[1])
    assert fresh is not None and redemption_service.is_open(fresh)
    thanks = await _statuses(first.organization_id, "demo-thanks-")
    accepted = (GiftSendStatus.REDEEMED, GiftSendStatus.FULFILLING, GiftSendStatus.FULFILLED)
    assert sum(thanks.get(status, 0) for status in accepted) == 2
    assert thanks[GiftSendStatus.DECLINED] == 1 and thanks[GiftSendStatus.OFFERED] == 1
    links = await _statuses(first.organization_id, "demo-link-")
    assert links == {GiftSendStatus.DECLINED: 1, GiftSendStatus.OFFERED: 1}


async def _statuses(organization_id: int, key_prefix: str) -> dict[str, int]:
    """How many of the demo's sends keyed ``key_prefix…`` are in each status."""
    async with unit_of_work() as session:
        rows = await session.execute(
            select(GiftSend.status, func.count())
            .where(
                GiftSend.organization_id == organization_id,
                GiftSend.idempotency_key.startswith(key_prefix),  # type: ignore[union-attr]
            )
            .group_by(GiftSend.status)
        )
        return {status: count for status, count in rows.all()}


async def test_the_printed_gift_offers_swaps_and_donations() -> None:
    async with unit_of_work() as session:
        demo = await seed_demo(session)
        send = await redemption_service.gift_for_token(session, demo.gift_link.rsplit("/", 1)[1])
        assert send is not None
        swaps = await redemption_service.swap_options(session, send, "US")
        donations = await redemption_service.donation_options(session, send)
    assert len(swaps) >= 2 and len(donations) >= 2
    assert all(item.price <= send.original_value for item in [*swaps, *donations])


async def test_the_server_fulfils_the_demos_accepted_gifts_when_it_starts(
    database: str, tmp_path: Path
) -> None:
    """`make run` seeds in one process (whose in-memory queue dies with it), then serves: the
    server's worker must find the gifts accepted meanwhile at once, not after the 5-minute
    lease of the stuck-send sweep."""
    async with unit_of_work() as session:  # a demo of its own: others' tests fulfil theirs
        demo = await seed_demo(session, slug=f"demo-{uuid.uuid4().hex[:8]}")
        waiting = list(
            await session.scalars(
                select(GiftSend.id).where(
                    GiftSend.organization_id == demo.organization_id,
                    GiftSend.status == GiftSendStatus.REDEEMED,
                )
            )
        )
    assert waiting  # nothing ran them: their messages went nowhere
    with running_processes(tmp_path) as processes:
        api, _ = await processes.api(service_env(database, ""))  # in-memory broker and worker

        async def all_fulfilled() -> bool:
            async with unit_of_work() as session:
                rows = await session.scalars(
                    select(GiftSend.status).where(GiftSend.id.in_(waiting))  # type: ignore[union-attr]
                )
                return set(rows) == {GiftSendStatus.FULFILLED}

        await eventually(all_fulfilled, "the demo's accepted gifts to be fulfilled", [api])


STATS = """query($p: ID!, $from: DateTime!, $to: DateTime!) {
  programStats(programId: $p, from: $from, to: $to, interval: DAY) {
    period { milestones { approved } referrals { clicks signups conversions }
             gifts { offered redeemed } budget { spent } }
    series { gifts { offered } } } }"""


@pytest.mark.usefixtures("job_engine")
async def test_the_history_fills_the_last_7_30_and_90_days_with_an_exact_ledger(
    client: httpx.AsyncClient,
) -> None:
    demo = await run_demo(slug=f"demo-{uuid.uuid4().hex[:8]}")  # its history played here
    async with unit_of_work() as session:
        program_id = await session.scalar(
            select(Program.id).where(Program.organization_id == demo.organization_id)
        )
    api = Api(client, demo.token)
    to = utcnow() + dt.timedelta(minutes=1)
    for days in (7, 30, 90):
        stats = (
            await api(
                STATS,
                {
                    "p": encode_id("Program", program_id or 0),
                    "from": (to - dt.timedelta(days=days)).isoformat(),
                    "to": to.isoformat(),
                },
            )
        )["programStats"]
        period = stats["period"]
        figures = {
            "approved milestones": period["milestones"]["approved"],
            "clicks": period["referrals"]["clicks"],
            "signups": period["referrals"]["signups"],
            "conversions": period["referrals"]["conversions"],
            "gifts offered": period["gifts"]["offered"],
            "gifts redeemed": period["gifts"]["redeemed"],
            "spent": period["budget"][0]["spent"],
        }
        assert all(figures.values()), (days, figures)
        busy_days = sum(1 for bucket in stats["series"] if bucket["gifts"]["offered"])
        assert busy_days >= days // 4, (days, busy_days)  # spread out, not all today
    async with unit_of_work() as session:
        program = await session.get_one(Program, program_id)
        entries = dict(
            (
                await session.execute(
                    select(BudgetEntry.kind, func.sum(BudgetEntry.amount))
                    .where(BudgetEntry.program_id == program_id)
                    .group_by(BudgetEntry.kind)
                )
            ).all()
        )
        open_reservations = await session.scalar(
            select(func.coalesce(func.sum(GiftSend.reserved_amount), 0)).where(
                GiftSend.program_id == program_id,
                GiftSend.status.in_(  # type: ignore[attr-defined]
                    [GiftSendStatus.OFFERED, GiftSendStatus.REDEEMED, GiftSendStatus.FULFILLING]
                ),
            )
        )
        backdated = await session.scalar(
            select(func.count())
            .select_from(GiftSend)
            .where(
                GiftSend.program_id == program_id,
                GiftSend.status == GiftSendStatus.FULFILLED,
                GiftSend.fulfilled_at < utcnow() - dt.timedelta(days=30),  # type: ignore[operator]
            )
        )
    assert entries["SPEND"] == program.budget_spent > 0
    assert entries["RESERVE"] - entries["RELEASE"] - entries["SPEND"] == program.budget_reserved
    assert program.budget_reserved == open_reservations
    assert backdated  # fulfilled when they were accepted, not all today


async def test_advocacy_demo_run_twice_prints_the_same_token_and_link(database: str) -> None:
    from tests.test_cli import advocacy

    first = await advocacy(database, "demo")
    second = await advocacy(database, "demo")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout
    lines = first.stdout.strip().splitlines()
    assert lines[-1].startswith("adv_") and "/gift/" in lines[-3]
    async with unit_of_work() as session:
        principal = await authenticate(session, lines[-1])
        send = await redemption_service.gift_for_token(session, lines[-3].rsplit("/", 1)[1])
    assert principal is not None and send is not None and redemption_service.is_open(send)
