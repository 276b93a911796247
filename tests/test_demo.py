"""`make run`'s demo seeding is idempotent."""

from sqlalchemy import func, select

from advocacy.advocates.models import Account, Advocate, Milestone
from advocacy.db import unit_of_work
from advocacy.demo import seed_demo
from advocacy.gifting.models import GiftItem
from advocacy.programs.models import Program
from advocacy.tenancy.models import ApiToken, Organization
from advocacy.tenancy.service import authenticate


async def _counts(organization_id: int) -> dict[str, int]:
    counts = {}
    async with unit_of_work() as session:
        for model in (Account, Advocate, Milestone, Program, ApiToken, GiftItem):
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
    assert counts["Advocate"] == 20 and counts["Account"] == 5 and counts["Program"] == 1
    assert counts["ApiToken"] == 1 and counts["Milestone"] >= 20 and counts["approved"] > 0
    assert counts["GiftItem"] == 4
    async with unit_of_work() as session:
        organizations = await session.scalar(
            select(func.count()).select_from(Organization).where(Organization.slug == "demo")
        )
        principal = await authenticate(session, first.token)
    assert organizations == 1
    assert principal is not None and principal.organization_id == first.organization_id
