"""The programStats benchmark's own database: a year and a half of one program's history.

``advocacy_bench_stats`` is dropped and recreated each run, its schema built by the project's
migrations, then filled set-based (``INSERT … SELECT`` over ``generate_series``). Every value
comes from ``hashint8extended(i, salt)``, so the data is the same on every run and machine;
times are relative to the fixed ``NOW``.

Organization 1 runs program 1 (USD, the one measured) and program 2 (EUR); organization 2 has
a program of its own, so every statement must really filter by program and organization.

- 100,000 advocates in organization 1 (5,000 in organization 2), created over ``SPAN_DAYS``;
  10% INVITED; 30% of the others lapse 60-200 days after joining (half come back 10-60 days
  later), 3% opt out. Each move is an ``advocate_status_change`` row, and each lapse gets one
  or two nudges (the one the advocate came back after is RE_ENGAGED).
- 1,000,000 milestones in program 1 (+50,000 in program 2, +20,000 in organization 2): ten
  kinds, 70% APPROVED with the kind's points, 20% SUBMITTED, 10% REJECTED.
- 200,000 gift sends from program 1 (+10,000 elsewhere) with their ``gift_event`` history and
  ledger: 5% wait for approval (most are approved), the rest are offered at once; 8% are
  swapped; they end fulfilled (45%), redeemed (5%), failed (3%), declined (10%), expired (22%),
  cancelled (5%) or stay open; a tenth of the redeemed ones are donated.
- 50,000 asks (A/B), 50,000 referrals (some rejected with a fraud reason, 10% in EUR), 200,000
  referral clicks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

import asyncpg

from advocacy.migrate import upgrade
from advocacy.programs.models import MilestoneKind, default_points
from advocacy.tenancy.tokens import display_prefix, hash_secret, new_secret
from bench.config import BenchConfig, BenchError
from bench.lapse_seed import recreate_database

STATS_DATABASE = "advocacy_bench_stats"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SPAN_DAYS = 548
START = NOW - dt.timedelta(days=SPAN_DAYS)
DAY_S = 86_400
ADVOCATES = 100_000
OTHER_ADVOCATES = 5_000
MILESTONES = 1_000_000
SENDS = 200_000
PROGRAM = 1
ORGANIZATION = 1
KINDS = tuple(kind.value for kind in MilestoneKind)
POINTS = (50, 75, 100, 200, 100, 20, 150, 150, 10, 10)
REASONS = ("SELF_REFERRAL", "DUPLICATE_EMAIL", "DISPOSABLE_EMAIL", "ALREADY_CUSTOMER")


def h(salt: int, modulus: int, of: str = "i") -> str:
    """A deterministic pseudo-random integer in [0, modulus) for row ``of``."""
    return f"((hashint8extended({of}, {salt}) & 9223372036854775807) % {modulus})"


def secs(expression: str) -> str:
    return f"make_interval(secs => {expression})"


def pick(values: tuple[Any, ...], salt: int) -> str:
    """One of ``values``, chosen by hash."""
    arms = " ".join(f"WHEN {n} THEN {_literal(v)}" for n, v in enumerate(values))
    return f"(CASE {h(salt, len(values))} {arms} END)"


def _literal(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


SETUP = [
    """INSERT INTO organization (id, slug, name, created_at) VALUES
       (1, 'stats', 'Stats Inc', $1), (2, 'other', 'Other Inc', $1)""",
    """INSERT INTO program (id, organization_id, name, status, budget_total, budget_reserved,
           budget_spent, currency, points_per_kind, kpi_targets, created_at, updated_at)
       VALUES (1, 1, 'Main', 'ACTIVE', 1000000000, 0, 0, 'USD', $2::jsonb, '{}', $1, $1),
              (2, 1, 'Europe', 'ACTIVE', 50000000, 0, 0, 'EUR', $2::jsonb, '{}', $1, $1),
              (3, 2, 'Theirs', 'ACTIVE', 50000000, 0, 0, 'USD', $2::jsonb, '{}', $1, $1)""",
    """INSERT INTO gift_item (id, organization_id, name, kind, price, currency, tags, regions,
           provider, active, created_at, updated_at) VALUES
       (1, 1, 'Card', 'GIFT_CARD', 2500, 'USD', '[]', '[]', 'SANDBOX', true, $1, $1),
       (2, 1, 'Trees', 'DONATION', 2500, 'USD', '[]', '[]', 'SANDBOX', true, $1, $1),
       (3, 1, 'Karte', 'GIFT_CARD', 2500, 'EUR', '[]', '[]', 'SANDBOX', true, $1, $1),
       (4, 2, 'Card', 'GIFT_CARD', 2500, 'USD', '[]', '[]', 'SANDBOX', true, $1, $1)""",
]

# One row per advocate with the times of its moves (NULL: it doesn't happen before NOW).
PLAN_ADVOCATES = f"""
CREATE TEMP TABLE plan_advocate AS
WITH base AS (
    SELECT i, CASE WHEN i <= {ADVOCATES} THEN 1 ELSE 2 END AS org,
        $1::timestamptz + {secs(h(1, SPAN_DAYS * DAY_S))} AS created_at,
        {h(2, 10)} = 0 AS invited, {h(3, 100)} AS fate, {h(4, 140)} AS lapse_days,
        {h(5, 2)} = 0 AS comes_back, {h(6, 50)} AS back_days
    FROM generate_series(1, {ADVOCATES + OTHER_ADVOCATES}) AS i
), timed AS (
    SELECT *,
        CASE WHEN NOT invited AND fate < 30
             THEN created_at + make_interval(days => 60 + lapse_days::int) END AS lapse_at,
        CASE WHEN NOT invited AND fate BETWEEN 30 AND 32
             THEN created_at + make_interval(days => 30 + lapse_days::int) END AS opted_at
    FROM base
), clipped AS (
    SELECT i, org, created_at, invited,
        CASE WHEN lapse_at < $2 THEN lapse_at END AS lapse_at,
        CASE WHEN opted_at < $2 THEN opted_at END AS opted_at,
        CASE WHEN comes_back AND lapse_at + make_interval(days => 10 + back_days::int) < $2
             THEN lapse_at + make_interval(days => 10 + back_days::int) END AS back_at
    FROM timed
)
SELECT *, CASE WHEN invited THEN 'INVITED' WHEN opted_at IS NOT NULL THEN 'OPTED_OUT'
               WHEN back_at IS NOT NULL THEN 'ACTIVE' WHEN lapse_at IS NOT NULL THEN 'LAPSED'
               ELSE 'ACTIVE' END AS status
