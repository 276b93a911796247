"""Gift rule actors. Services enqueue ``evaluate`` after their commit; the engine's run table
makes a second run of the same event a no-op."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy import jobs


@jobs.actor("rules.evaluate", queue="default")
async def evaluate(
    session: AsyncSession,
    organization_id: int,
    trigger: str,
    advocate_id: int,
    event_key: str,
    milestone_kind: str | None = None,
) -> None:
    from advocacy.rules import engine
    from advocacy.rules.models import RuleTrigger

    await engine.evaluate(
        session, organization_id, RuleTrigger(trigger), advocate_id, event_key, milestone_kind
    )


@jobs.actor("rules.anniversaries", queue="periodic", max_retries=3)
async def anniversaries(session: AsyncSession) -> None:
    from advocacy.rules import engine

    await engine.fire_anniversaries(session)


def fire_after_commit(
    session: AsyncSession,
    organization_id: int,
    trigger: str,
    advocate_id: int,
    event_key: str,
    milestone_kind: str | None = None,
) -> None:
    """What services call when something a rule may react to has happened."""
    jobs.enqueue_after_commit(
        session,
        evaluate,
        organization_id=organization_id,
        trigger=str(trigger),
        advocate_id=advocate_id,
        event_key=event_key,
        milestone_kind=milestone_kind,
    )


PERIODIC = (anniversaries,)
