// Milestones waiting for approval (SUBMITTED) in the program, each with an Approve button.

import { date, humanize } from "./format.js";
import { row } from "./lists.js";

function evidenceLink(url) {
  if (!url) {
    return "—";
  }
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return "—";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return "—";
  }
  const link = document.createElement("a");
  link.href = parsed.href;
  link.rel = "noopener noreferrer";
  link.target = "_blank";
  link.textContent = parsed.hostname;
  return link;
}

export class MilestoneQueue {
  /**
   * @param {HTMLElement} section
   * @param {object} hooks
   * @param {(name: string, variables: object) => Promise<object>} hooks.api
   * @param {() => boolean} hooks.canDecide the token may approve
   * @param {(error: Error) => void} hooks.onError
   */
  constructor(section, { api, canDecide, onError }) {
    this.body = section.querySelector("#milestones tbody");
    this.empty = section.querySelector("#milestones-empty");
    this.message = section.querySelector("#milestones-message");
    this.api = api;
    this.canDecide = canDecide;
    this.onError = onError;
    this.programId = null;
    this.sequence = 0;
  }

  async load(programId = this.programId) {
    this.programId = programId;
    const sequence = ++this.sequence;
    let data;
    try {
      data = await this.api("DashboardPendingMilestones", { programId, first: 50 });
    } catch (error) {
      this.onError(error);
      return;
    }
    if (sequence !== this.sequence) {
      return;
    }
    const nodes = data.milestones.nodes;
    this.body.replaceChildren(...nodes.map((milestone) => this.#row(milestone)));
    this.empty.hidden = nodes.length > 0;
  }

  clear() {
    this.sequence++;
    this.programId = null;
    this.body.replaceChildren();
    this.empty.hidden = true;
    this.message.hidden = true;
  }

  #row(milestone) {
    const what = `${milestone.advocate.name}'s ${humanize(milestone.kind).toLowerCase()}`;
    let action = "";
    if (this.canDecide()) {
      action = document.createElement("button");
      action.type = "button";
      action.className = "button small";
      action.textContent = "Approve";
      action.setAttribute("aria-label", `Approve ${what}`);
      action.addEventListener("click", () => this.#approve(milestone, what, action));
    }
    const tr = row(
      milestone.advocate.name,
      humanize(milestone.kind),
      date(milestone.occurredAt),
      evidenceLink(milestone.evidenceUrl),
      action,
    );
    tr.dataset.milestoneId = milestone.id;
    return tr;
  }

  async #approve(milestone, what, button) {
    button.disabled = true;
    this.message.hidden = true;
    let payload;
    try {
      payload = (await this.api("DashboardApproveMilestone", { input: { id: milestone.id } }))
        .approveMilestone;
    } catch (error) {
      button.disabled = false;
      this.onError(error);
      return;
    }
    if (payload.errors.length > 0) {
      button.disabled = false;
      this.#say(payload.errors.map((error) => error.message).join(" "), "error");
      return;
    }
    this.#say(`Approved ${what}: ${payload.milestone.points} points.`, "success");
    this.message.focus(); // the button goes away with its row
    await this.load();
  }

  #say(text, kind) {
    this.message.className = `notice ${kind}`;
    this.message.textContent = text;
    this.message.hidden = false;
  }
}
