"""``GET /r/{code}``: count a click and redirect to the organization's landing page.

The redirect target is only ever a URL a marketer configured (the program's landing URL with
``ref=<code>`` added, or the organization's fallback URL), never anything from the request, so
the endpoint can't be used as an open redirect. No IP address or user agent is stored: a keyed
hash of the two identifies a visitor for de-duplication and for the signups-per-visitor rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import crawleruseragents
from sqlalchemy import Select, and_, bindparam, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from advocacy.advocates.models import Advocate, AdvocateStatus
from advocacy.config import get_settings
from advocacy.kit.db import utcnow
from advocacy.kit.dialect import dialect_name
from advocacy.kit.reads import fetch_rows
from advocacy.kit.signing import Purpose, id_of_signed_token, keyed_hex, signed_id_token
from advocacy.referrals.models import ReferralClick, ReferralSettings, RevokedReferralCode

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{4,32}$")
CHANNEL_PATTERN = re.compile(r"^[a-z0-9_.-]{1,40}$")
USER_AGENT_CACHE_SIZE = 16_384
"""Verdicts kept, least recently used dropped. Distinct User-Agents are far fewer than clicks
(a browser build is shared by millions), so nearly every click is a hit: ~0.1 µs instead of
~175 µs for a browser's string, which has to miss all ~1,500 patterns. Bounded at
``USER_AGENT_CACHE_SIZE * MAX_CACHED_USER_AGENT`` characters (under 10 MB)."""
MAX_CACHED_USER_AGENT = 512
"""Longer User-Agents (no browser sends one) are judged but not cached."""
COOKIE_NAME = "advocacy_ref"

ADVOCATE = Advocate.__table__  # type: ignore[attr-defined]
SETTINGS = ReferralSettings.__table__  # type: ignore[attr-defined]
REVOKED = RevokedReferralCode.__table__  # type: ignore[attr-defined]
CLICK = ReferralClick.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ClickOutcome:
    location: str | None
    """Where to send the visitor; None when nothing is configured (answer 404)."""
    code: str | None = None
    """Set when the click counts for an advocate: the cookie to set."""
    cookie_days: int = 0
    counted: bool = False


def visitor_hash(ip: str, user_agent: str) -> str:
    # The user agent is free text, so it goes last.
    return keyed_hex(Purpose.REFERRAL_VISITOR, f"{ip}|{user_agent}")


def _click_signature(digest: bytes) -> str:
    return digest.hex()[:20]


def click_token(click_id: int) -> str:
    """``<id>.<signature>``: lets the shop hand a signup its visitor's click back
    (``recordReferralSignup(clickToken:)``) without being able to invent one."""
    return signed_id_token(Purpose.REFERRAL_CLICK, click_id, _click_signature)


def click_id_from_token(token: str | None) -> int | None:
    """The click a token names, or None when it isn't one of ours (or its id isn't canonical)."""
    if not token:
        return None
    return id_of_signed_token(
        Purpose.REFERRAL_CLICK, token, _click_signature, max_length=40, max_id=2**31 - 1
    )


def with_ref(url: str, code: str, click_id: int | None = None) -> str:
    """``url`` with ``ref=<code>`` (and ``ref_click=<token>`` for a counted click) added."""
    parts = urlsplit(url)
    ours = ("ref", "ref_click")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    query.append(("ref", code))
    if click_id is not None:
        query.append(("ref_click", click_token(click_id)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def is_bot(user_agent: str) -> bool:
    """A click that isn't a person's: no User-Agent at all (every browser sends one), or one
    the crawler-user-agents project lists — crawlers, HTTP libraries and link previewers such
    as WhatsApp, Mastodon or Slack, which fetch a link the moment it is shared. Its patterns are
    maintained against real traffic; a substring such as "bot" is not (it dropped CUBOT phones
    and missed WhatsApp). Matching runs ~1,500 patterns, so each verdict is cached."""
    if not user_agent:
        return True
    if len(user_agent) > MAX_CACHED_USER_AGENT:
        return bool(crawleruseragents.is_crawler(user_agent))
    return known_user_agent(user_agent)


@lru_cache(maxsize=USER_AGENT_CACHE_SIZE)
def known_user_agent(user_agent: str) -> bool:
    """``is_bot`` for a User-Agent short enough to cache."""
    return bool(crawleruseragents.is_crawler(user_agent))


def _fallback(landing: str | None, fallback: str | None) -> ClickOutcome:
    return ClickOutcome(location=fallback or landing or get_settings().default_landing_url)


async def _revoked_fallback(session: AsyncSession, code: str) -> ClickOutcome:
    row = (
        await session.execute(
            select(SETTINGS.c.landing_url, SETTINGS.c.fallback_url)
            .select_from(REVOKED)
            .join(SETTINGS, SETTINGS.c.organization_id == REVOKED.c.organization_id)
            .where(REVOKED.c.code == code)
        )
    ).first()
    return _fallback(row.landing_url if row else None, row.fallback_url if row else None)


async def record_click(
    session: AsyncSession,
    code: str,
    *,
    channel: str | None,
    ip: str,
    user_agent: str,
    now: dt.datetime | None = None,
) -> ClickOutcome:
    """Resolve a referral link and, when it is a live code of an advocate who takes part and
    the visitor isn't a bot or a repeat within the window, record one click."""
    if not CODE_PATTERN.match(code):
        return _fallback(None, None)
    rows = await fetch_rows(session, _click_lookup(), {"code": code})
    if not rows:
        return await _revoked_fallback(session, code)
    found = rows[0]
    if found.landing_url is None or found.status == AdvocateStatus.OPTED_OUT:
        return _fallback(found.landing_url, found.fallback_url)
    outcome = ClickOutcome(
        location=with_ref(found.landing_url, code),
        code=code,
        cookie_days=max(int(found.click_to_signup_days), 1),
    )
    if is_bot(user_agent):
        return outcome
    now = now or utcnow()
    window = int(found.click_dedup_minutes)
    params = {
        "organization_id": found.organization_id,
        "advocate_id": found.id,
        "code": code,
        "channel": channel.lower() if channel and CHANNEL_PATTERN.match(channel.lower()) else None,
        "visitor_hash": visitor_hash(ip, user_agent),
        "created_at": now,
        "since": now - dt.timedelta(minutes=window),
        "dedup_bucket": int(now.timestamp()) // (window * 60) if window else None,
    }
    inserted = (await session.execute(_click_insert(dialect_name(session)), params)).first()
    if inserted is None:
        return outcome
    location = with_ref(found.landing_url, code, inserted[0])
    return ClickOutcome(location, outcome.code, outcome.cookie_days, counted=True)


