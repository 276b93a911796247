"""Which referral clicks are people: the maintained crawler-user-agents patterns decide, with a
bounded cache per User-Agent.

Our own regular expression counted link previews that carry no "bot" in their name (WhatsApp,
Mastodon, both fetch every shared link at once) as clicks, and dropped real phones whose brand
contains "bot" (CUBOT), so a campaign shared in a chat had inflated and deflated funnels at once.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from advocacy.kit.db import unit_of_work
from advocacy.referrals import clicks
from advocacy.referrals.clicks import is_bot
from advocacy.referrals.models import ReferralClick
from tests.conftest import Org
from tests.referrals.conftest import Program, click

WHATSAPP = "WhatsApp/2.23.20.0 A"
MASTODON = "Mastodon/4.2.0 (+https://mastodon.social/)"
FACEBOOK = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
CUBOT = (
    "Mozilla/5.0 (Linux; Android 12; CUBOT KINGKONG 7 Build/SP1A.210812.016) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
PREVIEWS_AND_CRAWLERS = [
    WHATSAPP,
    MASTODON,
    FACEBOOK,
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "curl/8.4.0",
    "python-requests/2.31.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36",
    "",
]
PEOPLE = [
    CUBOT,
    IPHONE,
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
]


@pytest.mark.parametrize("user_agent", PREVIEWS_AND_CRAWLERS)
def test_link_previews_and_crawlers_are_bots(user_agent: str) -> None:
    assert is_bot(user_agent)


@pytest.mark.parametrize("user_agent", PEOPLE)
def test_browsers_and_phones_are_people(user_agent: str) -> None:
    assert not is_bot(user_agent)


def test_the_verdict_is_cached_per_user_agent_and_the_cache_is_bounded() -> None:
    clicks.known_user_agent.cache_clear()
    assert is_bot(WHATSAPP) and is_bot(WHATSAPP) and not is_bot(IPHONE)
    info = clicks.known_user_agent.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 2, 2)
    assert info.maxsize == clicks.USER_AGENT_CACHE_SIZE
    over_long = IPHONE + " " + "x" * clicks.MAX_CACHED_USER_AGENT
    assert not is_bot(over_long)  # judged, but never cached: the cache holds short keys only
    assert clicks.known_user_agent.cache_info().currsize == 2


async def counted(org: Org) -> int:
    async with unit_of_work() as session:
        return int(
            await session.scalar(
                select(func.count()).where(ReferralClick.organization_id == org.id)
            )
            or 0
        )


async def test_a_link_shared_in_chats_counts_the_people_not_the_previews(
    client: httpx.AsyncClient, referral_program: Program, org: Org
) -> None:
    for preview in (WHATSAPP, MASTODON, FACEBOOK):
        response = await click(client, referral_program.code, user_agent=preview)
        assert response.status_code == 302  # a preview still lands, it just doesn't count
    assert await counted(org) == 0
    for person in (CUBOT, IPHONE):
        assert (await click(client, referral_program.code, user_agent=person)).status_code == 302
    assert await counted(org) == 2
