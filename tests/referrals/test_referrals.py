"""Signups, fraud rules, attribution windows, conversions and the double-sided rewards."""

from __future__ import annotations

import asyncio
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from advocacy.advocates.models import Advocate, AdvocateStatus, Milestone
from advocacy.gifting.models import GiftSend, GiftSendReason
from advocacy.graphql.ids import encode_id
from advocacy.kit.db import unit_of_work, utcnow
from advocacy.referrals import rewards
from advocacy.referrals.clicks import click_token
from advocacy.referrals.models import (
    FlaggedAction,
    Referral,
    ReferralClick,
    ReferralStatus,
    Verdict,
)
from tests.conftest import Org
from tests.fixtures.api import Api
from tests.fixtures.factories import make_advocate
from tests.fixtures.gifting import assert_ledger_balances
from tests.referrals.conftest import Program, click, days_ago
from tests.webhooks.test_event_coverage import event_types, subscribe_to_everything

SIGNUP = """
mutation($input: RecordReferralSignupInput!) {
  recordReferralSignup(input: $input) {
    replayed referral { id status verdict reasons email referrer { email } }
    errors { field code }
  }
}
"""
CONVERT = """
mutation($input: RecordReferralConversionInput!) {
  recordReferralConversion(input: $input) {
    replayed referral { id status conversionValue { amount currency } rewardDueAt }
    errors { field code message }
  }
}
"""


async def clicked(client: httpx.AsyncClient, program: Program) -> None:
    assert (await click(client, program.code)).status_code == 302


async def test_click_signup_conversion_rewards_both_sides_once(
    client: httpx.AsyncClient, marketer: Api, referral_program: Program, org: Org
) -> None:
    await clicked(client, referral_program)
    signup = {"code": referral_program.code, "email": "Friend@Newco.example", "name": "Fran"}
    signed = (await marketer(SIGNUP, {"input": signup}))["recordReferralSignup"]
    assert signed["errors"] == [], signed
    assert signed["referral"]["status"] == "SIGNED_UP" and signed["referral"]["verdict"] == "CLEAN"
    assert signed["referral"]["email"] == "friend@newco.example"
    conversion = {
        "email": "friend@newco.example",
        "value": 12_900,
        "currency": "USD",
        "orderId": "o-1",
        "idempotencyKey": "order-o-1",
    }
    converted = (await marketer(CONVERT, {"input": conversion}))["recordReferralConversion"]
    assert converted["errors"] == [] and converted["referral"]["status"] == "CONVERTED"
    again = (await marketer(CONVERT, {"input": conversion}))["recordReferralConversion"]
    assert again["replayed"] is True and again["referral"]["id"] == converted["referral"]["id"]
    changed = await marketer(CONVERT, {"input": {**conversion, "value": 1}})
    assert changed["recordReferralConversion"]["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"

    async with unit_of_work() as session:
        milestone = await session.scalar(
            select(Milestone).where(Milestone.advocate_id == referral_program.referrer.id)
        )
        referrer = await session.get(Advocate, referral_program.referrer.id)
    assert milestone is not None and milestone.kind == "REFERRAL" and milestone.status == "APPROVED"
    assert referrer is not None and referrer.points == milestone.points > 0

    async with unit_of_work() as session:
        row = await session.scalar(select(Referral).where(Referral.organization_id == org.id))
    assert row is not None
    # the rewards job, run twice (and twice at once): each side gets exactly one gift
    for _ in range(2):
        async with unit_of_work() as session:
            await rewards.send_rewards(session, row.id or 0)
    async with unit_of_work() as session:
        sends = list(
            await session.scalars(select(GiftSend).where(GiftSend.organization_id == org.id))
        )
        friend = await session.scalar(
            select(Advocate).where(
                Advocate.organization_id == org.id, Advocate.email == "friend@newco.example"
            )
        )
    assert friend is not None and friend.status == AdvocateStatus.INVITED and friend.name == "Fran"
    assert sorted((s.advocate_id, s.reason, s.status) for s in sends) == sorted(
        [
            (referral_program.referrer.id, GiftSendReason.REFERRAL, "OFFERED"),
            (friend.id, GiftSendReason.REFERRAL, "OFFERED"),
        ]
    )
    view = await marketer(
        """query($id: ID!) { advocate(id: $id) {
             referralStats { clicks signups conversions revenue { currency amount } }
             referrals { nodes { status rewardedAt referrerGift { item { name } }
                                 friendGift { item { name } advocate { email } } } } } }""",
        {"id": referral_program.referrer_gid},
    )
    stats = view["advocate"]["referralStats"]
    assert stats == {
        "clicks": 1,
        "signups": 1,
        "conversions": 1,
        "revenue": [{"currency": "USD", "amount": 12_900}],
    }
    [node] = view["advocate"]["referrals"]["nodes"]
    assert node["referrerGift"]["item"]["name"] == "Thank-you card"
    assert node["friendGift"]["advocate"]["email"] == "friend@newco.example"
    await assert_ledger_balances(org.id)


async def test_concurrent_reward_jobs_send_once(
    client: httpx.AsyncClient, referral_program: Program, org: Org, database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    await clicked(client, referral_program)
    await referral_program.signup("pal@newco.example")
    referral = await referral_program.convert("pal@newco.example")

    async def run() -> None:
        async with unit_of_work() as session:
            await rewards.send_rewards(session, referral.id)

    await asyncio.gather(*(run() for _ in range(6)))
    async with unit_of_work() as session:
        sends = list(
            await session.scalars(select(GiftSend).where(GiftSend.organization_id == org.id))
        )
    assert len(sends) == 2
    await assert_ledger_balances(org.id)


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("rita@referrer.example", "SELF_REFERRAL"),
        ("someone@mailinator.com", "DISPOSABLE_EMAIL"),
        ("buyer@acme-customer.example", "ALREADY_CUSTOMER"),
        ("existing@advocates.example", "ALREADY_ADVOCATE"),
    ],
)
async def test_fraud_rules_hold_the_referral_with_their_reason(
    client: httpx.AsyncClient, referral_program: Program, org: Org, email: str, reason: str
) -> None:
    from tests.fixtures.factories import make_account, make_advocate

    await make_account(org.id, name="Acme", domain="acme-customer.example")
    await make_advocate(org.id, email="existing@advocates.example")
    await clicked(client, referral_program)
    referral = await referral_program.signup(email)
    assert referral.status == ReferralStatus.HELD and referral.verdict == Verdict.FLAGGED
    assert referral.reasons == [reason]