_COLUMNS = [
    "organization_id",
    "advocate_id",
    "code",
    "channel",
    "visitor_hash",
    "created_at",
    "dedup_bucket",
]


@lru_cache(maxsize=4)
def _click_insert(dialect: str) -> Any:
    """``INSERT … SELECT … WHERE NOT EXISTS (a click of this visitor on this code within the
    window) ON CONFLICT DO NOTHING``, built once with bind parameters. The NOT EXISTS gives the
    sliding window; the unique (code, visitor, window bucket) key stops two simultaneous
    repeats from both counting, which a check-then-insert alone can't."""
    repeat = exists().where(
        and_(
            CLICK.c.visitor_hash == bindparam("visitor_hash"),
            CLICK.c.code == bindparam("code"),
            CLICK.c.created_at > bindparam("since", type_=CLICK.c.created_at.type),
        )
    )
    source = select(*(bindparam(name, type_=CLICK.c[name].type) for name in _COLUMNS)).where(
        ~repeat
    )
    conflict = ["code", "visitor_hash", "dedup_bucket"]
    if dialect == "postgresql":
        return (
            postgresql.insert(CLICK)
            .from_select(_COLUMNS, source)
            .on_conflict_do_nothing(index_elements=conflict)
            .returning(CLICK.c.id)
        )
    return (
        sqlite.insert(CLICK)
        .from_select(_COLUMNS, source)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(CLICK.c.id)
    )


@lru_cache(maxsize=1)
def _click_lookup() -> Select[Any]:
    """The advocate a code belongs to and their organization's referral settings (built once:
    the click path is hot; see reads.py)."""
    return (
        select(
            ADVOCATE.c.id,
            ADVOCATE.c.organization_id,
            ADVOCATE.c.status,
            SETTINGS.c.landing_url,
            SETTINGS.c.fallback_url,
            SETTINGS.c.click_dedup_minutes,
            SETTINGS.c.click_to_signup_days,
        )
        .select_from(ADVOCATE)
        .outerjoin(SETTINGS, SETTINGS.c.organization_id == ADVOCATE.c.organization_id)
        .where(ADVOCATE.c.referral_code == bindparam("code"))
    )
