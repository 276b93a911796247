"""The unsubscribe page, ``/u/{token}``, over HTTP: it is rendered like the gift page (shared
headers, so it can't be framed to clickjack its one button; no inline style; the visitor's
language), its button is CSRF-protected like the gift page's forms, and a mail client's
one-click POST (RFC 8058) still unsubscribes."""

from __future__ import annotations

import re

import httpx
import pytest

from advocacy.advocates.models import Advocate
from advocacy.engagement.unsubscribe import unsubscribe_token
from advocacy.kit.db import unit_of_work
from tests.conftest import Org
from tests.engagement.unsubscribe_data import ONE_CLICK
from tests.fixtures.factories import make_advocate


async def link_of(org: Org) -> tuple[int, str]:
    advocate = await make_advocate(org.id)
    return advocate.id or 0, f"/u/{unsubscribe_token(advocate.id or 0)}"


async def unsubscribed(advocate_id: int) -> bool:
    async with unit_of_work() as session:
        advocate = await session.get(Advocate, advocate_id)
        assert advocate is not None
        return advocate.unsubscribed_at is not None and advocate.nudges_opt_out


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def test_the_page_cannot_be_framed_and_allows_no_inline_style(
    browser_like: httpx.AsyncClient, org: Org
) -> None:
    _, link = await link_of(org)
    for response in (await browser_like.get(link), await browser_like.get("/u/nonsense")):
        assert response.headers["x-frame-options"] == "DENY"
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "style-src 'self'" in policy and "unsafe-inline" not in policy
        assert "default-src 'none'" in policy
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "<style" not in response.text and "style=" not in response.text
        assert '<link rel="stylesheet" href="/static/gift.css">' in response.text
    assert (await browser_like.get("/static/gift.css")).status_code == 200


async def test_the_page_speaks_the_visitors_language(
    browser_like: httpx.AsyncClient, org: Org
) -> None:
    _, link = await link_of(org)
    german = await browser_like.get(link, headers={"accept-language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in german.text
    assert "Diese E-Mails abbestellen?" in german.text and ">Abbestellen</button>" in german.text
    english = await browser_like.get(link, headers={"accept-language": "en-GB"})
    assert "Unsubscribe from these emails?" in english.text and "Test Org" in english.text
    chosen = await browser_like.get(link + "?lang=de", headers={"accept-language": "en"})
    assert '<html lang="de">' in chosen.text and f'action="{link}?lang=de"' in chosen.text
    invalid = await browser_like.get("/u/nonsense", headers={"accept-language": "de"})
    assert invalid.status_code == 404 and "Dieser Link ist ungültig" in invalid.text


async def test_the_button_unsubscribes_with_its_csrf_field_and_only_then(
    browser_like: httpx.AsyncClient, org: Org
) -> None:
    advocate_id, link = await link_of(org)
    page = await browser_like.get(link)
    assert page.status_code == 200 and not await unsubscribed(advocate_id)  # GET changes nothing
    csrf = csrf_of(page.text)
    refused = [
        await browser_like.post(link),  # no field (and no one-click body)
        await browser_like.post(link, data={"csrf": "forged"}),
        await browser_like.post(
            link, data={"csrf": csrf}, headers={"origin": "https://evil.example"}
        ),
        await browser_like.post(
            link, data={**ONE_CLICK}, headers={"sec-fetch-site": "cross-site"}
        ),  # a page of another site posting the one-click body is no mail client
    ]
    assert [response.status_code for response in refused] == [403, 403, 403, 403]
    assert "change anything" in refused[0].text
    assert not await unsubscribed(advocate_id)
    done = await browser_like.post(link, data={"csrf": csrf})
    assert done.status_code == 200 and "unsubscribed" in done.text and "<button" not in done.text
    assert await unsubscribed(advocate_id)
    again = await browser_like.get(link)  # a second visit says so instead of asking again
    assert "unsubscribed" in again.text and "<button" not in again.text


async def test_a_csrf_field_of_another_link_is_refused(
    browser_like: httpx.AsyncClient, org: Org
) -> None:
    mine, my_link = await link_of(org)
    _, their_link = await link_of(org)
    their_csrf = csrf_of((await browser_like.get(their_link)).text)
    refused = await browser_like.post(my_link, data={"csrf": their_csrf})
    assert refused.status_code == 403 and not await unsubscribed(mine)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
async def test_a_mail_clients_one_click_post_unsubscribes(
    client: httpx.AsyncClient, org: Org, encoding: str
) -> None:
    """RFC 8058: the mail provider's server POSTs ``List-Unsubscribe=One-Click``, without a
    cookie; its section 3.2 example is multipart, others send a urlencoded form."""
    advocate_id, link = await link_of(org)
    if encoding == "urlencoded":
        response = await client.post(link, data=ONE_CLICK)
    else:
        response = await client.post(link, files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200 and await unsubscribed(advocate_id)