async def test_same_domain_counts_as_self_referral_only_when_configured(
    client: httpx.AsyncClient, referral_program: Program
) -> None:
    await clicked(client, referral_program)
    assert (await referral_program.signup("colleague@referrer.example")).verdict == Verdict.CLEAN
    await referral_program.configure(same_domain_is_self_referral=True)
    flagged = await referral_program.signup("boss@referrer.example")
    assert flagged.reasons == ["SAME_EMAIL_DOMAIN"]


async def test_duplicates_first_wins_and_reject_action_rejects(
    client: httpx.AsyncClient, referral_program: Program
) -> None:
    await referral_program.configure(flagged_action=FlaggedAction.REJECT)
    await clicked(client, referral_program)
    first = await referral_program.signup("dup@newco.example")
    second = await referral_program.signup("dup@newco.example")
    assert first.status == ReferralStatus.SIGNED_UP
    assert second.status == ReferralStatus.REJECTED and second.reasons == ["DUPLICATE_EMAIL"]
    converted = await referral_program.convert("dup@newco.example")
    assert converted.id == first.id and converted.status == ReferralStatus.CONVERTED


async def test_too_many_signups_from_one_visitor_are_flagged(
    client: httpx.AsyncClient, referral_program: Program
) -> None:
    await referral_program.configure(max_signups_per_visitor_per_day=2)
    landed = (await click(client, referral_program.code)).headers["location"]
    [token] = parse_qs(urlsplit(landed).query)["ref_click"]
    statuses = [
        (await referral_program.signup(f"person{n}@newco{n}.example", click_token=token)).reasons
        for n in range(3)
    ]
    assert statuses == [[], [], ["TOO_MANY_SIGNUPS_FROM_VISITOR"]]
    # Without the click token a signup isn't tied to any visitor: strangers who sign up after
    # someone else's click are not flagged as one person.
    others = [(await referral_program.signup(f"x{n}@other{n}.example")).reasons for n in range(3)]
    assert others == [[], [], []]