FROM clipped
"""
ADVOCATES_SQL = """
INSERT INTO advocate (id, organization_id, email, name, interests, status, points,
    referral_code, nudges_opt_out, nudges_paused, created_at, updated_at)
SELECT i, org, 'advocate' || i || '@stats.example.com', 'Advocate ' || i, '[]', status, 0,
    'STATS' || lpad(i::text, 8, '0'), status = 'OPTED_OUT', false, created_at, created_at
FROM plan_advocate ORDER BY i
"""
STATUS_CHANGES = """
INSERT INTO advocate_status_change (id, organization_id, advocate_id, from_status, to_status,
    reason, actor, created_at)
SELECT i, org, i, 'ACTIVE', 'LAPSED', 'NO_ENGAGEMENT', 'system', lapse_at
FROM plan_advocate WHERE lapse_at IS NOT NULL
UNION ALL
SELECT 200000 + i, org, i, 'LAPSED', 'ACTIVE', 'MILESTONE_APPROVED', 'system', back_at
FROM plan_advocate WHERE back_at IS NOT NULL
UNION ALL
SELECT 400000 + i, org, i, 'ACTIVE', 'OPTED_OUT', 'MARKETER', 'token:1', opted_at
FROM plan_advocate WHERE opted_at IS NOT NULL
"""
NUDGES = f"""
WITH lapses AS (
    SELECT i, org, lapse_at, back_at,
        lapse_at + interval '15 days' < $1
            AND (back_at IS NULL OR back_at > lapse_at + interval '15 days') AS second
    FROM plan_advocate WHERE lapse_at IS NOT NULL
)
INSERT INTO nudge (organization_id, advocate_id, lapse_id, sequence, channel, reason, outcome,
    created_at, rung_at, sent_at, re_engaged_at)
