"""The programStats baseline: the same aggregates as hand-written PostgreSQL, run bare on asyncpg.

Written apart from ``advocacy.analytics`` and in PostgreSQL's own idiom — ``date_trunc`` buckets
instead of bucket numbers, ``FILTER``, ``DISTINCT ON``, ``GROUPING SETS``, ``percentile_cont``
in the same pass as the counts — so that agreeing numbers check the API's SQL too. The work is
the same: one statement shares the program's members between the status timeline,
re-engagement, clicks and nudges; participation walks each advocate's approved milestones in
time order. ``run_baseline`` times the statements only (send, execute, fetch); ``assemble``
turns their rows into the API's shape afterwards, for the comparison.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import asyncpg

from advocacy.programs.models import MilestoneKind

KINDS = tuple(kind.value for kind in MilestoneKind)
ENDINGS = ("DECLINED", "EXPIRED", "CANCELLED", "FULFILLED", "FAILED")


def _bucket(column: str, unit: str) -> str:
    return f"date_trunc('{unit}', {column} AT TIME ZONE 'UTC')"


def statements(unit: str) -> dict[str, str]:
    """$1 organization, $2 program, $3 from, $4 to."""
    b = lambda column: _bucket(column, unit)  # noqa: E731
    touches = "organization_id = $1 AND program_id = $2"
    return {
        "membership": f"""
WITH members AS (
    SELECT advocate_id, min(at) AS joined_at FROM (
        SELECT advocate_id, min(occurred_at) AS at FROM milestone
        WHERE {touches} AND occurred_at < $4 GROUP BY advocate_id
        UNION ALL SELECT advocate_id, min(created_at) FROM gift_send
        WHERE {touches} AND created_at < $4 GROUP BY advocate_id
        UNION ALL SELECT advocate_id, min(created_at) FROM ask
        WHERE {touches} AND created_at < $4 GROUP BY advocate_id
        UNION ALL SELECT referrer_id, min(signed_up_at) FROM referral
        WHERE {touches} AND signed_up_at < $4 GROUP BY referrer_id
    ) AS t GROUP BY advocate_id
), before_joining AS (
    SELECT DISTINCT ON (c.advocate_id) c.advocate_id, c.to_status AS status
    FROM advocate_status_change AS c JOIN members AS m USING (advocate_id)
    WHERE c.organization_id = $1 AND c.created_at < m.joined_at
    ORDER BY c.advocate_id, c.created_at DESC, c.id DESC
), created_as AS (
    SELECT DISTINCT ON (advocate_id) advocate_id, from_status AS status
    FROM advocate_status_change WHERE organization_id = $1
    ORDER BY advocate_id, created_at, id
), events AS (
    SELECT m.joined_at AS at, coalesce(bj.status, ca.status, a.status) AS status,
        1 AS delta, 1 AS joined
    FROM members AS m JOIN advocate AS a ON a.id = m.advocate_id
    LEFT JOIN before_joining AS bj USING (advocate_id)
    LEFT JOIN created_as AS ca USING (advocate_id)
    UNION ALL
    SELECT c.created_at, s.status, s.delta, 0
    FROM advocate_status_change AS c JOIN members AS m USING (advocate_id)
    CROSS JOIN LATERAL (VALUES (c.from_status, -1), (c.to_status, 1)) AS s (status, delta)
    WHERE c.organization_id = $1 AND c.created_at >= m.joined_at AND c.created_at < $4
), lapses AS (
    SELECT advocate_id, min(sent_at) AS first_sent, bool_or(outcome = 'RE_ENGAGED') AS back
    FROM nudge WHERE organization_id = $1 AND sent_at IS NOT NULL
    GROUP BY lapse_id, advocate_id
)
SELECT 'T', CASE WHEN at >= $3 THEN {b("at")} END, status, sum(delta), sum(joined)
FROM events GROUP BY 2, 3
UNION ALL
SELECT 'E', {b("l.first_sent")}, NULL, count(*), count(*) FILTER (WHERE l.back)
FROM lapses AS l JOIN members AS m USING (advocate_id)
WHERE l.first_sent >= m.joined_at AND l.first_sent >= $3 AND l.first_sent < $4 GROUP BY 2
UNION ALL
SELECT 'K', {b("c.created_at")}, NULL, count(*), 0
FROM referral_click AS c JOIN members AS m USING (advocate_id)
WHERE c.organization_id = $1 AND c.created_at >= m.joined_at
    AND c.created_at >= $3 AND c.created_at < $4 GROUP BY 2
UNION ALL
SELECT 'N', {b("n.sent_at")}, n.channel, count(*),
    count(*) FILTER (WHERE n.outcome = 'RE_ENGAGED')