async def test_attribution_windows_use_the_clock_not_sleeps(
    referral_program: Program, org: Org
) -> None:
    async with unit_of_work() as session:  # a click 40 days ago
        session.add(
            ReferralClick(
                organization_id=org.id,
                advocate_id=referral_program.referrer.id or 0,
                code=referral_program.code,
                visitor_hash="v" * 64,
                created_at=days_ago(40),
            )
        )
    late = await referral_program.signup("late@newco.example")
    assert late.status == ReferralStatus.REJECTED
    assert late.reasons == ["OUTSIDE_ATTRIBUTION_WINDOW"]
    in_time = await referral_program.signup("early@newco.example", now=days_ago(15))
    assert in_time.status == ReferralStatus.SIGNED_UP  # 25 days after the click
    too_late = await referral_program.convert(
        "early@newco.example", now=utcnow() + dt.timedelta(days=80)
    )
    assert too_late.status == ReferralStatus.REJECTED  # 95 days after signup: no credit
    assert too_late.reasons == ["OUTSIDE_ATTRIBUTION_WINDOW"]
    async with unit_of_work() as session:
        assert (
            await session.scalar(
                select(Milestone).where(Milestone.advocate_id == referral_program.referrer.id)
            )
            is None
        )


async def test_a_signup_without_any_click_gets_no_credit(referral_program: Program) -> None:
    referral = await referral_program.signup("direct@newco.example")
    assert referral.status == ReferralStatus.REJECTED


async def test_small_conversions_are_held_and_a_marketer_decides(
    client: httpx.AsyncClient, marketer: Api, referral_program: Program, org: Org
) -> None:
    await referral_program.configure(min_conversion_value=5_000)
    await clicked(client, referral_program)
    await referral_program.signup("small@newco.example")
    held = await referral_program.convert("small@newco.example", value=900)
    assert held.status == ReferralStatus.HELD and held.reasons == ["BELOW_MINIMUM_VALUE"]
    gid = encode_id("Referral", held.id)
    approved = await marketer(
        "mutation($id: ID!) { approveReferral(input: {id: $id}) { referral { status } } }",
        {"id": gid},
    )
    assert approved["approveReferral"]["referral"]["status"] == "CONVERTED"
    twice = await marketer(
        "mutation($id: ID!) { rejectReferral(input: {id: $id}) { errors { field code } } }",
        {"id": gid},
    )
    assert twice["rejectReferral"]["errors"] == [{"field": "id", "code": "INVALID_STATE"}]
    listed = await marketer(
        "{ referrals(filter: {verdict: FLAGGED}) { totalCount nodes { reasons status } } }"
    )
    assert listed["referrals"] == {
        "totalCount": 1,
        "nodes": [{"reasons": ["BELOW_MINIMUM_VALUE"], "status": "CONVERTED"}],
    }


async def test_delayed_rewards_wait_for_the_refund_window_and_a_reversal_cancels_them(
    client: httpx.AsyncClient, admin: Api, marketer: Api, referral_program: Program, org: Org
) -> None:
    await subscribe_to_everything(admin)
    await referral_program.configure(reward_delay_days=14)
    await clicked(client, referral_program)
    for email in ("kept@newco.example", "refunded@newco.example"):
        await referral_program.signup(email)
    kept = await referral_program.convert("kept@newco.example")
    refunded = await referral_program.convert("refunded@newco.example")
    async with unit_of_work() as session:
        assert await rewards.due_rewards(session) == [] or kept.id not in await rewards.due_rewards(
            session
        )
    reversed_ = await marketer(
        """mutation($id: ID!) {
          reverseReferralConversion(input: {id: $id}) { referral { status rewardDueAt } }
        }""",
        {"id": encode_id("Referral", refunded.id)},
    )
    assert reversed_["reverseReferralConversion"]["referral"] == {
        "status": "REVERSED",
        "rewardDueAt": None,
    }
    assert (await event_types(org.id))[-1] == "referral.reversed"  # a CRM hears of it
    later = utcnow() + dt.timedelta(days=15)
    async with unit_of_work() as session:
        due = await rewards.due_rewards(session, later)
    assert kept.id in due and refunded.id not in due
    for referral_id in (kept.id, refunded.id):
        async with unit_of_work() as session:
            await rewards.send_rewards(session, referral_id, later)
    async with unit_of_work() as session:
        sends = list(
            await session.scalars(select(GiftSend).where(GiftSend.organization_id == org.id))
        )
    assert len(sends) == 2  # the kept conversion's two rewards; none for the refunded one
    await assert_ledger_balances(org.id)


