// The marketer dashboard: sign in with an API token, pick a program and a period, watch its
// KPIs live, list advocates and gift sends, send gifts, approve milestones.

import { Charts } from "./charts.js";
import { count, date, humanize, money, timeOfDay, utcDays } from "./format.js";
import { execute, loadDocuments } from "./graphql.js";
import { PagedList, row, statusBadge } from "./lists.js";
import { LiveClient } from "./live.js";
import { MilestoneQueue } from "./milestones.js";
import { PERIODS, periodOf } from "./period.js";
import { SendGiftForm } from "./send-gift.js";
import { stored } from "./session.js";
import { renderTiles } from "./tiles.js";

const REFRESH_DELAY_MS = 300;
const ROLLOVER_CHECK_MS = 3_600_000;
const LIVE_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

const $ = (selector) => document.querySelector(selector);

const state = {
  token: null,
  role: null,
  programs: new Map(),
  program: null,
  period: null,
  statsKey: null,
  live: null,
  stopLive: [],
  rollover: null,
};

const charts = new Charts(document);
const sendForm = new SendGiftForm($("#send-gift"), {
  api,
  onSent: () => {
    scheduleRefresh("sends", () => sendsList.reset());
  },
  onError: report,
});
const milestones = new MilestoneQueue($("#milestones").closest("section"), {
  api,
  canDecide: canWrite,
  onError: report,
});
const sendsList = new PagedList({
  table: $("#sends"),
  empty: $("#sends-empty"),
  pager: $("#sends").closest("section").querySelector(".pager"),
  pageSize: () => Number($("#sends-page-size").value),
  onError: report,
  fetchPage: async (first, after) => {
    const status = $("#sends-status").value;
    const filter = { programId: state.program.id, statuses: status ? [status] : null };
    return (await api("DashboardGiftSends", { first, after, filter })).giftSends;
  },
  renderRow: (send) => {
    const tr = row(
      date(send.createdAt),
      send.advocate.name,
      send.item.name,
      money(send.amount.amount, send.amount.currency),
      statusBadge(send.status, humanize(send.status), send.reconciliationReason),
    );
    tr.dataset.sendId = send.id;
    tr.dataset.status = send.status;
    return tr;
  },
});
const advocatesList = new PagedList({
  table: $("#advocates"),
  empty: $("#advocates-empty"),
  pager: $("#advocates").closest("section").querySelector(".pager"),
  pageSize: () => Number($("#advocates-page-size").value),
  onError: report,
  fetchPage: async (first, after) => {
    const search = $("#advocates-search").value.trim();
    const status = $("#advocates-status").value;
    const [field, direction] = $("#advocates-order").value.split(":");
    const filter = { search: search || null, statuses: status ? [status] : null };
    const orderBy = { field, direction };
    return (await api("DashboardAdvocates", { first, after, filter, orderBy })).advocates;
  },
  renderRow: (advocate) => {
    const name = document.createElement("span");
    name.textContent = advocate.name;
    if (advocate.account) {
      const account = document.createElement("span");
      account.className = "muted";
      account.textContent = ` · ${advocate.account.name}`;
      name.append(account);
    }
    const points = count(advocate.points);
    let action = "";
    if (canWrite() && advocate.status !== "OPTED_OUT") {
      action = document.createElement("button");
      action.type = "button";
      action.className = "button small secondary";
      action.textContent = "Send gift";
      action.setAttribute("aria-label", `Send gift to ${advocate.name}`);
      action.addEventListener("click", () => sendForm.chooseAdvocate(advocate));
    }
    const tr = row(
      name,
      advocate.email,
      statusBadge(advocate.status, humanize(advocate.status)),
      points,
      date(advocate.lastEngagedAt),
      action,
    );
    tr.cells[3].className = "number";
    tr.dataset.advocateId = advocate.id;
    return tr;
  },
});

// --- talking to the API ---------------------------------------------------------------------

async function api(name, variables) {
  try {
    return await execute(name, variables, state.token);
  } catch (error) {
    if (error.code === "UNAUTHENTICATED" && state.token !== null) {
      signOut("Your token is no longer valid (revoked?). Sign in again.");
    }
    throw error;
  }
}

function canWrite() {
  return state.role === "ADMIN" || state.role === "MARKETER";
}

function say(text, kind = "error") {
  const message = $("#global-message");
  message.className = `notice ${kind}`;
  message.textContent = text;
  message.hidden = false;
}

function report(error) {
  if (error.code === "UNAUTHENTICATED") {
    return; // signOut() has said why
  }
  const forbidden = error.code === "FORBIDDEN";
  say(forbidden ? `Your token's role can't do that: ${error.message}` : error.message);
}

