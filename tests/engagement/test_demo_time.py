"""The issue's "done when": in the demo, moving the clock forward lapses advocates, a
re-engagement gift rule fires, nudge emails with working unsubscribe links reach the outbox,
and a milestone brings an advocate back — all visible through GraphQL. Once in-process with
an injected clock, once through the real ``advocacy run-periodic --advance-days``."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from advocacy.config import Settings, get_settings
from advocacy.demo import seed_demo
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.kit.mail.models import OutboxEmail
from advocacy.rules import engine
from advocacy.rules.models import RuleEvent, RuleTrigger
from tests.engagement.conftest import deliver_emails, noon, tick
from tests.fixtures.api import Api

LAPSED = """{ advocates(first: 100, filter: {statuses: [LAPSED]}) { totalCount nodes { id } }
  nudges(first: 100) { nodes { channel outcome advocate { id } } }
  giftSends(first: 100, filter: {statuses: [OFFERED]}) { nodes { reason advocate { id } } } }"""


async def ring_rule_events(organization_id: int) -> None:
    """What the worker does with the rule events the gift nudges wrote."""
    async with unit_of_work() as session:
        events = list(
            await session.scalars(
                select(RuleEvent).where(
                    RuleEvent.organization_id == organization_id,
                    RuleEvent.processed_at.is_(None),  # type: ignore[union-attr]
                )
            )
        )
    for event in events:
        async with unit_of_work() as session:
            await engine.evaluate(
                session,
                organization_id,
                RuleTrigger(event.trigger),
                event.advocate_id,
                event.event_key,
                event.milestone_kind,
            )


async def test_demo_time_in_process(client: httpx.AsyncClient) -> None:
    async with unit_of_work() as session:
        demo = await seed_demo(session)
    api = Api(client, demo.token)
    await tick(noon(75))
    await ring_rule_events(demo.organization_id)
    await tick(noon(90))  # the cooldown has passed: now the emails
    seen = await api(LAPSED)
    lapsed = [node["id"] for node in seen["advocates"]["nodes"]]
    assert seen["advocates"]["totalCount"] >= 10
    channels = {(n["channel"], n["advocate"]["id"]) for n in seen["nudges"]["nodes"]}
    assert {channel for channel, _ in channels} == {"GIFT", "EMAIL"}
    rule_gifts = [s for s in seen["giftSends"]["nodes"] if s["reason"] == "RULE"]
    assert rule_gifts and {s["advocate"]["id"] for s in rule_gifts} <= set(lapsed)

    from advocacy.graphql.ids import decode_id

    advocate_pk = decode_id(lapsed[0], "Advocate", "id")
    await deliver_emails(advocate_pk)
    async with unit_of_work() as session:
        email = await session.scalar(
            select(OutboxEmail)
            .where(OutboxEmail.dedup_key.like("nudge:%"))  # type: ignore[attr-defined]
            .where(OutboxEmail.organization_id == demo.organization_id)
            .order_by(OutboxEmail.id.desc())  # type: ignore[union-attr]
        )
    assert email is not None
    link = re.search(r"http://127\.0\.0\.1:8000(/u/\S+)", email.body)
    assert link is not None and (await client.get(link.group(1))).status_code == 200

    back = await api(
        """mutation($a: ID!, $p: ID!) { recordMilestone(input: {advocateId: $a, programId: $p,
             kind: TESTIMONIAL}) { milestone { id } errors { code } } }""",
        {
            "a": lapsed[0],
            "p": (await api("{ programs { nodes { id } } }"))["programs"]["nodes"][0]["id"],
        },
    )
    milestone = back["recordMilestone"]["milestone"]["id"]
    approved = await api(
        """mutation($id: ID!) { approveMilestone(input: {id: $id}) {
             milestone { advocate { status nudges(first: 1) { nodes { outcome } }
                                    statusChanges { toStatus reason } } } errors { code } } }""",
        {"id": milestone},
    )
    advocate = approved["approveMilestone"]["milestone"]["advocate"]
    assert advocate["status"] == "ACTIVE"
    assert advocate["nudges"]["nodes"] == [{"outcome": "RE_ENGAGED"}]
    assert advocate["statusChanges"][0] == {"toStatus": "ACTIVE", "reason": "MILESTONE_APPROVED"}


def cli(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ADVOCACY_DATABASE_URL": database}
    env.pop("ADVOCACY_REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "advocacy.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


async def test_run_periodic_with_advance_days_on_a_fresh_demo(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    database = f"sqlite+aiosqlite:///{path}"

    def steps() -> list[subprocess.CompletedProcess[str]]:
        return [
            cli(database, "migrate"),
            cli(database, "demo"),
            cli(database, "run-periodic", "--advance-days", "75"),
            cli(database, "run-periodic", "--advance-days", "90"),
            cli(database, "run-periodic", "--advance-days", "-1"),
        ]

    *ok, negative = await asyncio.to_thread(steps)
    for result in ok:
        assert result.returncode == 0, result.stderr
    assert negative.returncode == 1 and "advance-days" in negative.stderr
    with sqlite3.connect(path) as db:
        lapsed = db.execute("SELECT count(*) FROM advocate WHERE status = 'LAPSED'").fetchone()
        by_channel = dict(db.execute("SELECT channel, count(*) FROM nudge GROUP BY channel"))
        sent = db.execute("SELECT count(*) FROM nudge WHERE sent_at IS NOT NULL").fetchone()
        emails = db.execute(
            "SELECT count(*) FROM email_outbox WHERE dedup_key LIKE 'nudge:%'"
        ).fetchone()
        rule_gifts = db.execute("SELECT count(*) FROM gift_send WHERE reason = 'RULE'").fetchone()
    assert lapsed[0] >= 10
    assert by_channel.get("GIFT", 0) >= 10 and by_channel.get("EMAIL", 0) >= 10
    assert sent == (by_channel["GIFT"] + by_channel["EMAIL"],)  # every email left
    assert emails == (by_channel["EMAIL"],) and rule_gifts[0] >= 10


def test_demo_time_is_refused_in_production_and_moves_utcnow_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="ADVOCACY_CLOCK_OFFSET_DAYS"):
        Settings(
            environment="production",
            secret_key="x" * 40,
            public_url="https://x.test",
            clock_offset_days=3,
        )
    before = utcnow()
    monkeypatch.setenv("ADVOCACY_CLOCK_OFFSET_DAYS", "2.5")
    get_settings.cache_clear()
    try:
        moved = utcnow() - before
    finally:
        monkeypatch.delenv("ADVOCACY_CLOCK_OFFSET_DAYS")
        get_settings.cache_clear()
    assert dt.timedelta(days=2.5) <= moved < dt.timedelta(days=2.5, seconds=5)
    assert utcnow() - before < dt.timedelta(seconds=5)
