"""The marketer dashboard in a real browser against ``advocacy serve``: sign in with a marketer
token, pick the program, see exactly the seeded KPIs (as text tiles, in the charts' text
alternatives and in Chart.js's own data), page and filter the lists, send a gift (a field
error first), approve the pending milestone, and watch the KPIs follow live over the
subscription; then sign out.

The server runs in trusted-documents mode: it executes only the documents of
``frontend-schema/operations/``, so every request the page makes proves it sends them verbatim.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import update
from sqlmodel import col

from advocacy.gifting.models import GiftSend, GiftSendStatus
from advocacy.kit.db import unit_of_work
from advocacy.tenancy.models import Role
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.browser import PHONE, screenshot_path
from tests.fixtures.database import TEST_REDIS_URL_ENV
from tests.fixtures.processes import (
    Process,
    Processes,
    running_processes,
    service_env,
)
from tests.fixtures.provider_server import free_port
from tests.web.accessibility import axe_violations
from tests.web.dashboard_data import PROGRAM, Seeded, seed_dashboard

CHART_DATA = """() => Object.fromEntries(
  ["funnel", "gifts", "budget", "advocates", "leaders"].map((name) => {
    const chart = Chart.getChart(document.querySelector(`#chart-${name} canvas`));
    return [name, { labels: chart.data.labels, data: chart.data.datasets.map((d) => d.data) }];
  }))"""
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
GIFT_COLUMNS = ["offered", "redeemed", "donated", "fulfilled", "declined", "expired", "cancelled"]


class DashboardServer:
    """``advocacy serve`` in trusted-documents mode on a port of its own, which a test can
    stop and start again (the dashboard must reconnect to it)."""

    def __init__(self, processes: Processes, env: dict[str, str]) -> None:
        self.processes = processes
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Process | None = None

    async def start(self) -> None:
        self.process, _ = await self.processes.api(self.env, port=self.port)

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()

    async def graphql(self, token: str, name: str, variables: dict[str, Any]) -> Any:
        """Run one of the dashboard's documents on this server (so its live bus hears it)."""
        async with httpx.AsyncClient(base_url=self.url) as client:
            served = (await client.get("/dashboard/operations.json")).json()
            response = await client.post(
                "/graphql",
                json={"query": served[name], "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture(scope="module")
async def server(
    database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DashboardServer]:
    env = service_env(database, os.environ[TEST_REDIS_URL_ENV], trusted_documents="true")
    with running_processes(tmp_path_factory.mktemp("dashboard")) as processes:
        started = DashboardServer(processes, env)
        await started.start()
        async with httpx.AsyncClient(base_url=started.url) as client:
            refused = (await client.post("/graphql", json={"query": "{ __typename }"})).json()
        assert refused.get("errors"), f"not in trusted-documents mode: {refused}"
        yield started


@pytest.fixture(scope="module")
def base_url(server: DashboardServer) -> str:
    return server.url


async def bucket_row(page: Page, chart: str, day: str) -> list[str]:
    """The cells of the text alternative's row for the bucket starting on ``day``."""
    row = page.locator(f"#chart-{chart} table tbody tr").filter(
        has=page.locator("th", has_text=day)
    )
    return await row.locator("td").all_inner_texts()


async def expect_tiles(page: Page, **values: str) -> None:
    for key, value in values.items():
        await expect(page.locator(f"[data-kpi={key}] .value")).to_have_text(value)


async def sign_in(page: Page, base_url: str, token: str) -> None:
    await page.emulate_media(reduced_motion="reduce")
    await page.goto(f"{base_url}/dashboard")
    await page.get_by_label("API token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#org-name")).to_contain_text("Marketer")


async def pick_program(page: Page) -> None:
    """Pick the seeded program once the one shown first has had its first live update, so the
    switch cancels subscriptions that wait rather than ones in the middle of a query (which,
    server-side, can leave a pooled database connection unusable for a later request)."""
    await expect(page.locator("#stats-updated")).not_to_have_attribute("data-pushes", "0")
    await page.get_by_label("Program", exact=True).select_option(label=PROGRAM)
    await expect(page.locator("#stats-updated")).not_to_have_attribute("data-pushes", "0")


async def check_seeded_numbers(page: Page, seeded: Seeded) -> None:
    await expect_tiles(
        page,
        advocates="4",
        active="2",
        lapsed="2",
        approved="3",
        points="225",
        clicks="4",
        signups="2",
        conversions="1",
        offered="5",
        spent="$25.00",
        remaining="$925.00",
    )
    await expect(page.locator("[data-kpi=conversions] .detail")).to_have_text(
        "$120.00 referred revenue"
    )
    charts: dict[str, Any] = await page.evaluate(CHART_DATA)
    assert charts["funnel"] == {"labels": ["Clicks", "Signups", "Conversions"], "data": [[4, 2, 1]]}
    assert charts["budget"] == {
        "labels": ["Spent", "Reserved", "Remaining"],
        "data": [[2500, 5000, 92500]],
    }
    assert charts["leaders"] == {"labels": ["Ada Lovelace", "Ben Franklin"], "data": [[150, 75]]}
    gifts = charts["gifts"]["data"]
    assert len(charts["gifts"]["labels"]) == 30
    assert [sum(values) for values in gifts] == [5, 2, 0, 1, 1, 0, 1, 0]
    assert gifts[0][-1] == 3  # offered today; the other two three days ago
    active, lapsed = charts["advocates"]["data"]
    assert (active[-1], lapsed[-1]) == (2, 2)

    funnel = page.locator("#chart-funnel canvas")
    await expect(funnel).to_have_attribute(
        "aria-label", "Referral funnel: 4 clicks, 2 signups, 1 conversions."
    )
    await expect(page.locator("#chart-budget canvas")).to_have_attribute(
        "aria-label",
        "Budget $1,000.00: $25.00 spent, $50.00 reserved, $925.00 remaining; "
        "$25.00 spent in the period.",
    )
    earlier = await bucket_row(page, "gifts", seeded.backdated_day.isoformat())
    assert earlier[: len(GIFT_COLUMNS)] == ["2", "0", "0", "0", "1", "0", "1"]
    leaders = page.locator("#chart-leaders table tbody tr")
    assert await leaders.all_inner_texts() == ["1\tAda Lovelace\t150\t2", "2\tBen Franklin\t75\t1"]


async def check_lists(page: Page) -> None:
    sends = page.locator("#sends tbody tr")
    await expect(sends).to_have_count(5)
    await page.locator("#sends-status").select_option("DECLINED")
    await expect(sends).to_have_count(1)
    await expect(sends.first).to_contain_text("Dan Brown")
    await expect(sends.first).to_contain_text("Book voucher")
    await page.locator("#sends-status").select_option("")
    await expect(sends).to_have_count(5)

    advocates = page.locator("#advocates tbody tr")
    pager = page.locator("section", has=page.locator("#advocates")).locator(".pager")
    await page.locator("#advocates-page-size").select_option("5")
    await expect(advocates).to_have_count(5)
    await expect(pager.locator("[data-pager=text]")).to_have_text("1\u20135 of 6")
    await pager.get_by_role("button", name="Next").click()
    await expect(advocates).to_have_count(1)
    await expect(advocates.first).to_contain_text("Fay Wray")
    await pager.get_by_role("button", name="Previous").click()
    await expect(advocates.first).to_contain_text("Ada Lovelace")
    await page.locator("#advocates-search").fill("cleo")
    await expect(advocates).to_have_count(1)
    await expect(advocates.first).to_contain_text("Lapsed")
    await page.locator("#advocates-search").fill("")
    await expect(advocates).to_have_count(5)


async def send_gifts(page: Page, seeded: Seeded) -> None:
    form = page.locator("#send-gift")
    await form.get_by_label("Gift").select_option(seeded.items["Coffee card"])
    await form.get_by_label("Find an advocate").fill("fay")
    advocate = form.get_by_label("Advocate", exact=True)
    await expect(advocate.locator("option")).to_have_count(2)
    await advocate.select_option(seeded.advocates["Fay"])
    await form.get_by_role("button", name="Send gift").click()
    await expect(page.locator("#send-advocate-error")).to_have_text("the advocate has opted out")
    await expect(advocate).to_have_attribute("aria-invalid", "true")
    await page.screenshot(path=screenshot_path("dashboard", "field-error"), full_page=True)

    await form.get_by_label("Find an advocate").fill("eve")
    await expect(advocate.locator(f"option[value='{seeded.advocates['Eve']}']")).to_have_count(1)
    await advocate.select_option(seeded.advocates["Eve"])
    await form.get_by_label("Message").fill("Thanks for the talk!")
    await form.get_by_role("button", name="Send gift").click()
    await expect(page.locator("#send-result")).to_have_text("Sent Coffee card to Eve Online.")
    await expect(page.locator("#send-advocate-error")).to_be_hidden()
    sends = page.locator("#sends tbody tr")
    await expect(sends).to_have_count(6)
    await expect(sends.first).to_contain_text("Eve Online")
    await expect(sends.first).to_contain_text("Offered")
    # The page asked for no new numbers: these come from programStatsUpdated.
    await expect_tiles(page, offered="6", advocates="5", active="3", remaining="$900.00")
    await expect(page.locator("[data-kpi=remaining] .detail")).to_have_text("$75.00 reserved")


async def approve_milestone(page: Page, seeded: Seeded) -> None:
    pending = page.locator("#milestones tbody tr")
    await expect(pending).to_have_count(1)
    await expect(pending.first).to_have_attribute("data-milestone-id", seeded.pending_milestone_id)
    await page.get_by_role("button", name="Approve Cleo Patra's case study").click()
    await expect(page.locator("#milestones-message")).to_have_text(
        "Approved Cleo Patra's case study: 200 points."
    )
    await expect(pending).to_have_count(0)
    await expect(page.locator("#milestones-empty")).to_be_visible()
    await expect_tiles(page, approved="4", points="425", active="4", lapsed="1")
    leaders = page.locator("#chart-leaders table tbody tr")
    await expect(leaders.first.locator("th, td")).to_have_text(["1", "Cleo Patra", "200", "1"])


async def test_a_marketer_watches_and_runs_a_program(
    page: Page, base_url: str, org: Org, marketer: Api, anonymous: Api, job_engine: None
) -> None:
    seeded = await seed_dashboard(org, marketer, anonymous)
    await sign_in(page, base_url, org.tokens[Role.MARKETER])
    assert await page.evaluate("() => window.location.search + window.location.hash") == ""
    await expect(page.locator("#live-status")).to_have_text("Live")

    await pick_program(page)
    await check_seeded_numbers(page, seeded)
    assert await page.evaluate(NO_SIDEWAYS_SCROLL)
    await page.screenshot(path=screenshot_path("dashboard", "phone-kpis"), full_page=True)
    await check_lists(page)
    await send_gifts(page, seeded)
    await approve_milestone(page, seeded)

    await page.get_by_label("Period", exact=True).select_option("12w")
    await page.wait_for_function(
        "() => Chart.getChart(document.querySelector('#chart-gifts canvas')).data.labels.length"
        " === 12"
    )
    await expect(page.locator("#period-text")).to_contain_text("the last 12 weeks")
    await expect_tiles(page, offered="6", approved="4")

    await page.set_viewport_size({"width": 1280, "height": 900})
    assert await page.evaluate(NO_SIDEWAYS_SCROLL)
    await page.screenshot(path=screenshot_path("dashboard", "desktop"), full_page=True)
    assert await page.evaluate("() => sessionStorage.length") > 0
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_label("API token")).to_be_visible()
    await expect(page.locator("#app")).to_be_hidden()
    assert await page.evaluate("() => sessionStorage.length") == 0


