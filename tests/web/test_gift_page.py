"""The gift page over HTTP (no browser): each state, the forms' validation, CSRF, rate
limiting, headers and languages. The browser tests walk the same page in Chromium."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from advocacy.app import create_app
from advocacy.config import get_settings
from advocacy.gifting.models import GiftSendStatus
from advocacy.graphql.schema import build_schema
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.gifting import expire, send_one, setup
from tests.web.gift_data import NOTE, GiftOnOffer, csrf_of, physical_gift, set_status

GIFT_STATUS = "query($token: String!) { gift(token: $token) { status item { name } } }"


async def open_page(http: httpx.AsyncClient, gift: GiftOnOffer) -> str:
    response = await http.get(gift.path)
    assert response.status_code == 200, response.text
    return response.text


async def post(
    http: httpx.AsyncClient, gift: GiftOnOffer, csrf: str, **fields: str
) -> httpx.Response:
    return await http.post(gift.path, data={"csrf": csrf, **fields})


async def status_of(anonymous: Api, gift: GiftOnOffer) -> str:
    return str((await anonymous(GIFT_STATUS, {"token": gift.token}))["gift"]["status"])


async def test_an_offered_gift_shows_note_item_expiry_and_every_choice(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    response = await browser_like.get(gift.path)
    page = response.text
    assert response.status_code == 200
    assert "Test Org sent you a gift" in page and NOTE in page
    assert "Team hoodie" in page and "Organic" in page and "Choose by" in page
    assert 'name="postalCode"' in page  # physical: the address form
    assert "Swap to Enamel mug" in page and "Swap to Coffee card" in page
    assert "Donate to Plant a tree" in page and "decline this gift" in page
    assert "<script" not in page
    headers = response.headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    cookie = headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/gift/" in cookie


async def test_a_gift_card_needs_no_address(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org, anonymous: Api
) -> None:
    ids = await setup(org)
    gift = GiftOnOffer(await send_one(marketer, ids), {})
    page = await open_page(browser_like, gift)
    assert 'name="postalCode"' not in page and "Accept gift" in page
    response = await post(browser_like, gift, csrf_of(page), action="redeem")
    assert response.status_code == 303 and response.headers["location"] == gift.path
    assert await status_of(anonymous, gift) == "REDEEMED"
    redeemed = await open_page(browser_like, gift)
    assert "Your gift is on its way" in redeemed and "by email" in redeemed


async def test_address_errors_sit_next_to_their_fields_and_keep_what_was_typed(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org, anonymous: Api
) -> None:
    gift = await physical_gift(marketer, org)
    csrf = csrf_of(await open_page(browser_like, gift))
    response = await post(
        browser_like, gift, csrf, action="redeem", name="  ", line1="Unter den Linden 1",
        city="", postalCode="10117", country="",
    )  # fmt: skip
    assert response.status_code == 422
    page = response.text
    for field in ("name", "city", "country"):
        assert re.search(rf'id="field-{field}"[^>]*aria-invalid="true"', page), field
        assert f'id="field-{field}-error"' in page
    assert 'value="Unter den Linden 1"' in page and 'value="10117"' in page
    assert 'aria-invalid="true"' not in page.split('id="field-line1"')[1].split(">")[0]
    assert "Please check the highlighted fields" in page
    assert await status_of(anonymous, gift) == "OFFERED"  # nothing half-written


async def test_swap_then_redeem_with_an_address(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org, anonymous: Api
) -> None:
    gift = await physical_gift(marketer, org)
    csrf = csrf_of(await open_page(browser_like, gift))
    swapped = await post(browser_like, gift, csrf, action="swap", item_id=gift.items["mug"])
    assert swapped.status_code == 303 and swapped.headers["location"] == f"{gift.path}?done=swapped"
    page = (await browser_like.get(swapped.headers["location"])).text
    assert "your gift is now Enamel mug" in page
    assert '<option value="GB"' in page and '<option value="DE"' not in page  # ships to GB, US
    address = {"name": "Ada", "line1": "1 Analytical St", "city": "London", "country": "GB"}
    redeemed = await post(browser_like, gift, csrf, action="redeem", **address)
    assert redeemed.status_code == 303
    assert await status_of(anonymous, gift) == "REDEEMED"
    page = await open_page(browser_like, gift)
    assert "Enamel mug" in page and "ship it to the address you gave" in page


async def test_donate_and_decline(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org, anonymous: Api
) -> None:
    donated, declined = await physical_gift(marketer, org), await physical_gift(marketer, org)
    csrf = csrf_of(await open_page(browser_like, donated))
    await post(browser_like, donated, csrf, action="donate", item_id=donated.items["charity"])
    assert "sending your donation to Plant a tree" in await open_page(browser_like, donated)
    csrf = csrf_of(await open_page(browser_like, declined))
    assert (await post(browser_like, declined, csrf, action="decline")).status_code == 303
    assert await status_of(anonymous, declined) == "DECLINED"
    assert "You declined this gift" in await open_page(browser_like, declined)


async def test_a_post_after_the_gift_moved_on_shows_where_it_stands(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    csrf = csrf_of(await open_page(browser_like, gift))
    await post(browser_like, gift, csrf, action="decline")
    again = await post(browser_like, gift, csrf, action="swap", item_id=gift.items["card"])
    assert again.status_code == 409
    assert "can no longer be changed" in again.text and "You declined this gift" in again.text


async def test_expired_and_invalid_links(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    await expire(gift.sent)
    page = await open_page(browser_like, gift)
    assert "This gift has expired" in page and "Swap to" not in page
    unknown = await browser_like.get("/gift/not-a-real-token")
    other = await browser_like.get("/gift/" + "x" * 40)
    assert unknown.status_code == other.status_code == 404
    assert "This link isn&#39;t valid" in unknown.text
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", unknown.text) == strip.sub("", other.text)  # nothing to tell apart


async def test_a_link_awaiting_approval_looks_like_an_unknown_one(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    await set_status(gift, GiftSendStatus.PENDING_APPROVAL)
    response = await browser_like.get(gift.path)
    assert response.status_code == 404 and "This link isn&#39;t valid" in response.text


@pytest.mark.parametrize(
    ("status", "title", "next_step"),
    [
        (GiftSendStatus.FULFILLING, "Your gift is on its way", "ship it to the address"),
        (GiftSendStatus.FULFILLED, "Your gift has been delivered", "has been shipped to you"),
        (GiftSendStatus.FAILED, "couldn&#39;t deliver your gift", "Test Org has been told"),
        (GiftSendStatus.CANCELLED, "no longer available", "withdrew this offer"),
    ],
)
async def test_every_later_state_has_its_own_page(
    browser_like: httpx.AsyncClient,
    marketer: Api,
    org: Org,
    status: GiftSendStatus,
    title: str,
    next_step: str,
) -> None:
    gift = await physical_gift(marketer, org)
    await set_status(gift, status)
    page = await open_page(browser_like, gift)
    assert title in page and next_step in page and "Team hoodie" in page
    assert f'data-state="{status}"' in page and "<form" not in page


@pytest.mark.parametrize(
    "headers",
    [{}, {"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}],
    ids=["no-field", "foreign-origin", "cross-site"],
)
async def test_posts_without_our_csrf_token_or_from_elsewhere_change_nothing(
    browser_like: httpx.AsyncClient,
    marketer: Api,
    org: Org,
    anonymous: Api,
    headers: dict[str, str],
) -> None:
    gift = await physical_gift(marketer, org)
    csrf = csrf_of(await open_page(browser_like, gift))
    data = {"action": "decline"} if not headers else {"action": "decline", "csrf": csrf}
    response = await browser_like.post(gift.path, data=data, headers=headers)
    assert response.status_code == 403 and "didn&#39;t change anything" in response.text
    assert await status_of(anonymous, gift) == "OFFERED"


async def test_a_csrf_token_of_another_gift_or_browser_is_refused(
    browser_like: httpx.AsyncClient, client: httpx.AsyncClient, marketer: Api, org: Org,
    anonymous: Api,
) -> None:  # fmt: skip
    mine, theirs = await physical_gift(marketer, org), await physical_gift(marketer, org)
    their_csrf = csrf_of(await open_page(browser_like, theirs))
    await open_page(browser_like, mine)
    response = await post(browser_like, mine, their_csrf, action="decline")
    assert response.status_code == 403
    async with httpx.AsyncClient(transport=client._transport, base_url="http://test") as other:
        response = await post(other, mine, their_csrf, action="decline")  # no cookie at all
    assert response.status_code == 403
    assert await status_of(anonymous, mine) == "OFFERED"


@pytest.fixture
async def limited_app(configure: Callable[..., None]) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a limit of 3 misses per client and window, and a client of it."""
    configure(gift_link_misses=3, gift_link_window_seconds=600)
    app = create_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await app.state.gift_attempts.close()


