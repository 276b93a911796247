// The period picker's choices as [from, to) in UTC, aligned to the buckets the API counts in
// (UTC days, Monday weeks, calendar months), each ending with the bucket that holds "now".

const DAY_MS = 86_400_000;

export const PERIODS = {
  "30d": { interval: "DAY", describe: "the last 30 days, by day" },
  "12w": { interval: "WEEK", describe: "the last 12 weeks, by week (Monday to Sunday)" },
  "12m": { interval: "MONTH", describe: "the last 12 months, by month" },
};

/** {from, to, interval} (ISO strings) of period `choice` at `now`. */
export function periodOf(choice, now = new Date()) {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const day = now.getUTCDate();
  let from;
  let to;
  if (choice === "12m") {
    to = Date.UTC(year, month + 1, 1);
    from = Date.UTC(year, month - 11, 1);
  } else if (choice === "12w") {
    const sinceMonday = (now.getUTCDay() + 6) % 7;
    to = Date.UTC(year, month, day - sinceMonday + 7);
    from = to - 12 * 7 * DAY_MS;
  } else {
    to = Date.UTC(year, month, day + 1);
    from = to - 30 * DAY_MS;
  }
  const { interval } = PERIODS[choice] ?? PERIODS["30d"];
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), interval };
}
