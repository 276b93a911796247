"""The slow reference: every KPI recomputed row by row in Python from the ``World`` written,
following the semantics the README documents, in the API's shape (camelCase dicts).

It shares no code with ``advocacy.analytics``: statuses are replayed from the change history
(the last change before the moment), percentiles interpolated as ``percentile_cont`` defines
them, memberships taken as the earliest touch.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from advocacy.programs.models import MilestoneKind
from tests.analytics.data import World


@dataclass(frozen=True)
class Who:
    """Whose figures: the organization, one program, or one advocate."""

    program_id: int | None = None
    advocate_id: int | None = None


def _in(moment: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
    return moment is not None and start <= moment < end


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


class Reference:
    def __init__(self, world: World) -> None:
        self.world = world
        self.advocates = {a.id: a for a in world.advocates}
        self.changes: dict[int, list[Any]] = defaultdict(list)
        for change in sorted(world.changes, key=lambda c: (c.created_at, c.id)):
            self.changes[change.advocate_id].append(change)
        self.events: dict[int, list[Any]] = defaultdict(list)
        for event in world.events:
            self.events[event.send_id].append(event)
        self.currency_of_program = {pk: p.currency for pk, p in world.programs.items()}

    # -- whose rows ---------------------------------------------------------------------------

    def joined(self, who: Who) -> dict[int, dt.datetime]:
        """When each counted advocate joined: created, or their first touch of the program."""
        if who.program_id is None:
            return {a.id: a.created_at for a in self.world.advocates}
        w, pid = self.world, who.program_id
        touches: list[tuple[int, dt.datetime]] = []
        touches += [(m.advocate_id, m.occurred_at) for m in w.milestones if m.program_id == pid]
        touches += [(s.advocate_id, s.created_at) for s in w.sends if s.program_id == pid]
        touches += [(a.advocate_id, a.created_at) for a in w.asks if a.program_id == pid]
        touches += [(r.referrer_id, r.signed_up_at) for r in w.referrals if r.program_id == pid]
        first: dict[int, dt.datetime] = {}
        for advocate_id, moment in touches:
            if advocate_id not in first or moment < first[advocate_id]:
                first[advocate_id] = moment
        return first

    def _program_row(self, who: Who, program_id: int, advocate_id: int) -> bool:
        if who.advocate_id is not None:
            return advocate_id == who.advocate_id
        return who.program_id is None or program_id == who.program_id

    def _advocate_row(self, who: Who, advocate_id: int, moment: dt.datetime) -> bool:
        if who.advocate_id is not None:
            return advocate_id == who.advocate_id
        if who.program_id is None:
            return True
        joined = self.joined(who).get(advocate_id)
        return joined is not None and joined <= moment

    def status_at(self, advocate_id: int, joined: dt.datetime, moment: dt.datetime) -> str:
        changes = self.changes[advocate_id]
        since = [c for c in changes if joined <= c.created_at < moment]
        if since:
            return str(since[-1].to_status)
        before = [c for c in changes if c.created_at < joined]
        if before:
            return str(before[-1].to_status)
        return str(changes[0].from_status if changes else self.advocates[advocate_id].status)

    # -- families -----------------------------------------------------------------------------

    def advocates_figures(self, who: Who, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        joined = self.joined(who)
        statuses = Counter(self.status_at(a, j, end) for a, j in joined.items() if j < end)
        participating = {
            m.advocate_id
            for m in self.world.milestones
            if self._program_row(who, m.program_id, m.advocate_id)
            and m.status == "APPROVED"
            and _in(m.occurred_at, start, end)
        }
        lapses: dict[int, list[Any]] = defaultdict(list)
        for nudge in self.world.nudges:
            if nudge.sent_at is not None:
                lapses[nudge.lapse_id].append(nudge)
        nudged = back = 0
        for nudges in lapses.values():
            first = min(n.sent_at for n in nudges)
            if _in(first, start, end) and self._advocate_row(who, nudges[0].advocate_id, first):
                nudged += 1
                back += any(n.outcome == "RE_ENGAGED" for n in nudges)
        total = sum(statuses.values())
        return {
            "total": total,
            "invited": statuses["INVITED"],
            "active": statuses["ACTIVE"],
            "lapsed": statuses["LAPSED"],
            "optedOut": statuses["OPTED_OUT"],
            "new": sum(1 for j in joined.values() if _in(j, start, end)),
            "participating": len(participating),
            "participationRate": _rate(len(participating), total),
            "nudgedLapses": nudged,
            "reEngaged": back,
            "reEngagementRate": _rate(back, nudged),
        }

    def milestones_figures(self, who: Who, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        counts: Counter[tuple[str, str]] = Counter()
        points: Counter[str] = Counter()
        for m in self.world.milestones:
            if self._program_row(who, m.program_id, m.advocate_id) and _in(
                m.occurred_at, start, end
            ):
                counts[(m.kind, m.status)] += 1
                if m.status == "APPROVED":
                    points[m.kind] += m.points
        by_kind = [
            {
                "kind": str(kind),
                "recorded": sum(counts[(kind, s)] for s in ("SUBMITTED", "APPROVED", "REJECTED")),
                "submitted": counts[(kind, "SUBMITTED")],
                "approved": counts[(kind, "APPROVED")],
                "rejected": counts[(kind, "REJECTED")],
                "points": points[kind],
            }
            for kind in MilestoneKind
        ]
        return {
            "recorded": sum(k["recorded"] for k in by_kind),
            "submitted": sum(k["submitted"] for k in by_kind),
            "approved": sum(k["approved"] for k in by_kind),
            "rejected": sum(k["rejected"] for k in by_kind),
            "pointsAwarded": sum(k["points"] for k in by_kind),
            "byKind": by_kind,
        }

    def referrals_figures(self, who: Who, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        w = self.world
        clicks = sum(
            1
            for c in w.clicks
            if _in(c.created_at, start, end)
            and self._advocate_row(who, c.advocate_id, c.created_at)
        )
        mine = [r for r in w.referrals if self._program_row(who, r.program_id, r.referrer_id)]
        signed = [r for r in mine if _in(r.signed_up_at, start, end)]
        kept = [r for r in signed if r.status != "REJECTED"]
        rejected = [r for r in signed if r.status == "REJECTED"]
        reasons: Counter[str | None] = Counter()
        for r in rejected:
            for reason in r.reasons or [None]:
                reasons[reason] += 1
        converted = [r for r in mine if r.status == "CONVERTED" and _in(r.converted_at, start, end)]
        revenue: Counter[str] = Counter()
        for r in converted:
            revenue[r.currency] += r.conversion_value
        referrers = len({r.referrer_id for r in kept})
        return {
            "clicks": clicks,
            "signups": len(kept),
            "conversions": len(converted),
            "clickToSignupRate": _rate(len(kept), clicks),
            "signupToConversionRate": _rate(sum(r.status == "CONVERTED" for r in kept), len(kept)),
            "referredRevenue": [{"currency": c, "amount": revenue[c]} for c in sorted(revenue)],
            "rejected": len(rejected),
            "rejectedByReason": [
                {"reason": reason, "count": count}
                for reason, count in sorted(reasons.items(), key=lambda i: (i[0] or "", i[1]))
            ],
            "referringAdvocates": referrers,
            "referralsPerReferringAdvocate": _rate(len(kept), referrers),
        }

    def offered_at(self, send: Any) -> dt.datetime | None:
        events = self.events[send.id]
        if any(e.kind == "PENDING_APPROVAL" for e in events):
            approvals = [e.created_at for e in events if e.kind == "APPROVED"]
            return min(approvals) if approvals else None
        return send.created_at  # type: ignore[no-any-return]

    def gifts_figures(self, who: Who, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        counts: Counter[str] = Counter()
        seconds: list[float] = []
        for send in self.world.sends:
            offered = self.offered_at(send)
            if not (
                self._program_row(who, send.program_id, send.advocate_id)
                and _in(offered, start, end)
            ):
                continue
            kinds = {e.kind for e in self.events[send.id]}
            counts["offered"] += 1
            counts["swapped"] += "SWAPPED" in kinds and "DONATED" not in kinds
            counts["donated"] += "DONATED" in kinds
            counts["redeemed"] += send.redeemed_at is not None and "DONATED" not in kinds
            if send.status in ("DECLINED", "EXPIRED", "CANCELLED", "FULFILLED", "FAILED"):
                counts[str(send.status).lower()] += 1
            if send.redeemed_at is not None:
                assert offered is not None
                seconds.append((send.redeemed_at - offered).total_seconds())
        return {
            **{
                name: counts[name]
                for name in (
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
            },
            "redemptionRate": _rate(counts["redeemed"] + counts["donated"], counts["offered"]),
            "medianSecondsToRedemption": percentile(seconds, 0.5),
            "p90SecondsToRedemption": percentile(seconds, 0.9),
        }

    def budget_figures(
        self, who: Who, start: dt.datetime, end: dt.datetime
    ) -> list[dict[str, Any]]:
        totals: Counter[str] = Counter()
        for pk, program in self.world.programs.items():
            if who.program_id is None or pk == who.program_id:
                totals[program.currency] += program.budget_total
        flows: dict[str, Counter[str]] = defaultdict(Counter)
        conversions = self.referrals_figures(who, start, end)["conversions"]
        for entry in self.world.ledger:
            if who.program_id is not None and entry.program_id != who.program_id:
                continue
            currency = self.currency_of_program[entry.program_id]
            if entry.created_at < end:
                flows[currency][str(entry.kind)] += entry.amount
            if entry.kind == "SPEND" and _in(entry.created_at, start, end):
                flows[currency]["window"] += entry.amount
        figures = []
        for currency in sorted(totals):
            f = flows[currency]
            reserved = f["RESERVE"] - f["RELEASE"] - f["SPEND"]
            cost = (2 * f["window"] + conversions) // (2 * conversions) if conversions else None
            figures.append(
                {
                    "currency": currency,
                    "total": totals[currency],
                    "spent": f["window"],
                    "spentToDate": f["SPEND"],
                    "reserved": reserved,
                    "remaining": totals[currency] - reserved - f["SPEND"],
                    "costPerConvertedReferral": cost,
                }
            )
        return figures

    def spent_on(self, who: Who, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
        sends = {s.id: s for s in self.world.sends if s.advocate_id == who.advocate_id}
        spent: Counter[str] = Counter()
        for entry in self.world.ledger:
            if (
                entry.send_id in sends
                and entry.kind == "SPEND"
                and _in(entry.created_at, start, end)
            ):
                spent[sends[entry.send_id].currency] += entry.amount
        return [{"currency": c, "amount": spent[c]} for c in sorted(spent)]

    @staticmethod
    def _outreach(rows: list[tuple[str, bool]], variants: tuple[str, ...]) -> dict[str, Any]:
        by_variant = []
        for variant in variants:
            sent = sum(1 for v, _ in rows if v == variant)
            answered = sum(1 for v, a in rows if v == variant and a)
            by_variant.append(
                {
                    "variant": variant,
                    "sent": sent,
                    "responded": answered,
                    "responseRate": _rate(answered, sent),
                }
            )
        sent, answered = len(rows), sum(1 for _, a in rows if a)
        return {
            "sent": sent,
            "responded": answered,
            "responseRate": _rate(answered, sent),
            "byVariant": by_variant,
        }

    def asks_figures(self, who: Who, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        rows = [
            (a.variant, a.status == "RESPONDED")
            for a in self.world.asks
            if self._program_row(who, a.program_id, a.advocate_id)
            and _in(a.first_sent_at, start, end)
        ]
        return self._outreach(rows, ("A", "B"))

    def nudges_figures(self, who: Who, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        rows = [
            (str(n.channel), n.outcome == "RE_ENGAGED")
            for n in self.world.nudges
            if _in(n.sent_at, start, end) and self._advocate_row(who, n.advocate_id, n.sent_at)
        ]
        return self._outreach(rows, ("EMAIL", "GIFT"))

    # -- windows ------------------------------------------------------------------------------

    def window(self, who: Who, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
        """Everything the API's window shows, for ``who`` over ``[start, end)``."""
        figures: dict[str, Any] = {
            "milestones": self.milestones_figures(who, start, end),
            "referrals": self.referrals_figures(who, start, end),
            "gifts": self.gifts_figures(who, start, end),
            "asks": self.asks_figures(who, start, end),
            "nudges": self.nudges_figures(who, start, end),
        }
        if who.advocate_id is None:
            figures["advocates"] = self.advocates_figures(who, start, end)
            figures["budget"] = self.budget_figures(who, start, end)
        else:
            figures["spent"] = self.spent_on(who, start, end)
        return figures

    def top_by_points(self, who: Who, start: dt.datetime, end: dt.datetime, n: int) -> list[Any]:
        points: Counter[int] = Counter()
        count: Counter[int] = Counter()
        for m in self.world.milestones:
            if (
                self._program_row(who, m.program_id, m.advocate_id)
                and m.status == "APPROVED"
                and _in(m.occurred_at, start, end)
            ):
                points[m.advocate_id] += m.points
                count[m.advocate_id] += 1
        ordered = sorted(points, key=lambda a: (-points[a], a))[:n]
        return [
            {"rank": rank, "advocateId": a, "points": points[a], "milestones": count[a]}
            for rank, a in enumerate(ordered, start=1)
        ]

    def top_by_revenue(self, who: Who, start: dt.datetime, end: dt.datetime, n: int) -> list[Any]:
        amount: Counter[tuple[str, int]] = Counter()
        count: Counter[tuple[str, int]] = Counter()
        for r in self.world.referrals:
            if (
                self._program_row(who, r.program_id, r.referrer_id)
                and r.status == "CONVERTED"
                and _in(r.converted_at, start, end)
            ):
                amount[(r.currency, r.referrer_id)] += r.conversion_value
                count[(r.currency, r.referrer_id)] += 1
        leaders = []
        for currency in sorted({c for c, _ in amount}):
            mine = sorted(
                (a for c, a in amount if c == currency), key=lambda a: (-amount[(currency, a)], a)
            )[:n]
            leaders += [
                {
                    "rank": rank,
                    "advocateId": a,
                    "revenue": {"currency": currency, "amount": amount[(currency, a)]},
                    "conversions": count[(currency, a)],
                }
                for rank, a in enumerate(mine, start=1)
            ]
        return leaders
