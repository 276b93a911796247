// The KPI charts (Chart.js, loaded before this module as window.Chart) and their text
// alternatives: each canvas carries an aria-label with the headline numbers, and a
// visually-hidden table beside it holds every number the chart draws.

import { bucketDay, bucketLabel, count, money } from "./format.js";

// Okabe–Ito: told apart with the common colour-vision deficiencies.
const COLORS = {
  blue: "#0072B2",
  orange: "#E69F00",
  green: "#009E73",
  vermillion: "#D55E00",
  purple: "#CC79A7",
  sky: "#56B4E9",
  grey: "#7A7F87",
  black: "#1A1D23",
};
const GIFT_STATUSES = [
  ["offered", "Offered", COLORS.blue],
  ["redeemed", "Redeemed", COLORS.green],
  ["donated", "Donated", COLORS.purple],
  ["fulfilled", "Fulfilled", COLORS.black],
  ["declined", "Declined", COLORS.orange],
  ["expired", "Expired", COLORS.grey],
  ["cancelled", "Cancelled", COLORS.sky],
  ["failed", "Failed", COLORS.vermillion],
];

function chartLibrary() {
  const { Chart } = window;
  if (Chart === undefined) {
    throw new Error("Chart.js didn't load: is /static/vendor/chart.umd.min.js there? (make vendor)");
  }
  return Chart;
}

function baseOptions() {
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: reduced ? false : { duration: 300 },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
  };
}

function integerAxis(extra = {}) {
  return { beginAtZero: true, ticks: { precision: 0 }, ...extra };
}

/** A table of `rows` (arrays of cell texts) under `headers`, replacing `container`'s content. */
function renderTable(container, caption, headers, rows) {
  const table = document.createElement("table");
  const captionElement = table.createCaption();
  captionElement.textContent = caption;
  const head = table.createTHead().insertRow();
  for (const header of headers) {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = header;
    head.append(cell);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    row.forEach((value, index) => {
      const cell = document.createElement(index === 0 ? "th" : "td");
      if (index === 0) {
        cell.scope = "row";
      }
      cell.textContent = value;
      tr.append(cell);
    });
  }
  container.replaceChildren(table);
}

class KpiChart {
  constructor(figure, config) {
    this.figure = figure;
    this.canvas = figure.querySelector("canvas");
    this.table = figure.querySelector("[data-table]");
    const Chart = chartLibrary();
    this.chart = new Chart(this.canvas, config);
  }

  show(labels, datasets, summary, table) {
    this.chart.data.labels = labels;
    datasets.forEach((values, index) => {
      this.chart.data.datasets[index].data = values;
    });
    this.chart.update();
    this.canvas.setAttribute("aria-label", summary);
    renderTable(this.table, table.caption, table.headers, table.rows);
  }

  destroy() {
    this.chart.destroy();
  }
}

function funnelChart(figure) {
  return new KpiChart(figure, {
    type: "bar",
    data: {
      labels: [],
      datasets: [
        {
          label: "People",
          data: [],
          backgroundColor: [COLORS.blue, COLORS.orange, COLORS.green],
        },
      ],
    },
    options: {
      ...baseOptions(),
      plugins: { legend: { display: false } },
      scales: { y: integerAxis() },
    },
  });
}

function giftsChart(figure) {
  return new KpiChart(figure, {
    type: "line",
    data: {
      labels: [],
      datasets: GIFT_STATUSES.map(([, label, color]) => ({
        label,
        data: [],
        borderColor: color,
        backgroundColor: color,
        tension: 0.2,
        pointRadius: 2,
      })),
    },
    options: {
      ...baseOptions(),
      interaction: { mode: "index", intersect: false },
      scales: { y: integerAxis() },
    },
  });
}

function budgetChart(figure) {
  const options = baseOptions();
  options.plugins.tooltip = {
    callbacks: {
      label: (context) =>
        `${context.label}: ${money(context.raw, figure.dataset.currency ?? "USD")}`,
    },
  };
  return new KpiChart(figure, {
    type: "doughnut",
    data: {
      labels: [],
      datasets: [
        {
          label: "Budget",
          data: [],
          backgroundColor: [COLORS.vermillion, COLORS.orange, COLORS.green],
        },
      ],
    },
    options,
  });
}

function advocatesChart(figure) {
  return new KpiChart(figure, {
    type: "bar",
    data: {
      labels: [],
      datasets: [
        { label: "Active", data: [], backgroundColor: COLORS.green },
        { label: "Lapsed", data: [], backgroundColor: COLORS.vermillion },
      ],
    },
    options: {
      ...baseOptions(),
      scales: { x: { stacked: true }, y: integerAxis({ stacked: true }) },
    },
  });
}

function leadersChart(figure) {
  return new KpiChart(figure, {
    type: "bar",
    data: { labels: [], datasets: [{ label: "Points", data: [], backgroundColor: COLORS.blue }] },
    options: {
      ...baseOptions(),
      indexAxis: "y",
      plugins: { legend: { display: false } },
      scales: { x: integerAxis() },
    },
  });
}

function periodWords(stats) {
  const buckets = stats.series.length;
  const unit = { DAY: "day", WEEK: "week", MONTH: "month" }[stats.interval];
  return `${buckets} ${unit}${buckets === 1 ? "" : "s"}`;
}