SELECT org, i, i, 1, {pick(("EMAIL", "GIFT"), 7)}, 'LAPSED',
    CASE WHEN second THEN 'UNANSWERED' WHEN back_at IS NOT NULL THEN 'RE_ENGAGED' ELSE 'OPEN' END,
    lapse_at + interval '1 day', lapse_at + interval '1 day', lapse_at + interval '1 day',
    CASE WHEN NOT second THEN back_at END
FROM lapses WHERE lapse_at + interval '1 day' < $1
UNION ALL
SELECT org, i, i, 2, 'EMAIL', 'LAPSED',
    CASE WHEN back_at IS NOT NULL THEN 'RE_ENGAGED' ELSE 'OPEN' END,
    lapse_at + interval '15 days', lapse_at + interval '15 days', lapse_at + interval '15 days',
    back_at
FROM lapses WHERE second
"""
MILESTONES_SQL = f"""
INSERT INTO milestone (organization_id, advocate_id, program_id, kind, status, points,
    occurred_at, created_at)
SELECT org, advocate, program, {pick(KINDS, 11)},
    CASE WHEN {h(12, 10)} < 7 THEN 'APPROVED' WHEN {h(12, 10)} < 9 THEN 'SUBMITTED'
         ELSE 'REJECTED' END,
    CASE WHEN {h(12, 10)} < 7 THEN {pick(POINTS, 11)} ELSE 0 END,
    $1::timestamptz + {secs(h(13, SPAN_DAYS * DAY_S))},
    $1::timestamptz + {secs(h(13, SPAN_DAYS * DAY_S))}
FROM (
    SELECT i,
        CASE WHEN i <= {MILESTONES + 50_000} THEN 1 ELSE 2 END AS org,
        CASE WHEN i <= {MILESTONES} THEN 1 WHEN i <= {MILESTONES + 50_000} THEN 2 ELSE 3 END
            AS program,
        CASE WHEN i <= {MILESTONES + 50_000} THEN 1 + {h(14, ADVOCATES)}
             ELSE {ADVOCATES + 1} + {h(14, OTHER_ADVOCATES)} END AS advocate
    FROM generate_series(1, {MILESTONES + 70_000}) AS i
) AS m
"""

# One row per gift send with its fate and the times of its moves.
PLAN_SENDS = f"""
CREATE TEMP TABLE plan_send AS
WITH base AS (
    SELECT i,
        CASE WHEN i <= {SENDS + 5_000} THEN 1 ELSE 2 END AS org,
        CASE WHEN i <= {SENDS} THEN 1 WHEN i <= {SENDS + 5_000} THEN 2 ELSE 3 END AS program,
        CASE WHEN i <= {SENDS + 5_000} THEN 1 + {h(21, ADVOCATES)}
             ELSE {ADVOCATES + 1} + {h(21, OTHER_ADVOCATES)} END AS advocate,
        $1::timestamptz + {secs(h(22, SPAN_DAYS * DAY_S))} AS created_at,
        {h(23, 100)} AS wait_h, {h(24, 100)} AS fate_h, {h(25, 100)} AS swap_h,
        {h(26, 10)} AS donate_h, {h(27, 10 * DAY_S)} AS redeem_s, {h(28, 5 * DAY_S)} AS end_s,
        {h(29, 3 * DAY_S)} AS approve_s
    FROM generate_series(1, {SENDS + 10_000}) AS i
), fated AS (
    SELECT *, wait_h < 5 AS waited,
        CASE WHEN wait_h < 5 AND wait_h >= 4 THEN 'pending'
             WHEN wait_h < 4 AND wait_h >= 3 THEN 'rejected'
             WHEN fate_h < 10 THEN 'open' WHEN fate_h < 55 THEN 'fulfilled'
             WHEN fate_h < 60 THEN 'redeemed' WHEN fate_h < 63 THEN 'failed'
             WHEN fate_h < 73 THEN 'declined' WHEN fate_h < 95 THEN 'expired'
             ELSE 'cancelled' END AS fate
    FROM base
)
SELECT *,
    CASE WHEN fate IN ('pending', 'rejected') THEN NULL
         WHEN waited THEN created_at + make_interval(secs => approve_s)
         ELSE created_at END AS offered_at,
    fate IN ('fulfilled', 'redeemed', 'failed') AS redeems,
    fate IN ('fulfilled', 'redeemed', 'failed') AND donate_h = 0 AS donates,
    swap_h < 8 AND fate NOT IN ('pending', 'rejected') AS swaps