const refreshTimers = new Map();
function scheduleRefresh(key, work) {
  clearTimeout(refreshTimers.get(key));
  refreshTimers.set(
    key,
    setTimeout(() => {
      refreshTimers.delete(key);
      work();
    }, REFRESH_DELAY_MS),
  );
}

// --- signing in and out ---------------------------------------------------------------------

function showSignIn(reason) {
  $("#app").hidden = true;
  $("#session-bar").hidden = true;
  $("#sign-in").hidden = false;
  const error = $("#token-error");
  const input = $("#token");
  input.value = "";
  if (reason) {
    error.textContent = reason;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
  } else {
    error.hidden = true;
    input.removeAttribute("aria-invalid");
  }
  input.focus();
}

async function signIn(token) {
  let viewer;
  try {
    viewer = (await execute("DashboardViewer", {}, token)).viewer;
  } catch (error) {
    if (error.code === "UNAUTHENTICATED") {
      stored.clear();
      showSignIn("That token isn't valid, or it was revoked.");
    } else {
      say(error.message);
      showSignIn();
    }
    return;
  }
  state.token = token;
  state.role = viewer.role;
  stored.setToken(token);
  $("#global-message").hidden = true;
  $("#sign-in").hidden = true;
  $("#token").value = "";
  $("#org-name").textContent = `${viewer.organization.name} · ${humanize(viewer.role)}`;
  $("#session-bar").hidden = false;
  $("#app").hidden = false;
  $("#send-gift").closest("section").hidden = !canWrite();
  state.live = new LiveClient({
    token: () => state.token,
    onState: showLiveState,
    onRejected: () => signOut("Your token is no longer valid (revoked?). Sign in again."),
  });
  advocatesList.reset();
  await loadPrograms();
}

function signOut(reason) {
  stored.clear();
  state.token = null;
  state.role = null;
  stopLive();
  state.live?.close();
  state.live = null;
  state.program = null;
  state.statsKey = null;
  state.programs.clear();
  charts.destroy();
  sendsList.clear();
  advocatesList.clear();
  milestones.clear();
  sendForm.clear();
  $("#program").replaceChildren();
  $("#tiles").replaceChildren();
  $("#program-view").hidden = true;
  $("#global-message").hidden = true;
  showSignIn(reason);
}

function showLiveState(liveState, detail) {
  const badge = $("#live-status");
  badge.dataset.state = liveState;
  const text = LIVE_TEXT[liveState];
  badge.textContent = detail && liveState === "reconnecting" ? `${text} ${detail}` : text;
}

// --- program, period, KPIs ------------------------------------------------------------------

async function loadPrograms() {
  let data;
  try {
    data = await api("DashboardPrograms", { first: 100 });
  } catch (error) {
    report(error);
    return;
  }
  const programs = data.programs.nodes;
  state.programs = new Map(programs.map((program) => [program.id, program]));
  const select = $("#program");
  select.replaceChildren(
    ...programs.map((program) => {
      const element = document.createElement("option");
      element.value = program.id;
      const status = program.status === "ACTIVE" ? "" : ` (${humanize(program.status)})`;
      element.textContent = `${program.name}${status}`;
      return element;
    }),
  );
  $("#no-programs").hidden = programs.length > 0;
  if (programs.length === 0) {
    return;
  }
  const remembered = stored.program();
  const first = state.programs.has(remembered)
    ? remembered
    : (programs.find((program) => program.status === "ACTIVE") ?? programs[0]).id;
  select.value = first;
  await selectProgram(first);
}

async function selectProgram(id) {
  state.program = state.programs.get(id);
  stored.setProgram(id);
  $("#program-view").hidden = false;
  sendsList.reset();
  milestones.load(id);
  sendForm.setProgram(state.program);
  await showPeriod();
}

function stopLive() {
  clearTimeout(state.rollover);
  for (const stop of state.stopLive) {
    stop();
  }
  state.stopLive = [];
}