async def test_a_bad_token_is_refused_and_kept_nowhere(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/dashboard")
    await page.get_by_label("API token").fill("adv_not-a-real-token")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#token-error")).to_have_text(
        "That token isn't valid, or it was revoked."
    )
    await expect(page.locator("#app")).to_be_hidden()
    assert await page.evaluate("() => sessionStorage.length") == 0


async def test_a_viewer_sees_the_numbers_but_no_buttons(
    page: Page, base_url: str, org: Org, marketer: Api, anonymous: Api, job_engine: None
) -> None:
    await seed_dashboard(org, marketer, anonymous)
    await page.emulate_media(reduced_motion="reduce")
    await page.goto(f"{base_url}/dashboard")
    await page.get_by_label("API token").fill(org.tokens[Role.VIEWER])
    await page.get_by_role("button", name="Sign in").click()
    await pick_program(page)
    await expect_tiles(page, offered="5", points="225")
    await expect(page.locator("#milestones tbody tr")).to_have_count(1)
    await expect(page.get_by_role("button", name="Approve Cleo Patra's case study")).to_have_count(
        0
    )
    await expect(page.locator("#send-gift")).to_be_hidden()


async def test_the_dashboard_passes_the_accessibility_rules(
    browser: Browser, base_url: str, org: Org, marketer: Api, anonymous: Api, job_engine: None
) -> None:
    """axe-core (WCAG 2.1 A/AA) on the sign-in form, the filled dashboard and the send form
    showing a field error, on a phone and on a desktop."""
    seeded = await seed_dashboard(org, marketer, anonymous)
    for viewport in (PHONE, {"width": 1280, "height": 800}):
        context = await browser.new_context(viewport=viewport, bypass_csp=True)
        page = await context.new_page()
        await page.emulate_media(reduced_motion="reduce")
        await page.goto(f"{base_url}/dashboard")
        await expect(page.get_by_label("API token")).to_be_visible()
        assert await axe_violations(page) == [], "sign-in"
        await page.get_by_label("API token").fill(org.tokens[Role.MARKETER])
        await page.get_by_role("button", name="Sign in").click()
        await pick_program(page)
        await expect_tiles(page, offered="5")
        await expect(page.locator("#sends tbody tr")).to_have_count(5)
        await expect(page.locator("#milestones tbody tr")).to_have_count(1)
        assert await axe_violations(page) == [], "dashboard"
        form = page.locator("#send-gift")
        await form.get_by_label("Advocate", exact=True).select_option(seeded.advocates["Fay"])
        await form.get_by_role("button", name="Send gift").click()
        await expect(page.locator("#send-item-error")).to_be_visible()
        assert await axe_violations(page) == [], "field errors"
        await context.close()