FROM fated
"""
SENDS_SQL = """
INSERT INTO gift_send (id, organization_id, program_id, advocate_id, item_id, original_item_id,
    reason, status, link_token_hash, expires_at, currency, original_value, reserved_amount,
    fulfil_attempts, created_at, updated_at, redeemed_at, fulfilled_at, closed_at)
SELECT i, org, program, advocate,
    CASE WHEN donates THEN 2 WHEN program = 2 THEN 3 WHEN org = 2 THEN 4 ELSE 1 END,
    CASE WHEN program = 2 THEN 3 WHEN org = 2 THEN 4 ELSE 1 END,
    'MANUAL',
    CASE fate WHEN 'pending' THEN 'PENDING_APPROVAL' WHEN 'rejected' THEN 'CANCELLED'
        WHEN 'open' THEN 'OFFERED' ELSE upper(fate) END,
    'bench-stats-' || i, created_at + interval '30 days',
    CASE WHEN program = 2 THEN 'EUR' ELSE 'USD' END, 2500, 2500, 0, created_at, created_at,
    CASE WHEN redeems THEN offered_at + make_interval(secs => 3600 + redeem_s) END,
    CASE WHEN fate = 'fulfilled'
         THEN offered_at + make_interval(secs => 3600 + redeem_s + end_s) END,
    CASE WHEN fate IN ('failed', 'declined', 'expired', 'cancelled', 'rejected')
         THEN coalesce(offered_at, created_at) + make_interval(secs => 3600 + redeem_s + end_s)
    END
