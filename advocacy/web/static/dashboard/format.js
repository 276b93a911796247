// Numbers, money and dates as the dashboard shows them (in the browser's language).

const integerFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percentFormat = new Intl.NumberFormat(undefined, {
  style: "percent",
  maximumFractionDigits: 1,
});
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const moneyFormats = new Map();

/** 1234 → "1,234". */
export function count(value) {
  return integerFormat.format(Number(value ?? 0));
}

/** 0.4 → "40%". */
export function percent(rate) {
  return percentFormat.format(Number(rate ?? 0));
}

function moneyFormat(currency) {
  let format = moneyFormats.get(currency);
  if (format === undefined) {
    format = new Intl.NumberFormat(undefined, { style: "currency", currency });
    moneyFormats.set(currency, format);
  }
  return format;
}

/** Minor units of a currency as major units: 2500 USD → 25. */
export function majorUnits(amount, currency) {
  const digits = moneyFormat(currency).resolvedOptions().maximumFractionDigits ?? 2;
  return Number(amount ?? 0) / 10 ** digits;
}

/** Minor units (cents) → "$25.00". */
export function money(amount, currency) {
  return moneyFormat(currency).format(majorUnits(amount, currency));
}

export function date(iso) {
  return iso ? dateFormat.format(new Date(iso)) : "—";
}

/** A moment's local time of day: "10:04:05 AM". */
export function timeOfDay(moment) {
  return timeFormat.format(moment);
}

const utcDateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });

/** The UTC days of the period [from, to): "Nov 3 – Dec 2, 2026". */
export function utcDays(fromIso, toIso) {
  const first = new Date(fromIso);
  const last = new Date(Date.parse(toIso) - 1);
  return utcDateFormat.formatRange(first, last);
}

const bucketFormats = {
  DAY: new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" }),
  WEEK: new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" }),
  MONTH: new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone: "UTC" }),
};

/** A series bucket's label: its UTC day, the Monday its week starts, or its month. */
export function bucketLabel(start, interval) {
  const label = bucketFormats[interval].format(new Date(start));
  return interval === "WEEK" ? `Week of ${label}` : label;
}

/** The ISO date (YYYY-MM-DD, UTC) a bucket starts on: a stable key for tests and tables. */
export function bucketDay(start) {
  return new Date(start).toISOString().slice(0, 10);
}

/** SCREAMING_CASE enum value → "Screaming case". */
export function humanize(value) {
  const words = String(value).toLowerCase().replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
