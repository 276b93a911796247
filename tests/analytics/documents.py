"""The KPI queries the tests send (every field), and the comparison with the reference."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

OUTREACH = "sent responded responseRate byVariant { variant sent responded responseRate }"
SHARED = f"""
  milestones {{ recorded submitted approved rejected pointsAwarded
                byKind {{ kind recorded submitted approved rejected points }} }}
  referrals {{ clicks signups conversions clickToSignupRate signupToConversionRate
               referredRevenue {{ currency amount }} rejected rejectedByReason {{ reason count }}
               referringAdvocates referralsPerReferringAdvocate }}
  gifts {{ offered swapped redeemed donated declined expired cancelled fulfilled failed
           redemptionRate medianSecondsToRedemption p90SecondsToRedemption }}
  asks {{ {OUTREACH} }}
  nudges {{ {OUTREACH} }}
"""
WINDOW = f"""
  start end
  advocates {{ total invited active lapsed optedOut new participating participationRate
               nudgedLapses reEngaged reEngagementRate }}
  budget {{ currency total spent spentToDate reserved remaining costPerConvertedReferral }}
  {SHARED}
"""
LEADERS = """
  topByPoints(first: $top) { rank points milestones advocate { id } }
  topByReferredRevenue(first: $top) { rank revenue { currency amount } conversions
                                      advocate { id } }
"""
PROGRAM_STATS = f"""
query ProgramStats($program: ID!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval!,
                   $top: Int! = 10) {{
  programStats(programId: $program, from: $from, to: $to, interval: $interval) {{
    from to interval program {{ id }}
    period {{ {WINDOW} }}
    series {{ {WINDOW} }}
    {LEADERS}
  }}
}}
"""
ORGANIZATION_STATS = f"""
query OrganizationStats($from: DateTime!, $to: DateTime!, $interval: StatsInterval!,
                        $top: Int! = 10) {{
  organizationStats(from: $from, to: $to, interval: $interval) {{
    from to interval
    period {{ {WINDOW} }}
    series {{ {WINDOW} }}
    {LEADERS}
  }}
}}
"""
ADVOCATE_WINDOW = f"start end spent {{ currency amount }} {SHARED}"
ADVOCATE_STATS = f"""
query AdvocateStats($ids: [ID!]!, $from: DateTime!, $to: DateTime!, $interval: StatsInterval!) {{
  nodes(ids: $ids) {{
    ... on Advocate {{
      id
      stats(from: $from, to: $to, interval: $interval) {{
        from to interval
        period {{ {ADVOCATE_WINDOW} }}
        series {{ {ADVOCATE_WINDOW} }}
      }}
    }}
  }}
}}
"""


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


SECONDS_TOLERANCE = 0.01
"""SQLite's julianday keeps about 40 µs of a timestamp: plenty for times to redemption."""


def differences(actual: Any, expected: Any, path: str = "") -> list[str]:
    """Where ``actual`` and ``expected`` differ; floats within a relative 1e-9 (seconds within
    ``SECONDS_TOLERANCE``)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in expected:
            if key not in actual:
                found.append(f"{path}.{key}: missing")
            else:
                found += differences(actual[key], expected[key], f"{path}.{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if len(actual) != len(expected):
            return [
                f"{path}: {len(actual)} items, expected {len(expected)}: {actual} vs {expected}"
            ]
        found = []
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            found += differences(a, e, f"{path}[{index}]")
        return found
    if isinstance(expected, float) and isinstance(actual, int | float):
        tolerance = SECONDS_TOLERANCE if "Seconds" in path else 1e-9 * max(1.0, abs(expected))
        return (
            []
            if math.isclose(actual, expected, abs_tol=tolerance)
            else [f"{path}: {actual} != {expected}"]
        )
    return [] if actual == expected else [f"{path}: {actual!r} != {expected!r}"]