async def test_the_dashboard_reconnects_and_stays_live(
    context: BrowserContext,
    server: DashboardServer,
    org: Org,
    marketer: Api,
    anonymous: Api,
    job_engine: None,
) -> None:
    """The server goes away and comes back: the page says so, reconnects on its own (with
    backoff), subscribes again, and the next change shows without a reload. (Its own page:
    the browser logs each refused connection attempt, which the ``page`` fixture would fail.)"""
    page = await context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    seeded = await seed_dashboard(org, marketer, anonymous)
    await sign_in(page, server.url, org.tokens[Role.MARKETER])
    await pick_program(page)
    await expect_tiles(page, offered="5")
    live = page.locator("#live-status")
    await expect(live).to_have_text("Live")
    server.stop()
    await expect(live).to_contain_text("Reconnecting")
    await server.start()
    await expect(live).to_have_text("Live", timeout=20_000)
    send = {
        "programId": seeded.program_id,
        "advocateId": seeded.advocates["Ben"],
        "itemId": seeded.items["Book"],
    }
    data = await server.graphql(org.tokens[Role.MARKETER], "DashboardSendGift", {"input": send})
    assert data["sendGift"]["errors"] == []
    await expect_tiles(page, offered="6")
    await expect(page.locator("#sends tbody tr")).to_have_count(6)
    assert script_errors == []