async def test_past_the_limit_of_unknown_links_every_link_is_refused(
    limited_app: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    """Hits included: otherwise a 200 among the 429s would tell a guesser they found one."""
    http = limited_app
    gift = await physical_gift(marketer, org)
    csrf = csrf_of(await open_page(http, gift))  # opening a real link costs nothing
    for attempt in range(3):
        assert (await http.get(f"/gift/guess-{attempt}")).status_code == 404
    limited = await http.get("/gift/guess-4")
    assert limited.status_code == 429 and "Too many attempts" in limited.text
    assert 0 < int(limited.headers["retry-after"]) <= 600
    assert limited.headers["content-security-policy"].startswith("default-src 'none'")
    assert (await http.get(gift.path)).status_code == 429
    assert (await post(http, gift, csrf, action="decline")).status_code == 429


async def test_the_api_counts_the_same_misses(
    limited_app: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    """``gift(token)`` and the moves on /graphql share the page's brake (aliases included)."""
    http = limited_app
    gift = await physical_gift(marketer, org)
    guesses = " ".join(f'g{n}: gift(token: "guess-{n}") {{ status }}' for n in range(4))
    answer = (await http.post("/graphql", json={"query": f"{{ {guesses} }}"})).json()
    assert answer["data"]["g0"] is None and answer["data"]["g2"] is None
    assert answer["errors"][0]["extensions"]["code"] == "RATE_LIMITED"  # the 4th guess
    real = await http.post(
        "/graphql", json={"query": GIFT_STATUS, "variables": {"token": gift.token}}
    )
    assert real.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    page = await http.get(gift.path)
    assert page.status_code == 429


async def test_refused_moves_count_and_cross_site_posts_do_not(
    limited_app: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    http = limited_app
    gift = await physical_gift(marketer, org)
    csrf = csrf_of(await open_page(http, gift))
    for _ in range(10):  # another site's forms can't use up an advocate's attempts
        refused = await http.post(gift.path, data={"action": "decline"})
        assert refused.status_code == 403
    assert (await post(http, gift, csrf, action="decline")).status_code == 303
    for _ in range(2):  # the link is used up now: each move on it is a miss
        assert (await post(http, gift, csrf, action="decline")).status_code == 409
    # The third miss reaches the limit: from then on, this client's gift links are refused.
    assert (await post(http, gift, csrf, action="decline")).status_code == 429
    assert (await http.get(gift.path)).status_code == 429


async def test_the_page_speaks_german_when_asked(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    gift = await physical_gift(marketer, org)
    by_header = await browser_like.get(gift.path, headers={"accept-language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in by_header.text
    assert "Test Org hat dir ein Geschenk geschickt" in by_header.text
    by_choice = await browser_like.get(f"{gift.path}?lang=de", headers={"accept-language": "en"})
    assert (
        "Geschenk annehmen" in by_choice.text and f'action="{gift.path}?lang=de"' in by_choice.text
    )
    english = await browser_like.get(gift.path, headers={"accept-language": "fr, en;q=0.5"})
    assert '<html lang="en">' in english.text


async def test_the_page_works_in_trusted_documents_mode(
    configure: Callable[..., None], marketer: Api, org: Org, anonymous: Api
) -> None:
    """Its documents are the operation files' own text, so the mode lets them through while
    an ad-hoc query on the same app is refused."""
    configure(trusted_documents=True)
    app = create_app(build_schema(get_settings()))
    gift = await physical_gift(marketer, org)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        page = await open_page(http, gift)
        assert "Team hoodie" in page
        declined = await post(http, gift, csrf_of(page), action="decline")
        assert declined.status_code == 303
        assert "You declined this gift" in await open_page(http, gift)
        ad_hoc = await http.post("/graphql", json={"query": GIFT_STATUS, "variables": {}})
        assert ad_hoc.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
    await app.state.gift_attempts.close()


async def test_what_marketers_typed_is_shown_as_text_never_as_markup(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    ids = await setup(
        org,
        name="<script>alert(1)</script>",
        description='"><img src=x onerror=alert(2)>',
        image_url='https://img.example/a.png" onerror="alert(3)',
    )
    gift = GiftOnOffer(await send_one(marketer, ids, message="<b>hi</b> & bye"), {})
    page = await open_page(browser_like, gift)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>hi" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        and "&lt;b&gt;hi&lt;/b&gt; &amp; bye" in page
    )
    assert 'onerror="alert(3)' not in page


async def test_a_gift_waiting_for_reconciliation_is_on_its_way_for_the_advocate(
    browser_like: httpx.AsyncClient, marketer: Api, org: Org
) -> None:
    """The provider's answer is unknown (a time-out): the order may be placed, so the advocate
    is told it's on its way — never that it failed; the reconciling is the marketer's job."""
    gift = await physical_gift(marketer, org)
    await set_status(gift, GiftSendStatus.NEEDS_RECONCILIATION)
    page = await open_page(browser_like, gift)
    assert "Your gift is on its way" in page and "ship it to the address" in page
    assert 'data-state="FULFILLING"' in page and "<form" not in page
    assert "RECONCILIATION" not in page and "couldn&#39;t deliver" not in page