FROM plan_send ORDER BY i
"""
EVENTS = """
INSERT INTO gift_event (organization_id, send_id, kind, actor, detail, created_at)
SELECT org, i, kind, 'bench', '{}', at FROM (
    SELECT org, i, CASE WHEN waited THEN 'PENDING_APPROVAL' ELSE 'OFFERED' END AS kind,
        created_at AS at, 1 AS step FROM plan_send
    UNION ALL
    SELECT org, i, 'APPROVED', offered_at, 2 FROM plan_send WHERE waited AND offered_at IS NOT NULL
    UNION ALL
    SELECT org, i, 'SWAPPED', offered_at + interval '30 minutes', 3 FROM plan_send
    WHERE swaps AND NOT donates
    UNION ALL
    SELECT org, i, 'SWAPPED', offered_at + make_interval(secs => 3600 + redeem_s), 4
    FROM plan_send WHERE donates
    UNION ALL
    SELECT org, i, CASE WHEN donates THEN 'DONATED' ELSE 'REDEEMED' END,
        offered_at + make_interval(secs => 3600 + redeem_s), 5 FROM plan_send WHERE redeems
    UNION ALL
    SELECT org, i, CASE fate WHEN 'rejected' THEN 'CANCELLED' ELSE upper(fate) END,
        coalesce(offered_at, created_at) + make_interval(secs => 3600 + redeem_s + end_s), 6
    FROM plan_send WHERE fate IN ('fulfilled', 'failed', 'declined', 'expired', 'cancelled',
        'rejected')
) AS e ORDER BY i, step
"""
LEDGER = """
INSERT INTO budget_entry (organization_id, program_id, send_id, kind, amount, created_at)
SELECT org, program, i, kind, 2500, at FROM (
    SELECT org, program, i, 'RESERVE' AS kind, created_at AS at, 1 AS step FROM plan_send
    UNION ALL
    SELECT org, program, i, CASE WHEN fate = 'fulfilled' THEN 'SPEND' ELSE 'RELEASE' END,
        coalesce(offered_at, created_at) + make_interval(secs => 3600 + redeem_s + end_s), 2
    FROM plan_send WHERE fate IN ('fulfilled', 'failed', 'declined', 'expired', 'cancelled',
        'rejected')
) AS l ORDER BY i, step
"""
ASKS = f"""
INSERT INTO ask (organization_id, program_id, advocate_id, kind, variant, status, source,
    tries, emailed_tries, due_at, first_sent_at, last_sent_at, responded_at, created_at)
SELECT 1, 1, i, 'REVIEW', {pick(("A", "B"), 31)}, status, 'POLICY', 1, 1, created_at,
    created_at + interval '1 day', created_at + interval '1 day',
    CASE WHEN status = 'RESPONDED' THEN created_at + interval '5 days' END, created_at
FROM (
    SELECT i, $1::timestamptz + {secs(h(32, (SPAN_DAYS - 2) * DAY_S))} AS created_at,
        CASE WHEN {h(33, 10)} < 4 THEN 'RESPONDED' WHEN {h(33, 10)} < 8 THEN 'UNANSWERED'
             WHEN {h(33, 10)} < 9 THEN 'OPEN' ELSE 'CANCELLED' END AS status
    FROM generate_series(1, 50000) AS i
) AS a
"""
REFERRALS = f"""
INSERT INTO referral (organization_id, program_id, referrer_id, code, email, status, verdict,
    reasons, signed_up_at, converted_at, conversion_value, currency, created_at, updated_at)
SELECT 1, 1, referrer, 'STATS' || lpad(referrer::text, 8, '0'),
    'friend' || i || '@example.org', status,
    CASE WHEN status = 'REJECTED' AND flagged THEN 'FLAGGED' ELSE 'CLEAN' END,
    CASE WHEN status = 'REJECTED' AND flagged THEN jsonb_build_array({pick(REASONS, 41)})
         ELSE '[]'::jsonb END,
    signed_up_at,
    CASE WHEN status IN ('CONVERTED', 'REVERSED')
         THEN signed_up_at + {secs(h(42, 30 * DAY_S))} END,
    CASE WHEN status IN ('CONVERTED', 'REVERSED') THEN 1000 + {h(43, 99000)} END,
    CASE WHEN status IN ('CONVERTED', 'REVERSED')
         THEN CASE WHEN {h(44, 10)} = 0 THEN 'EUR' ELSE 'USD' END END,
    signed_up_at, signed_up_at
FROM (
    SELECT i, 1 + {h(45, ADVOCATES)} AS referrer, {h(46, 3)} > 0 AS flagged,
        $1::timestamptz + {secs(h(47, (SPAN_DAYS - 31) * DAY_S))} AS signed_up_at,
        CASE WHEN {h(48, 20)} < 8 THEN 'CONVERTED' WHEN {h(48, 20)} < 14 THEN 'SIGNED_UP'
             WHEN {h(48, 20)} < 16 THEN 'HELD' WHEN {h(48, 20)} < 19 THEN 'REJECTED'
             ELSE 'REVERSED' END AS status
    FROM generate_series(1, 50000) AS i
) AS r
"""
CLICKS = f"""
INSERT INTO referral_click (organization_id, advocate_id, code, visitor_hash, created_at)
SELECT 1, advocate, 'STATS' || lpad(advocate::text, 8, '0'), 'visitor-' || i,
    $1::timestamptz + {secs(h(51, SPAN_DAYS * DAY_S))}