FROM nudge AS n JOIN members AS m USING (advocate_id)
WHERE n.organization_id = $1 AND n.sent_at >= m.joined_at
    AND n.sent_at >= $3 AND n.sent_at < $4 GROUP BY 2, 3
""",
        "participation": f"""
SELECT bucket, count(*) FILTER (WHERE previous IS DISTINCT FROM bucket),
    count(*) FILTER (WHERE n = 1)
FROM (
    SELECT bucket, lag(bucket) OVER w AS previous, row_number() OVER w AS n
    FROM (
        SELECT advocate_id, occurred_at, {b("occurred_at")} AS bucket FROM milestone
        WHERE {touches} AND status = 'APPROVED' AND occurred_at >= $3 AND occurred_at < $4
    ) AS m
    WINDOW w AS (PARTITION BY advocate_id ORDER BY occurred_at)
) AS x GROUP BY bucket
""",
        "milestones": f"""
SELECT {b("occurred_at")}, kind, status, count(*), sum(points) FROM milestone
WHERE {touches} AND occurred_at >= $3 AND occurred_at < $4 GROUP BY 1, 2, 3
""",
        "funnel": f"""
SELECT 'S', {b("signed_up_at")}, status, count(*), 0 FROM referral
WHERE {touches} AND signed_up_at >= $3 AND signed_up_at < $4 GROUP BY 2, 3
UNION ALL
SELECT 'C', {b("converted_at")}, currency, count(*), sum(conversion_value) FROM referral
WHERE {touches} AND status = 'CONVERTED' AND converted_at >= $3 AND converted_at < $4
GROUP BY 2, 3
UNION ALL
SELECT 'R', {b("signed_up_at")}, reason, count(*), 0
FROM referral LEFT JOIN LATERAL jsonb_array_elements_text(reasons) AS reason ON true
WHERE {touches} AND status = 'REJECTED' AND signed_up_at >= $3 AND signed_up_at < $4
GROUP BY 2, 3
""",
        "referrers": f"""
SELECT {b("signed_up_at")}, count(DISTINCT referrer_id) FROM referral
WHERE {touches} AND status <> 'REJECTED' AND signed_up_at >= $3 AND signed_up_at < $4
GROUP BY GROUPING SETS ((1), ())
""",
        "gifts": f"""
WITH history AS (
    SELECT send_id, bool_or(kind = 'PENDING_APPROVAL') AS waited,
        min(created_at) FILTER (WHERE kind = 'APPROVED') AS approved_at,
        bool_or(kind = 'SWAPPED') AS swapped, bool_or(kind = 'DONATED') AS donated
    FROM gift_event
    WHERE organization_id = $1 AND kind IN ('PENDING_APPROVAL', 'APPROVED', 'SWAPPED', 'DONATED')
    GROUP BY send_id
), cohort AS (
    SELECT s.status, s.redeemed_at,
        CASE WHEN h.waited THEN h.approved_at ELSE s.created_at END AS offered_at,
        coalesce(h.swapped, false) AS swapped, coalesce(h.donated, false) AS donated
    FROM gift_send AS s LEFT JOIN history AS h ON h.send_id = s.id
    WHERE s.organization_id = $1 AND s.program_id = $2 AND s.created_at < $4
)
SELECT {b("offered_at")}, count(*),
    count(*) FILTER (WHERE swapped AND NOT donated),
    count(*) FILTER (WHERE redeemed_at IS NOT NULL AND NOT donated),
    count(*) FILTER (WHERE donated),
    {", ".join(f"count(*) FILTER (WHERE status = '{e}')" for e in ENDINGS)},
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM redeemed_at - offered_at)),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM redeemed_at - offered_at))
FROM cohort WHERE offered_at >= $3 AND offered_at < $4
GROUP BY GROUPING SETS ((1), ())
""",
        "ledger": f"""
SELECT p.currency, CASE WHEN e.created_at >= $3 THEN {b("e.created_at")} END, e.kind,
    sum(e.amount)
FROM budget_entry AS e JOIN program AS p ON p.id = e.program_id
WHERE e.organization_id = $1 AND e.program_id = $2 AND e.created_at < $4 GROUP BY 1, 2, 3
""",
        "budget": """
SELECT currency, budget_total FROM program WHERE organization_id = $1 AND id = $2
        AND $3::timestamptz < $4
""",
        "asks": f"""
SELECT {b("first_sent_at")}, variant, count(*), count(*) FILTER (WHERE status = 'RESPONDED')
FROM ask WHERE {touches} AND first_sent_at >= $3 AND first_sent_at < $4 GROUP BY 1, 2
""",
        "top_points": f"""