/** (Re)load the KPIs of the chosen program and period, and follow them live. */
async function showPeriod() {
  const choice = $("#period").value;
  stored.setPeriod(choice);
  state.period = periodOf(choice);
  const program = state.program;
  const key = `${program.id}|${choice}|${state.period.from}`;
  state.statsKey = key;
  const days = utcDays(state.period.from, state.period.to);
  $("#period-text").textContent = `Showing ${PERIODS[choice].describe}: ${days} (UTC).`;
  const updated = $("#stats-updated");
  updated.textContent = "";
  updated.dataset.pushes = "0";
  stopLive();
  watchRollover(choice);
  const variables = { programId: program.id, ...state.period };
  state.stopLive.push(
    keepSubscribed("DashboardProgramStatsUpdated", variables, (data) => {
      showStats(key, data.programStatsUpdated, true);
      scheduleRefresh("milestones", () => milestones.load());
    }),
    keepSubscribed("DashboardGiftSendUpdated", { programId: program.id }, () => {
      scheduleRefresh("sends", () => sendsList.reload());
    }),
  );
  try {
    const data = await api("DashboardProgramStats", variables);
    showStats(key, data.programStats, false);
  } catch (error) {
    report(error);
  }
}

/** When "the last 30 days" move on (midnight UTC, a new week or month), follow them. */
function watchRollover(choice) {
  clearTimeout(state.rollover);
  const until = Date.parse(state.period.to) - Date.now();
  state.rollover = setTimeout(
    () => {
      if (state.program === null) {
        return;
      }
      if (periodOf(choice).to !== state.period.to) {
        showPeriod();
      } else {
        watchRollover(choice);
      }
    },
    Math.max(1_000, Math.min(until + 1_000, ROLLOVER_CHECK_MS)),
  );
}

/** Show `stats` if they are still those of the program and period on screen; `pushed`:
 * they came over the subscription (counted in #stats-updated's data-pushes). */
function showStats(key, stats, pushed) {
  if (key !== state.statsKey) {
    return; // an answer for a program or period no longer shown
  }
  const updated = $("#stats-updated");
  updated.textContent = `Updated ${timeOfDay(new Date())}.`;
  if (pushed) {
    updated.dataset.pushes = String(Number(updated.dataset.pushes) + 1);
  }
  const currency = state.program.budget.currency;
  renderTiles($("#tiles"), stats, currency);
  try {
    charts.show(stats, currency);
  } catch (error) {
    say(error.message);
  }
}

/**
 * Subscribe to `name` and keep at it: when the server ends the subscription (its feed was
 * interrupted, or the socket dropped and came back), subscribe again after a growing pause.
 */
function keepSubscribed(name, variables, onData) {
  let stop = null;
  let stopped = false;
  let timer = null;
  let failures = 0;
  const ended = (errors) => {
    if (stopped) {
      return;
    }
    stop?.();
    const code = errors[0]?.extensions?.code;
    if (code === "UNAUTHENTICATED") {
      signOut("Your token is no longer valid (revoked?). Sign in again.");
      return;
    }
    if (code === "FORBIDDEN" || code === "BAD_USER_INPUT") {
      say(`Live updates stopped: ${errors[0].message}`);
      return;
    }
    const delay = Math.min(30_000, 1_000 * 2 ** failures);
    failures += 1;
    timer = setTimeout(start, delay);
  };
  const start = () => {
    if (stopped || state.live === null) {
      return;
    }
    stop = state.live.subscribe(name, variables, {
      next: (payload) => {
        if (payload.errors?.length) {
          ended(payload.errors);
          return;
        }
        failures = 0;
        onData(payload.data);
      },
      error: (errors) => ended(errors),
      complete: () => ended([]),
    });
  };
  start();
  return () => {
    stopped = true;
    clearTimeout(timer);
    stop?.();
  };
}

// --- wiring ---------------------------------------------------------------------------------

function wire() {
  $("#sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("#token").value.trim();
    if (!token) {
      showSignIn("Paste your API token.");
      return;
    }
    signIn(token);
  });
  $("#sign-out").addEventListener("click", () => signOut());
  $("#program").addEventListener("change", (event) => selectProgram(event.target.value));
  $("#period").addEventListener("change", () => showPeriod());
  for (const id of ["#sends-status", "#sends-page-size"]) {
    $(id).addEventListener("change", () => sendsList.reset());
  }
  for (const id of ["#advocates-status", "#advocates-order", "#advocates-page-size"]) {
    $(id).addEventListener("change", () => advocatesList.reset());
  }
  $("#advocates-search").addEventListener("input", () => {
    scheduleRefresh("advocates", () => advocatesList.reset());
  });
  for (const form of ["#sends-filter", "#advocates-filter"]) {
    $(form).addEventListener("submit", (event) => event.preventDefault());
  }
}

async function boot() {
  wire();
  const period = stored.period();
  if (period && PERIODS[period]) {
    $("#period").value = period;
  }
  try {
    await loadDocuments();
  } catch (error) {
    say(error.message);
    return;
  }
  const token = stored.token();
  if (token) {
    await signIn(token);
  } else {
    showSignIn();
  }
  document.body.dataset.ready = "true";
}

boot();