FROM (SELECT i, 1 + {h(52, ADVOCATES)} AS advocate FROM generate_series(1, 200000) AS i) AS c
"""
TOKEN = """
INSERT INTO api_token (organization_id, name, role, secret_hash, prefix, created_at)
VALUES (1, 'bench', 'VIEWER', $1, $2, $3)
"""
SEQUENCED = (
    "organization",
    "program",
    "gift_item",
    "advocate",
    "advocate_status_change",
    "gift_send",
)
COUNTS = """
SELECT (SELECT count(*) FROM milestone WHERE program_id = 1),
       (SELECT count(*) FROM gift_send WHERE program_id = 1),
       (SELECT count(*) FROM gift_event), (SELECT count(*) FROM budget_entry),
       (SELECT count(*) FROM advocate_status_change), (SELECT count(*) FROM nudge)
"""


@dataclass(frozen=True)
class StatsData:
    token: str
    """A VIEWER token of organization 1."""
    milestones: int
    sends: int
    events: int
    ledger: int
    changes: int
    nudges: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": STATS_DATABASE,
            "program_milestones": self.milestones,
            "program_gift_sends": self.sends,
            "gift_events": self.events,
            "budget_entries": self.ledger,
            "status_changes": self.changes,
            "nudges": self.nudges,
            "seed_seconds": round(self.seconds, 1),
        }


async def _fill(config: BenchConfig) -> tuple[str, tuple[int, ...]]:
    connection = await asyncpg.connect(config.dsn(STATS_DATABASE), timeout=5)
    try:
        await connection.execute("SET synchronous_commit = off")
        async with connection.transaction():
            points = json.dumps(default_points())
            await connection.execute(SETUP[0], START)
            await connection.execute(SETUP[1], START, points)
            await connection.execute(SETUP[2], START)
            await connection.execute(PLAN_ADVOCATES, START, NOW)
            await connection.execute(ADVOCATES_SQL)
            await connection.execute(STATUS_CHANGES)
            await connection.execute(NUDGES, NOW)
            await connection.execute(MILESTONES_SQL, START)
            await connection.execute(PLAN_SENDS, START)
            await connection.execute(SENDS_SQL)
            await connection.execute(EVENTS)
            await connection.execute(LEDGER)
            await connection.execute(ASKS, START)
            await connection.execute(REFERRALS, START)
            await connection.execute(CLICKS, START)
            secret = new_secret()
            await connection.execute(TOKEN, hash_secret(secret), display_prefix(secret), START)
            for table in SEQUENCED:
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        await connection.execute("VACUUM (ANALYZE, FREEZE)")
        await connection.execute("CHECKPOINT")
        counts = tuple(await connection.fetchrow(COUNTS))
    finally:
        await connection.close()
    return secret, counts


async def seed_stats_database(config: BenchConfig) -> StatsData:
    """Drop, recreate, migrate and fill the programStats benchmark's database."""
    started = time.perf_counter()
    await recreate_database(config, STATS_DATABASE)
    # Alembic's env runs its own event loop: keep it off this one.
    await asyncio.to_thread(upgrade, config.sqlalchemy_url(STATS_DATABASE))
    secret, counts = await _fill(config)
    milestones, sends = counts[0], counts[1]
    if (milestones, sends) != (MILESTONES, SENDS):
        raise BenchError(f"seeded {milestones} milestones and {sends} sends in program 1")
    return StatsData(secret, *counts, seconds=time.perf_counter() - started)
