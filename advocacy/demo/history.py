"""The demo's last 90 days, played once through the real services at the times the story says.

A dashboard with one day of data shows empty charts for every period longer than a day. So the
demo plays a history: referral clicks, the signups and purchases they led to (with their
rewards), and gifts sent, accepted, swapped, donated, declined or left to expire. Each step runs
the service a real request or job would, under ``clock_at(moment)``: every row, gift event,
status change and budget entry carries the step's time, so the ledger agrees with the sends as
it does in production. Steps run in time order (a heap), because a step may schedule later
ones (a conversion's rewards, a gift's outcome) and offers expire by the clock.

The history is played once per organization, in the seeding's unit of work: all of it or
nothing. Gifts it accepts are fulfilled after the commit (``waiting_redemptions``,
``fulfil_backdated``), each shortly after it was accepted, as a worker would have done then.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from advocacy.advocates.models import Advocate
from advocacy.gifting import fulfilment, periodic, redemption_service, send_service
from advocacy.gifting.links import link_token
from advocacy.gifting.models import GiftItem, GiftItemKind, GiftSend, GiftSendStatus
from advocacy.kit.db import clock_at, utcnow
from advocacy.referrals import clicks, rewards
from advocacy.referrals import service as referral_service
from advocacy.tenancy.principal import system_principal

log = logging.getLogger("advocacy.demo")

HISTORY_DAYS = 90
FIRST_KEY = "demo-history-gift-0"
"""The first history send's idempotency key: present means the history was played."""
REFERRERS = 8
"""The first advocates (by email) share their referral links."""
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
]
CHANNELS = ["email", "linkedin", "slack", None]
FRIENDS = ["Pat", "Sam", "Noor", "Kai", "Lena", "Omar", "Ines", "Yuki", "Rui", "Mia", "Theo"]
ADDRESS = redemption_service.ShippingAddress(
    name="Demo Advocate", line1="1 Main St", city="Austin", region="TX", postal_code="78701",
    country="US",
)  # fmt: skip


@dataclass(frozen=True)
class Redemption:
    send_id: int
    redeemed_at: dt.datetime


Step = Callable[[], Awaitable[None]]


class Timeline:
    """Steps in time order; a step may add later steps."""

    def __init__(self, end: dt.datetime) -> None:
        self.end = end
        self._heap: list[tuple[dt.datetime, int, Step]] = []
        self._order = itertools.count()

    def at(self, moment: dt.datetime, step: Step) -> None:
        if moment < self.end:  # what would happen after today hasn't happened yet
            heapq.heappush(self._heap, (moment, next(self._order), step))

    async def play(self, session: AsyncSession) -> None:
        while self._heap:
            moment, _, step = heapq.heappop(self._heap)
            with clock_at(moment):
                await periodic.expire_offers(session)  # what the expiry job did by then
                await step()


async def play_history(
    session: AsyncSession, organization_id: int, program_id: int, advocates: list[Advocate]
) -> None:
    """Play the last ``HISTORY_DAYS`` days once. A second run finds the first history send and
    does nothing."""
    played = await session.scalar(
        select(GiftSend.id).where(
            GiftSend.organization_id == organization_id, GiftSend.idempotency_key == FIRST_KEY
        )
    )
    if played is not None:
        return
    story = _Story(session, organization_id, program_id, advocates, Timeline(utcnow()))
    await story.plan()
    await story.timeline.play(session)


