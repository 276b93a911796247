"""Referral actors: send a conversion's rewards; find the ones whose refund window passed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.kit import jobs


@jobs.actor("referrals.send_rewards", queue="default")
async def send_rewards(session: AsyncSession, referral_id: int) -> None:
    from advocacy.referrals import rewards

    await rewards.send_rewards(session, referral_id)


@jobs.actor("referrals.send_due_rewards", queue="periodic", max_retries=3)
async def send_due_rewards(session: AsyncSession) -> None:
    from advocacy.referrals import rewards

    for referral_id in await rewards.due_rewards(session):
        jobs.enqueue_after_commit(session, send_rewards, referral_id=referral_id)


PERIODIC = (send_due_rewards,)