async def test_a_reward_the_budget_cannot_cover_is_retried_until_it_goes_out(
    client: httpx.AsyncClient, referral_program: Program, org: Org
) -> None:
    from advocacy.programs.models import Program as ProgramRow
    from tests.fixtures.factories import make_program

    poor = await make_program(org.id, budget_total=500)
    await referral_program.configure(program_id=poor.id)
    await clicked(client, referral_program)
    await referral_program.signup("broke@newco.example")
    referral = await referral_program.convert("broke@newco.example")
    async with unit_of_work() as session:
        done = await rewards.send_rewards(session, referral.id)
    assert done is not None and done.referrer_send_id is None and done.rewarded_at is None
    assert "budget" in (done.reward_note or "") and done.reward_due_at is not None
    async with unit_of_work() as session:  # not due again until tomorrow
        assert await rewards.send_rewards(session, referral.id) is None
        program = await session.get(ProgramRow, poor.id)
        assert program is not None
        program.budget_total = 100_000  # the marketer tops the budget up
    tomorrow = utcnow() + dt.timedelta(days=1, minutes=1)
    async with unit_of_work() as session:
        sent = await rewards.send_rewards(session, referral.id, tomorrow)
    assert sent is not None and sent.referrer_send_id and sent.friend_send_id
    assert sent.rewarded_at is not None and sent.reward_note is None
    await assert_ledger_balances(org.id)


async def test_concurrent_conversions_of_one_referral_convert_it_once(
    client: httpx.AsyncClient, referral_program: Program, org: Org, database: str
) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("needs PostgreSQL's concurrent transactions (runs in CI)")
    await clicked(client, referral_program)
    await referral_program.signup("race@newco.example")

    async def convert(key: str) -> str:
        try:
            done = await referral_program.convert("race@newco.example", idempotency_key=key)
        except Exception as error:
            return type(error).__name__
        return "converted" if done.conversion_key == key else "other"

    outcomes = await asyncio.gather(*(convert(f"k{n % 3}") for n in range(9)))
    assert outcomes.count("converted") == 3  # the winner's key, three times (replays)
    assert outcomes.count("DomainError") == 6
    async with unit_of_work() as session:
        milestones = list(
            await session.scalars(
                select(Milestone).where(Milestone.advocate_id == referral_program.referrer.id)
            )
        )
    assert len(milestones) == 1


async def test_a_click_token_in_other_digits_is_no_internal_error(
    client: httpx.AsyncClient, marketer: Api, referral_program: Program
) -> None:
    """``int()`` reads Arabic-Indic digits, so a token of them reached a str compare that
    raises on non-ASCII: an internal error. Now it is simply not one of our tokens (what the
    answer to an unknown token is, is the signup's business, not asserted here)."""
    response = await click(client, referral_program.code)
    [token] = parse_qs(urlsplit(response.headers["location"]).query)["ref_click"]
    click_id, signature = token.split(".", 1)
    other_digits = "".join(chr(0x660 + int(digit)) for digit in click_id)
    signup = {
        "code": referral_program.code,
        "email": "digits@newco.example",
        "clickToken": f"{other_digits}.{signature}",
    }
    body = await marketer.raw(SIGNUP, {"input": signup})
    assert "errors" not in body, body["errors"]  # no top-level (internal) error


