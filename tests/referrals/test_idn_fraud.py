"""Fraud rules on internationalized addresses. Since emails are checked by email-validator,
``x@灵.cc`` is a valid address, stored with its domain in Unicode; the disposable-domain list
and organizations' account domains hold the ASCII (IDNA) form (``xn--5nx.cc``). The rules
compare the ASCII form, so such a signup is flagged like its ASCII twin."""

from __future__ import annotations

import httpx
import pytest

from advocacy.referrals.fraud import email_domain, is_disposable
from advocacy.referrals.models import ReferralStatus, Verdict
from tests.conftest import Org
from tests.referrals.conftest import Program, click


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("x@灵.cc", "xn--5nx.cc"),
        ("x@münchen.de", "xn--mnchen-3ya.de"),
        ("x@Example.COM", "example.com"),
    ],
)
def test_rules_see_the_ascii_domain(email: str, domain: str) -> None:
    assert email_domain(email) == domain


def test_a_disposable_domain_is_found_in_unicode_too() -> None:
    assert is_disposable("x@xn--5nx.cc") and is_disposable("x@灵.cc")
    assert not is_disposable("x@münchen.de")


@pytest.mark.parametrize(
    ("email", "reason"),
    [("Someone@灵.cc", "DISPOSABLE_EMAIL"), ("buyer@kunde-münchen.example", "ALREADY_CUSTOMER")],
)
async def test_internationalized_signups_meet_the_same_rules(
    client: httpx.AsyncClient, referral_program: Program, org: Org, email: str, reason: str
) -> None:
    from tests.fixtures.factories import make_account

    await make_account(org.id, name="Kunde", domain="xn--kunde-mnchen-jlb.example")
    assert (await click(client, referral_program.code)).status_code == 302
    referral = await referral_program.signup(email)
    assert referral.status == ReferralStatus.HELD and referral.verdict == Verdict.FLAGGED
    assert referral.reasons == [reason]