SELECT advocate_id, sum(points), count(*) FROM milestone
WHERE {touches} AND status = 'APPROVED' AND occurred_at >= $3 AND occurred_at < $4
GROUP BY advocate_id ORDER BY 2 DESC, advocate_id LIMIT 10
""",
        "top_revenue": f"""
SELECT * FROM (
    SELECT referrer_id, currency, sum(conversion_value) AS amount, count(*) AS conversions,
        row_number() OVER (PARTITION BY currency
                           ORDER BY sum(conversion_value) DESC, referrer_id) AS rank
    FROM referral
    WHERE {touches} AND status = 'CONVERTED' AND converted_at >= $3 AND converted_at < $4
    GROUP BY referrer_id, currency
) AS ranked WHERE rank <= 10 ORDER BY currency, rank
""",
    }


@dataclass(frozen=True)
class BaselineRun:
    seconds: float
    rows: dict[str, list[asyncpg.Record]]


async def run_baseline(
    connection: asyncpg.Connection,
    sql: dict[str, str],
    organization: int,
    program: int,
    start: dt.datetime,
    end: dt.datetime,
) -> BaselineRun:
    """Every statement in turn on one connection (as the API runs its statements)."""
    started = time.perf_counter()
    rows = {
        name: await connection.fetch(text, organization, program, start, end)
        for name, text in sql.items()
    }
    return BaselineRun(time.perf_counter() - started, rows)


# --- the API's shape, for the comparison -----------------------------------------------------


def bucket_starts(start: dt.datetime, end: dt.datetime, unit: str) -> list[dt.datetime]:
    """The calendar-aligned (naive UTC) start of every bucket the period touches."""
    naive = start.astimezone(dt.UTC).replace(tzinfo=None)
    first = naive.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "week":
        first -= dt.timedelta(days=first.weekday())
    elif unit == "month":
        first = first.replace(day=1)
    starts, moment = [], first
    limit = end.astimezone(dt.UTC).replace(tzinfo=None)
    while moment < limit:
        starts.append(moment)
        if unit == "month":
            moment = moment.replace(
                year=moment.year + moment.month // 12, month=moment.month % 12 + 1
            )
        else:
            moment += dt.timedelta(days=7 if unit == "week" else 1)
    return starts


def assemble(run: BaselineRun, starts: list[dt.datetime]) -> dict[str, Any]:
    """``period`` and ``series`` (the figures both sides compute) and the leaderboards."""
    index = {moment: i for i, moment in enumerate(starts)}
    size = len(starts)
    w: list[dict[str, Counter[Any]]] = [defaultdict(Counter) for _ in range(size + 1)]

    def windows(bucket: Any) -> tuple[int, ...]:
        return (index[bucket], size)

    statuses: Counter[str] = Counter()
    moves: list[Counter[str]] = [Counter() for _ in range(size)]
    for part, bucket, label, first, second in run.rows["membership"]:
        if part == "T" and bucket is None:
            statuses[label] += first
            continue
        for i in windows(bucket):
            if part == "T":
                if i < size:
                    moves[i][label] += first
                w[i]["advocates"]["new"] += second
            elif part == "E":
                w[i]["advocates"]["nudgedLapses"] += first
                w[i]["advocates"]["reEngaged"] += second
            elif part == "K":
                w[i]["referrals"]["clicks"] += first
            else:
                w[i]["nudges"][(label, "sent")] += first
                w[i]["nudges"][(label, "responded")] += second
    at_end = []
    for i in range(size):
        statuses.update(moves[i])
        at_end.append(Counter(statuses))
    at_end.append(Counter(statuses))
    for bucket, in_bucket, first in run.rows["participation"]:
        w[index[bucket]]["advocates"]["participating"] += in_bucket
        w[size]["advocates"]["participating"] += first
    for bucket, kind, status, count, points in run.rows["milestones"]:
        for i in windows(bucket):
            w[i]["milestones"][(kind, status)] += count
            if status == "APPROVED":
                w[i]["milestones"][(kind, "points")] += points
    for part, bucket, label, count, amount in run.rows["funnel"]:
        for i in windows(bucket):
            w[i]["funnel"][(part, label)] += count
            if part == "C":
                w[i]["revenue"][label] += amount
    for bucket, count in run.rows["referrers"]:
        w[size if bucket is None else index[bucket]]["referrals"]["referringAdvocates"] = count
    gifts: dict[int, Any] = {}
    for row in run.rows["gifts"]:
        gifts[size if row[0] is None else index[row[0]]] = row
    for currency, bucket, kind, amount in run.rows["ledger"]:
        if bucket is None:
            w[size]["before"][(currency, kind)] += amount
        else:
            w[index[bucket]]["ledger"][(currency, kind)] += amount
    ((currency, total),) = [tuple(r) for r in run.rows["budget"]]
    for bucket, variant, sent, responded in run.rows["asks"]:
        for i in windows(bucket):
            w[i]["asks"][(variant, "sent")] += sent
            w[i]["asks"][(variant, "responded")] += responded
    balance = Counter(w[size]["before"])
    budgets: list[dict[str, Any]] = []
    for i in range(size):
        balance.update(w[i]["ledger"])
        budgets.append(_budget(currency, total, w[i]["ledger"][(currency, "SPEND")], balance))
    spent = sum(w[i]["ledger"][(currency, "SPEND")] for i in range(size))
    budgets.append(_budget(currency, total, spent, balance))
    figures = [_window(w[i], at_end[i], gifts.get(i), budgets[i]) for i in range(size + 1)]
    return {
        "period": figures[size],
        "series": figures[:size],
        "topByPoints": [
            {"rank": rank, "advocate": advocate, "points": points, "milestones": count}
            for rank, (advocate, points, count) in enumerate(run.rows["top_points"], start=1)
        ],
        "topByReferredRevenue": [
            {
                "rank": r["rank"],
                "advocate": r["referrer_id"],
                "revenue": {"currency": r["currency"], "amount": r["amount"]},
                "conversions": r["conversions"],
            }
            for r in run.rows["top_revenue"]
        ],
    }


def _budget(currency: str, total: int, spent: int, balance: Counter[Any]) -> dict[str, Any]:
    to_date = balance[(currency, "SPEND")]
    reserved = balance[(currency, "RESERVE")] - balance[(currency, "RELEASE")] - to_date
    return {
        "currency": currency,
        "total": total,
        "spent": spent,
        "spentToDate": to_date,
        "reserved": reserved,
        "remaining": total - reserved - to_date,
    }


def _window(
    w: dict[str, Counter[Any]], at_end: Counter[str], gifts: Any, budget: dict[str, Any]
) -> dict[str, Any]:
    m, funnel = w["milestones"], w["funnel"]
    by_status = {label: n for (part, label), n in funnel.items() if part == "S"}
    rejected = by_status.get("REJECTED", 0)
    kinds = [
        {
            "kind": kind,
            "submitted": m[(kind, "SUBMITTED")],
            "approved": m[(kind, "APPROVED")],
            "rejected": m[(kind, "REJECTED")],
            "points": m[(kind, "points")],
        }
        for kind in KINDS
    ]
    gift_counts = list(gifts[1:10]) if gifts is not None else [0] * 9
    names = (
        "offered",
        "swapped",
        "redeemed",
        "donated",
        "declined",
        "expired",
        "cancelled",
        "fulfilled",
        "failed",
    )
    return {
        "advocates": {
            "total": sum(at_end.values()),
            "invited": at_end["INVITED"],
            "active": at_end["ACTIVE"],
            "lapsed": at_end["LAPSED"],
            "optedOut": at_end["OPTED_OUT"],
            **{k: w["advocates"][k] for k in ("new", "participating", "nudgedLapses", "reEngaged")},
        },
        "milestones": {
            "approved": sum(k["approved"] for k in kinds),
            "pointsAwarded": sum(k["points"] for k in kinds),
            "byKind": kinds,
        },
        "referrals": {
            "clicks": w["referrals"]["clicks"],
            "signups": sum(by_status.values()) - rejected,
            "conversions": sum(n for (part, _), n in funnel.items() if part == "C"),
            "rejected": rejected,
            "referringAdvocates": w["referrals"]["referringAdvocates"],
            "referredRevenue": [
                {"currency": c, "amount": w["revenue"][c]} for c in sorted(w["revenue"])
            ],
            "rejectedByReason": [
                {"reason": label, "count": n}
                for (part, label), n in sorted(
                    funnel.items(), key=lambda item: (item[0][1] or "", item[1])
                )
                if part == "R"
            ],
        },
        "gifts": {
            **dict(zip(names, gift_counts, strict=True)),
            "medianSecondsToRedemption": gifts[10] if gifts is not None else None,
            "p90SecondsToRedemption": gifts[11] if gifts is not None else None,
        },
        "budget": [budget],
        "asks": _outreach(w["asks"], ("A", "B")),
        "nudges": _outreach(w["nudges"], ("EMAIL", "GIFT")),
    }


def _outreach(counts: Counter[Any], variants: tuple[str, ...]) -> dict[str, Any]:
    return {
        "byVariant": [
            {"variant": v, "sent": counts[(v, "sent")], "responded": counts[(v, "responded")]}
            for v in variants
        ]
    }
