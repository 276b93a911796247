"""GET /r/{code}: a counted click, a cookie, and a redirect only ever to the configured URL."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from advocacy.kit.db import unit_of_work
from advocacy.referrals.clicks import click_id_from_token, with_ref
from advocacy.referrals.models import ReferralClick
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.tokens import non_canonical_spellings
from tests.referrals.conftest import BROWSER, LANDING, Program, click

REGENERATE = """
mutation($id: ID!) {
  regenerateReferralCode(input: {advocateId: $id}) {
    advocate { referralCode referralLink } errors { field code }
  }
}
"""


async def clicks_of(org: Org) -> list[ReferralClick]:
    async with unit_of_work() as session:
        rows = await session.scalars(
            select(ReferralClick).where(ReferralClick.organization_id == org.id)
        )
        return list(rows)


async def test_a_click_is_counted_sets_the_cookie_and_lands_with_the_code(
    client: httpx.AsyncClient, referral_program: Program, org: Org
) -> None:
    response = await click(client, referral_program.code, channel="LinkedIn")
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert location.geturl().startswith("https://shop.example.com/welcome?")
    query = parse_qs(location.query)
    assert query["utm_source"] == ["advocacy"] and query["ref"] == [referral_program.code]
    [token] = query["ref_click"]  # hands the signup its visitor's click
    assert click_id_from_token(token) is not None and click_id_from_token(token + "0") is None
    cookie = response.headers["set-cookie"]
    assert f"advocacy_ref={referral_program.code}" in cookie and "Max-Age=2592000" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    [recorded] = await clicks_of(org)
    assert recorded.channel == "linkedin" and recorded.advocate_id == referral_program.referrer.id
    assert len(recorded.visitor_hash) == 64 and "127.0.0.1" not in recorded.visitor_hash


async def test_a_click_token_is_valid_only_with_its_id_written_canonically(
    client: httpx.AsyncClient, referral_program: Program
) -> None:
    response = await click(client, referral_program.code)
    [token] = parse_qs(urlsplit(response.headers["location"]).query)["ref_click"]
    assert click_id_from_token(token) is not None
    for variant in non_canonical_spellings(token):
        assert click_id_from_token(variant) is None, variant


async def test_repeats_and_bots_count_once_and_never(
    client: httpx.AsyncClient, referral_program: Program, org: Org
) -> None:
    for _ in range(3):
        assert (await click(client, referral_program.code)).status_code == 302
    for bot in ("Googlebot/2.1", "curl/8.0", "facebookexternalhit/1.1", ""):
        response = await click(client, referral_program.code, user_agent=bot)
        assert response.status_code == 302  # bots still land, they just don't count
    await click(client, referral_program.code, user_agent=BROWSER + " Firefox/133")
    assert len(await clicks_of(org)) == 2


async def test_a_regenerated_code_replaces_the_old_one_at_once(
    client: httpx.AsyncClient, marketer: Api, referral_program: Program, org: Org
) -> None:
    old = referral_program.code
    result = (await marketer(REGENERATE, {"id": referral_program.referrer_gid}))[
        "regenerateReferralCode"
    ]
    new = result["advocate"]["referralCode"]
    assert new != old and result["advocate"]["referralLink"].endswith(f"/r/{new}")
    revoked = await click(client, old)
    assert revoked.status_code == 302
    assert revoked.headers["location"] == "https://shop.example.com/"  # the org's fallback
    assert "set-cookie" not in revoked.headers
    assert await clicks_of(org) == []
    landed = (await click(client, new)).headers["location"]
    [recorded] = await clicks_of(org)
    assert landed == with_ref(LANDING, new, recorded.id)


@pytest.mark.parametrize(
    "path",
    [
        "unknown-code",
        "%2F%2Fevil.example",
        "..%2F..%2Fevil",
        "abc%0d%0aLocation:%20https://evil.example",
        "https:%2F%2Fevil.example",
        "a" * 200,
    ],
)
async def test_the_redirect_never_leaves_the_configured_urls(
    client: httpx.AsyncClient, referral_program: Program, org: Org, path: str
) -> None:
    response = await client.get(f"/r/{path}", headers={"user-agent": BROWSER})
    # unknown codes belong to no organization: with no default landing URL set, a 404
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response.headers["location"].startswith("https://shop.example.com/")
    assert "evil" not in response.headers.get("location", "")
    assert "set-cookie" not in response.headers
    assert await clicks_of(org) == []


async def test_with_a_default_landing_url_unknown_codes_go_there(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advocacy.config import get_settings

    monkeypatch.setenv("ADVOCACY_DEFAULT_LANDING_URL", "https://www.example.com/")
    get_settings.cache_clear()
    try:
        response = await client.get("/r/nobody-has-this", headers={"user-agent": BROWSER})
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert (
        response.status_code == 302 and response.headers["location"] == "https://www.example.com/"
    )


async def test_clicks_are_counted_in_the_advocates_funnel(
    client: httpx.AsyncClient, marketer: Api, referral_program: Program
) -> None:
    await click(client, referral_program.code)
    stats = await marketer(
        "query($id: ID!) { advocate(id: $id) { referralStats { clicks signups conversions } } }",
        {"id": referral_program.referrer_gid},
    )
    assert stats["advocate"]["referralStats"] == {"clicks": 1, "signups": 0, "conversions": 0}
    async with unit_of_work() as session:
        total = await session.scalar(select(func.count()).select_from(ReferralClick))
    assert (total or 0) >= 1


async def test_simultaneous_repeats_of_one_visitor_count_once(
    client: httpx.AsyncClient, referral_program: Program, org: Org, database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    for _ in range(5):
        await asyncio.gather(*(click(client, referral_program.code) for _ in range(8)))
    assert len(await clicks_of(org)) == 1


async def test_referral_stats_of_a_whole_page_cost_a_fixed_number_of_statements(
    marketer: Api, referral_program: Program, org: Org
) -> None:
    from tests.fixtures.factories import make_advocate
    from tests.fixtures.statements import count_statements

    for _ in range(4):
        await make_advocate(org.id)
    query = "{ advocates(first: 20) { nodes { referralStats { clicks signups conversions } } } }"
    with count_statements() as few:
        await marketer(query.replace("20", "2"))
    with count_statements() as many:
        result = await marketer(query)
    assert len(result["advocates"]["nodes"]) == 5
    assert many["SELECT"] == few["SELECT"]  # one batch per statistic, not one per advocate