async def test_a_gift_waiting_for_reconciliation_stands_out_with_its_reason(
    browser: Browser, base_url: str, org: Org, marketer: Api, anonymous: Api, job_engine: None
) -> None:
    """A send whose provider answer is unknown: the status filter finds it, its badge says so
    and carries the reason (tooltip and screen-reader text), and the page stays accessible."""
    await seed_dashboard(org, marketer, anonymous)
    reason = "no definitive answer after 8 attempts; attempt 8: no answer (ReadTimeout)"
    async with unit_of_work() as session:
        await session.execute(
            update(GiftSend)
            .where(
                col(GiftSend.organization_id) == org.id,
                col(GiftSend.status) == GiftSendStatus.REDEEMED,
            )
            .values(status=GiftSendStatus.NEEDS_RECONCILIATION, reconciliation_reason=reason)
        )
    context = await browser.new_context(viewport=PHONE, bypass_csp=True)  # for axe-core
    page = await context.new_page()
    await sign_in(page, base_url, org.tokens[Role.MARKETER])
    await pick_program(page)
    sends = page.locator("#sends tbody tr")
    await expect(sends).to_have_count(5)
    await page.locator("#sends-status").select_option("NEEDS_RECONCILIATION")
    await expect(sends).to_have_count(1)
    await expect(sends.first).to_contain_text("Dan Brown")
    badge = sends.first.locator(".status")
    await expect(badge).to_have_attribute("data-status", "NEEDS_RECONCILIATION")
    await expect(badge).to_have_attribute("title", reason)
    await expect(badge).to_contain_text("Needs reconciliation")
    assert await axe_violations(page) == []
    gift_list = page.locator("section", has=page.locator("#sends"))
    await gift_list.screenshot(path=screenshot_path("dashboard", "needs-reconciliation"))
    await context.close()