class _Story:
    def __init__(
        self,
        session: AsyncSession,
        organization_id: int,
        program_id: int,
        advocates: list[Advocate],
        timeline: Timeline,
    ) -> None:
        self.session = session
        self.organization_id = organization_id
        self.program_id = program_id
        self.advocates = advocates
        self.timeline = timeline
        self.principal = system_principal(organization_id)
        self.rng = random.Random(20260904)
        self.items: dict[str, GiftItem] = {}
        self.visitors = itertools.count(1)
        self.friends = itertools.count(1)
        self.gifts = itertools.count(0)

    def day(self, days_ago: float) -> dt.datetime:
        return self.timeline.end - dt.timedelta(days=days_ago)

    async def plan(self) -> None:
        rows = await self.session.scalars(
            select(GiftItem).where(GiftItem.organization_id == self.organization_id)
        )
        self.items = {item.name: item for item in rows}
        for days_ago in range(HISTORY_DAYS - 1, 0, -1):
            # More clicks lately: the program is catching on.
            for _ in range(self.rng.choice([0, 1, 1, 2, 3] if days_ago < 45 else [0, 0, 1, 2])):
                referrer = self.advocates[self.rng.randrange(min(REFERRERS, len(self.advocates)))]
                moment = self.day(days_ago - self.rng.uniform(0, 0.9))
                self.timeline.at(moment, self._click(referrer))
            if days_ago % 3 == 0:
                advocate = self.rng.choice(self.advocates)
                moment = self.day(days_ago - self.rng.uniform(0, 0.5))
                self.timeline.at(moment, self._gift(advocate, self._gift_item()))
        # Whatever the dice said, this week's funnel shows every stage.
        self.timeline.at(self.day(6.2), self._click(self.advocates[0], sure=True))

    def _gift_item(self) -> GiftItem:
        names = ["Coffee gift card", "Branded mug", "Cookbook of the month", "Branded hoodie"]
        return self.items[self.rng.choice(names)]

    # -- referrals ----------------------------------------------------------------------------

    def _click(self, referrer: Advocate, *, sure: bool = False) -> Step:
        """A visit through ``referrer``'s link; some sign up later (``sure``: this one does,
        and buys)."""

        async def step() -> None:
            visitor = next(self.visitors)
            outcome = await clicks.record_click(
                self.session,
                referrer.referral_code,
                channel=self.rng.choice(CHANNELS),
                ip=_address(visitor),
                user_agent=self.rng.choice(BROWSERS),
                now=utcnow(),
            )
            token = _click_token(outcome.location)
            if outcome.counted and token is not None and (sure or self.rng.random() < 0.35):
                later = utcnow() + dt.timedelta(hours=20 if sure else self.rng.uniform(0.2, 40))
                self.timeline.at(later, self._signup(referrer, token, sure=sure))

        return step

    def _signup(self, referrer: Advocate, click_token: str, *, sure: bool = False) -> Step:
        async def step() -> None:
            number = next(self.friends)
            name = f"{FRIENDS[number % len(FRIENDS)]} Demo{number}"
            email = f"{name.split()[0].lower()}.{number}@newco{number}.example"
            recorded = await referral_service.record_signup(
                self.session,
                self.principal,
                referral_service.NewSignup(
                    code=referrer.referral_code, email=email, name=name, click_token=click_token
                ),
                now=utcnow(),
            )
            if sure or self.rng.random() < 0.5:
                later = utcnow() + dt.timedelta(days=2 if sure else self.rng.uniform(0.5, 12))
                self.timeline.at(later, self._conversion(recorded.referral.id or 0, number))

        return step

    def _conversion(self, referral_id: int, number: int) -> Step:
        async def step() -> None:
            recorded = await referral_service.record_conversion(
                self.session,
                self.principal,
                referral_service.NewConversion(
                    referral_id=referral_id,
                    value=self.rng.choice([19_900, 49_900, 99_900]),
                    currency="USD",
                    order_id=f"DEMO-{number}",
                    idempotency_key=f"demo-order-{number}",
                ),
                now=utcnow(),
            )
            # What the rewards job does right after a conversion (no refund window here).
            rewarded = await rewards.send_rewards(self.session, recorded.referral.id or 0)
            for send_id in (rewarded.referrer_send_id, rewarded.friend_send_id) if rewarded else ():
                if send_id is not None:
                    send = await self.session.get_one(GiftSend, send_id)
                    self._outcome(send, redeem_share=0.8)

        return step

    # -- gifts ----------------------------------------------------------------------------------

    def _gift(self, advocate: Advocate, item: GiftItem) -> Step:
        async def step() -> None:
            sent = await send_service.send_gift(
                self.session,
                self.principal,
                send_service.NewSend(
                    advocate_id=advocate.id or 0,
                    item_id=item.id or 0,
                    program_id=self.program_id,
                    message="Thank you for spreading the word!",
                    expires_in_days=14,
                    idempotency_key=f"demo-history-gift-{next(self.gifts)}",
                ),
            )
            self._outcome(sent.send, redeem_share=0.6)

        return step

    def _outcome(self, send: GiftSend, *, redeem_share: float) -> None:
        """What the advocate does with the offer, a few hours or days later (or nothing: it
        expires, or is still open today)."""
        if send.status != GiftSendStatus.OFFERED or send.link_salt is None:
            return
        token = link_token(send.link_salt)
        later = utcnow() + dt.timedelta(hours=self.rng.uniform(1, 96))
        roll = self.rng.random()
        if roll < redeem_share:
            self.timeline.at(later, self._redeem(token, swap=self.rng.random() < 0.25))
        elif roll < redeem_share + 0.12:
            self.timeline.at(later, self._donate(token))
        elif roll < redeem_share + 0.22:
            self.timeline.at(later, self._decline(token))

    def _redeem(self, token: str, *, swap: bool) -> Step:
        async def step() -> None:
            send = await redemption_service.gift_for_token(self.session, token)
            if send is None or not redemption_service.is_open(send):
                return
            if swap:
                options = await redemption_service.swap_options(self.session, send, "US")
                if options:
                    target = self.rng.choice(list(options))
                    send = await redemption_service.swap_gift(self.session, token, target.id or 0)
            item = await self.session.get_one(GiftItem, send.item_id)
            address = ADDRESS if item.kind == GiftItemKind.PHYSICAL else None
            await redemption_service.redeem_gift(self.session, token, address)

        return step

    def _donate(self, token: str) -> Step:
        async def step() -> None:
            send = await redemption_service.gift_for_token(self.session, token)
            if send is None or not redemption_service.is_open(send):
                return
            charities = await redemption_service.donation_options(self.session, send)
            if not charities:
                return
            charity = self.rng.choice(list(charities))
            await redemption_service.donate_gift(self.session, token, charity.id or 0)

        return step

    def _decline(self, token: str) -> Step:
        async def step() -> None:
            send = await redemption_service.gift_for_token(self.session, token)
            if send is not None and redemption_service.is_open(send):
                await redemption_service.decline_gift(self.session, token)

        return step


