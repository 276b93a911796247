// The key numbers of the period as text, one tile each:
// <div><dt>label</dt><dd class=value>number</dd><dd class=detail>context</dd></div>.

import { count, money, percent } from "./format.js";

function tile(key, label, value, detail) {
  const group = document.createElement("div");
  group.className = "tile";
  group.dataset.kpi = key;
  const term = document.createElement("dt");
  term.textContent = label;
  const number = document.createElement("dd");
  number.className = "value";
  number.textContent = value;
  group.append(term, number);
  if (detail) {
    const more = document.createElement("dd");
    more.className = "detail";
    more.textContent = detail;
    group.append(more);
  }
  return group;
}

/** Fill the <dl> with the tiles of `stats.period` (budget in `currency`). */
export function renderTiles(list, stats, currency) {
  const { advocates, milestones, referrals, gifts, budget } = stats.period;
  const ours = budget.find((entry) => entry.currency === currency) ?? budget[0];
  const revenue = referrals.referredRevenue
    .map((entry) => money(entry.amount, entry.currency))
    .join(" + ");
  const tiles = [
    tile(
      "advocates",
      "Advocates",
      count(advocates.total),
      `${count(advocates.new)} new in the period`,
    ),
    tile("active", "Active advocates", count(advocates.active)),
    tile("lapsed", "Lapsed advocates", count(advocates.lapsed)),
    tile(
      "approved",
      "Milestones approved",
      count(milestones.approved),
      `${count(milestones.submitted)} waiting for approval`,
    ),
    tile("points", "Points awarded", count(milestones.pointsAwarded)),
    tile("clicks", "Referral clicks", count(referrals.clicks)),
    tile(
      "signups",
      "Referral signups",
      count(referrals.signups),
      `${percent(referrals.clickToSignupRate)} of clicks`,
    ),
    tile(
      "conversions",
      "Conversions",
      count(referrals.conversions),
      revenue ? `${revenue} referred revenue` : "",
    ),
    tile(
      "offered",
      "Gifts offered",
      count(gifts.offered),
      `${percent(gifts.redemptionRate)} redeemed`,
    ),
  ];
  if (ours !== undefined) {
    tiles.push(
      tile(
        "spent",
        "Budget spent",
        money(ours.spentToDate, ours.currency),
        `of ${money(ours.total, ours.currency)}`,
      ),
      tile(
        "remaining",
        "Budget remaining",
        money(ours.remaining, ours.currency),
        `${money(ours.reserved, ours.currency)} reserved`,
      ),
    );
  }
  list.replaceChildren(...tiles);
}
