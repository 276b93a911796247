"""The engagement policy in force for each advocate, as SQL groups the periodic jobs can work
through set by set.

An organization's ``engagement_policy`` row (or the defaults) applies to its advocates; a
``program_engagement_policy`` row overrides its lapse and nudge fields for the advocates whose
latest engagement was in that program (``advocate.engaged_program_id``). ``policy_groups``
turns all of that into a short list of (advocate filter, effective policy) pairs, so a job runs
one set-based statement per group instead of one per advocate.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate
from advocacy.engagement.models import (
    DEFAULT_COOLDOWN_DAYS,
    DEFAULT_DAYTIME_END_HOUR,
    DEFAULT_DAYTIME_START_HOUR,
    DEFAULT_GIVE_UP_AFTER_DAYS,
    DEFAULT_LAPSE_AFTER_DAYS,
    DEFAULT_MAX_NUDGES,
    DEFAULT_TIMEZONE,
    EngagementPolicy,
    NudgeChannel,
    ProgramEngagementPolicy,
)

ADVOCATE = Advocate.__table__  # type: ignore[attr-defined]
ORG_POLICY = EngagementPolicy.__table__  # type: ignore[attr-defined]
PROGRAM_POLICY = ProgramEngagementPolicy.__table__  # type: ignore[attr-defined]

OVERRIDABLE = (
    "lapse_after_days",
    "nudge_channel",
    "max_nudges",
    "cooldown_days",
    "give_up_after_days",
)
"""The fields a program may override; daytime, timezone and the pause are organization-wide."""


@dataclass(frozen=True)
class Policy:
    lapse_after_days: int = DEFAULT_LAPSE_AFTER_DAYS
    nudge_channel: NudgeChannel = NudgeChannel.EMAIL
    max_nudges: int = DEFAULT_MAX_NUDGES
    cooldown_days: int = DEFAULT_COOLDOWN_DAYS
    give_up_after_days: int = DEFAULT_GIVE_UP_AFTER_DAYS
    daytime_start_hour: int = DEFAULT_DAYTIME_START_HOUR
    daytime_end_hour: int = DEFAULT_DAYTIME_END_HOUR
    default_timezone: str = DEFAULT_TIMEZONE
    nudges_paused: bool = False

    @classmethod
    def of_row(cls, row: Any) -> Policy:
        return cls(
            lapse_after_days=row.lapse_after_days,
            nudge_channel=NudgeChannel(row.nudge_channel),
            max_nudges=row.max_nudges,
            cooldown_days=row.cooldown_days,
            give_up_after_days=row.give_up_after_days,
            daytime_start_hour=row.daytime_start_hour,
            daytime_end_hour=row.daytime_end_hour,
            default_timezone=row.default_timezone,
            nudges_paused=row.nudges_paused,
        )

    def overridden_by(self, row: Any) -> Policy:
        changes = {
            name: getattr(row, name) for name in OVERRIDABLE if getattr(row, name) is not None
        }
        if "nudge_channel" in changes:
            changes["nudge_channel"] = NudgeChannel(changes["nudge_channel"])
        return replace(self, **changes)

    def _local(self, timezone: str | None, now: dt.datetime) -> dt.datetime:
        return now.astimezone(_zone(timezone) or _zone(self.default_timezone) or dt.UTC)

    def is_daytime_for(self, timezone: str | None, now: dt.datetime) -> bool:
        """Is it inside the daytime window where the advocate lives?"""
        local = self._local(timezone, now)
        return self.daytime_start_hour <= local.hour < self.daytime_end_hour

    def next_daytime_for(self, timezone: str | None, now: dt.datetime) -> dt.datetime:
        """When the advocate's next daytime window opens (UTC): later today or tomorrow."""
        local = self._local(timezone, now)
        opens = local.replace(hour=self.daytime_start_hour, minute=0, second=0, microsecond=0)
        if local.hour >= self.daytime_start_hour:
            opens += dt.timedelta(days=1)  # wall-clock arithmetic: right across DST changes
        return opens.astimezone(dt.UTC)


@functools.lru_cache(maxsize=1024)
def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class PolicyGroup:
    """Advocates matching ``where`` follow ``policy``. ``organization_id`` is None for the group
    of every organization that has no policy of its own."""

    where: ColumnElement[bool]
    policy: Policy
    organization_id: int | None


async def policy_groups(session: AsyncSession) -> list[PolicyGroup]:
    org_rows = {
        row.organization_id: row for row in (await session.execute(select(ORG_POLICY))).all()
    }
    program_rows = (await session.execute(select(PROGRAM_POLICY))).all()
    overrides: dict[int, list[Any]] = {}
    for row in program_rows:
        overrides.setdefault(row.organization_id, []).append(row)
    groups: list[PolicyGroup] = []
    for org in sorted(set(org_rows) | set(overrides)):
        base = Policy.of_row(org_rows[org]) if org in org_rows else Policy()
        in_org = ADVOCATE.c.organization_id == org
        programs = [row.program_id for row in overrides.get(org, [])]
        for row in overrides.get(org, []):
            groups.append(
                PolicyGroup(
                    and_(in_org, ADVOCATE.c.engaged_program_id == row.program_id),
                    base.overridden_by(row),
                    org,
                )
            )
        rest = or_(
            ADVOCATE.c.engaged_program_id.is_(None),
            ADVOCATE.c.engaged_program_id.not_in(programs),
        )
        groups.append(PolicyGroup(and_(in_org, rest) if programs else in_org, base, org))
    # NOT EXISTS rather than NOT IN (…every organization with a policy…): no bind parameter
    # per organization, however many there are.
    everyone_else = and_(
        ~exists().where(ORG_POLICY.c.organization_id == ADVOCATE.c.organization_id),
        ~exists().where(PROGRAM_POLICY.c.organization_id == ADVOCATE.c.organization_id),
    )
    groups.append(PolicyGroup(everyone_else, Policy(), None))
    return groups


async def policy_for_advocate(
    session: AsyncSession, organization_id: int, engaged_program_id: int | None
) -> Policy:
    org_row = (
        await session.execute(
            select(ORG_POLICY).where(ORG_POLICY.c.organization_id == organization_id)
        )
    ).first()
    policy = Policy.of_row(org_row) if org_row is not None else Policy()
    if engaged_program_id is not None:
        program_row = (
            await session.execute(
                select(PROGRAM_POLICY).where(PROGRAM_POLICY.c.program_id == engaged_program_id)
            )
        ).first()
        if program_row is not None:
            policy = policy.overridden_by(program_row)
    return policy