def _address(visitor: int) -> str:
    """A distinct documentation address (TEST-NET-2 and -3) for each of 500 visitors."""
    network = ("198.51.100", "203.0.113")[visitor // 250 % 2]
    return f"{network}.{visitor % 250 + 1}"


def _click_token(location: str | None) -> str | None:
    """The ``ref_click`` the landing page receives, as a shop would read it."""
    if location is None:
        return None
    return next(iter(parse_qs(urlsplit(location).query).get("ref_click", [])), None)


async def waiting_redemptions(
    session: AsyncSession, organization_id: int, older_than: dt.timedelta = dt.timedelta(hours=1)
) -> list[Redemption]:
    """The organization's accepted gifts no worker has taken for over ``older_than``: the
    history's, or those of a run that stopped before fulfilling them. Gifts accepted just now
    are left to the worker, as in production."""
    rows = await session.execute(
        select(col(GiftSend.id), col(GiftSend.redeemed_at))
        .where(
            GiftSend.organization_id == organization_id,
            GiftSend.status == GiftSendStatus.REDEEMED,
            col(GiftSend.redeemed_at) < utcnow() - older_than,
        )
        .order_by(col(GiftSend.redeemed_at), col(GiftSend.id))
    )
    return [Redemption(send_id, at) for send_id, at in rows.all() if send_id and at]


async def fulfil_backdated(redemptions: list[Redemption]) -> None:
    """Fulfil accepted gifts, each a few minutes after it was accepted, as the worker did then
    (the same code: claim, provider call keyed by the send, settle). A send a worker took
    meanwhile is left to it; a transient provider failure leaves it to the worker's retries."""
    for redemption in redemptions:
        with clock_at(redemption.redeemed_at + dt.timedelta(minutes=3)):
            try:
                await fulfilment.fulfil(redemption.send_id)
            except fulfilment.RetryLater as error:
                log.warning("demo: send %d left to the worker: %s", redemption.send_id, error)