export class Charts {
  constructor(root) {
    this.figures = {
      funnel: root.querySelector("#chart-funnel"),
      gifts: root.querySelector("#chart-gifts"),
      budget: root.querySelector("#chart-budget"),
      advocates: root.querySelector("#chart-advocates"),
      leaders: root.querySelector("#chart-leaders"),
    };
    this.charts = null;
  }

  #ensure() {
    if (this.charts === null) {
      this.charts = {
        funnel: funnelChart(this.figures.funnel),
        gifts: giftsChart(this.figures.gifts),
        budget: budgetChart(this.figures.budget),
        advocates: advocatesChart(this.figures.advocates),
        leaders: leadersChart(this.figures.leaders),
      };
    }
    return this.charts;
  }

  /** Draw `stats` (a ProgramStats answer) of a program whose budget is in `currency`. */
  show(stats, currency) {
    const charts = this.#ensure();
    const { period, series, interval } = stats;
    const labels = series.map((window) => bucketLabel(window.start, interval));
    const bucketRows = (pick) =>
      series.map((window) => [
        bucketDay(window.start),
        ...pick(window).map((value) => count(value)),
      ]);

    const { clicks, signups, conversions } = period.referrals;
    charts.funnel.show(
      ["Clicks", "Signups", "Conversions"],
      [[clicks, signups, conversions]],
      `Referral funnel: ${count(clicks)} clicks, ${count(signups)} signups, ` +
        `${count(conversions)} conversions.`,
      {
        caption: "Referral funnel in the period",
        headers: ["Step", "Count"],
        rows: [
          ["Clicks", count(clicks)],
          ["Signups", count(signups)],
          ["Conversions", count(conversions)],
        ],
      },
    );

    const gifts = period.gifts;
    charts.gifts.show(
      labels,
      GIFT_STATUSES.map(([key]) => series.map((window) => window.gifts[key])),
      `Gifts offered per ${interval.toLowerCase()} over ${periodWords(stats)} and what ` +
        "became of them: " +
        GIFT_STATUSES.map(([key, label]) => `${count(gifts[key])} ${label.toLowerCase()}`)
          .join(", ") +
        " in the period.",
      {
        caption: "Gifts by status per bucket (bucket start, UTC)",
        headers: ["Bucket", ...GIFT_STATUSES.map(([, label]) => label)],
        rows: bucketRows((window) => GIFT_STATUSES.map(([key]) => window.gifts[key])),
      },
    );

    const budget = period.budget.find((entry) => entry.currency === currency) ?? period.budget[0];
    this.figures.budget.dataset.currency = budget?.currency ?? currency;
    if (budget !== undefined) {
      const cash = (amount) => money(amount, budget.currency);
      charts.budget.show(
        ["Spent", "Reserved", "Remaining"],
        [[budget.spentToDate, budget.reserved, budget.remaining]],
        `Budget ${cash(budget.total)}: ${cash(budget.spentToDate)} spent, ` +
          `${cash(budget.reserved)} reserved, ${cash(budget.remaining)} remaining; ` +
          `${cash(budget.spent)} spent in the period.`,
        {
          caption: `Budget (${budget.currency}) at the end of the period`,
          headers: ["Part", "Amount"],
          rows: [
            ["Total", cash(budget.total)],
            ["Spent", cash(budget.spentToDate)],
            ["Reserved", cash(budget.reserved)],
            ["Remaining", cash(budget.remaining)],
            ["Spent in the period", cash(budget.spent)],
          ],
        },
      );
    }

    const advocates = period.advocates;
    charts.advocates.show(
      labels,
      [
        series.map((window) => window.advocates.active),
        series.map((window) => window.advocates.lapsed),
      ],
      `Advocates at the end of the period: ${count(advocates.active)} active, ` +
        `${count(advocates.lapsed)} lapsed, of ${count(advocates.total)}.`,
      {
        caption: "Active and lapsed advocates at the end of each bucket (bucket start, UTC)",
        headers: ["Bucket", "Active", "Lapsed", "All advocates"],
        rows: bucketRows(({ advocates: counts }) => [counts.active, counts.lapsed, counts.total]),
      },
    );

    const leaders = stats.topByPoints;
    charts.leaders.show(
      leaders.map((leader) => leader.advocate.name),
      [leaders.map((leader) => leader.points)],
      leaders.length === 0
        ? "Top advocates by points: nobody earned points in the period."
        : "Top advocates by points: " +
            leaders
              .map((leader) => `${leader.rank}. ${leader.advocate.name}, ${count(leader.points)}`)
              .join("; ") +
            ".",
      {
        caption: "Top advocates by points of approved milestones in the period",
        headers: ["Rank", "Advocate", "Points", "Milestones"],
        rows: leaders.map((leader) => [
          String(leader.rank),
          leader.advocate.name,
          count(leader.points),
          count(leader.milestones),
        ]),
      },
    );
  }

  destroy() {
    if (this.charts !== null) {
      for (const chart of Object.values(this.charts)) {
        chart.destroy();
      }
      this.charts = null;
    }
    for (const figure of Object.values(this.figures)) {
      figure.querySelector("[data-table]").replaceChildren();
      figure.querySelector("canvas").removeAttribute("aria-label");
    }
  }
}