async def test_bad_input_names_the_field_and_writes_nothing(
    marketer: Api, viewer: Api, referral_program: Program
) -> None:
    naive = await marketer.raw(
        '{ referrals(filter: {createdAfter: "2026-01-01T00:00:00"}) { totalCount } }'
    )
    assert naive["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "filter.createdAfter" in naive["errors"][0]["message"]
    nul = await marketer(CONVERT, {"input": {"value": 1, "currency": "USD", "code": "ab\u0000cd"}})
    assert nul["recordReferralConversion"]["errors"][0]["field"] == "code"
    bad = await marketer(SIGNUP, {"input": {"code": referral_program.code, "email": "nope"}})
    assert bad["recordReferralSignup"]["errors"] == [{"field": "email", "code": "INVALID"}]
    unknown = await marketer(SIGNUP, {"input": {"code": "zzzzzz", "email": "a@b.example"}})
    assert unknown["recordReferralSignup"]["errors"] == [{"field": "code", "code": "NOT_FOUND"}]
    no_target = await marketer(CONVERT, {"input": {"value": 100, "currency": "USD"}})
    assert no_target["recordReferralConversion"]["errors"][0]["field"] == "email"
    bad_currency = await marketer(
        CONVERT, {"input": {"value": 100, "currency": "XYZ", "email": "a@b.example"}}
    )
    assert bad_currency["recordReferralConversion"]["errors"][0]["field"] == "currency"
    assert (
        await viewer.error_code(SIGNUP, {"input": {"code": "x", "email": "a@b.example"}})
        == "FORBIDDEN"
    )
    listed = await marketer("{ referrals { totalCount } }")
    assert listed["referrals"]["totalCount"] == 0


async def test_other_organizations_referrals_are_invisible(
    client: httpx.AsyncClient, outsider: Api, referral_program: Program
) -> None:
    await clicked(client, referral_program)
    referral = await referral_program.signup("friend@newco.example")
    gid = encode_id("Referral", referral.id)
    seen = await outsider(
        "query($id: ID!) { referral(id: $id) { id } node(id: $id) { id } }", {"id": gid}
    )
    assert seen == {"referral": None, "node": None}
    assert (await outsider("{ referrals { totalCount } }"))["referrals"]["totalCount"] == 0
    refused = await outsider(
        "mutation($id: ID!) { approveReferral(input: {id: $id}) { errors { code } } }", {"id": gid}
    )
    assert refused["approveReferral"]["errors"] == [{"code": "NOT_FOUND"}]


async def test_a_code_alone_converts_its_latest_open_referral(
    client: httpx.AsyncClient, referral_program: Program
) -> None:
    await clicked(client, referral_program)
    await referral_program.signup("first@newco.example")
    latest = await referral_program.signup("second@newco2.example")
    converted = await referral_program.convert(None, code=referral_program.code)
    assert converted.id == latest.id and converted.status == ReferralStatus.CONVERTED


async def test_a_click_token_that_is_not_ours_is_refused_naming_it(
    client: httpx.AsyncClient,
    marketer: Api,
    referral_program: Program,
    org: Org,
    other_org: Org,
) -> None:
    """A garbage, forged or foreign ``clickToken`` was silently dropped, so a shop whose
    integration passed the wrong value never learned its signups lost their visitor. Only a
    correctly signed token of a click on this code, in this organization, is accepted."""
    landed = (await click(client, referral_program.code)).headers["location"]
    [token] = parse_qs(urlsplit(landed).query)["ref_click"]
    click_id, signature = token.split(".", 1)
    colleague = await make_advocate(org.id, email="colin@referrer.example")
    other_code = (await click(client, colleague.referral_code)).headers["location"]
    [other_code_token] = parse_qs(urlsplit(other_code).query)["ref_click"]
    stranger = await make_advocate(other_org.id, email="sam@elsewhere.example")
    async with unit_of_work() as session:
        foreign = ReferralClick(
            organization_id=other_org.id,
            advocate_id=stranger.id or 0,
            code=stranger.referral_code,
            visitor_hash="f" * 64,
        )
        session.add(foreign)
        await session.flush()
        foreign_token = click_token(foreign.id or 0)
    refused = {
        "garbage": ("not-a-token", "INVALID"),
        "forged signature": (f"{click_id}.{'0' * len(signature)}", "INVALID"),
        "unsigned id": (click_id, "INVALID"),
        "unknown click": (click_token(2**31 - 2), "NOT_FOUND"),
        "another organization's click": (foreign_token, "NOT_FOUND"),
        "a click on another code": (other_code_token, "INVALID"),
    }
    for case, (value, code) in refused.items():
        signup = {"code": referral_program.code, "email": "x@newco.example", "clickToken": value}
        answer = (await marketer(SIGNUP, {"input": signup}))["recordReferralSignup"]
        assert answer["errors"] == [{"field": "clickToken", "code": code}], case
        assert answer["referral"] is None, case
    async with unit_of_work() as session:
        written = await session.scalars(select(Referral).where(Referral.organization_id == org.id))
        assert list(written) == []
    accepted = {"code": referral_program.code, "email": "x@newco.example", "clickToken": token}
    answer = (await marketer(SIGNUP, {"input": accepted}))["recordReferralSignup"]
    assert answer["errors"] == [] and answer["referral"]["status"] == "SIGNED_UP"
