// "Send a gift": pick an advocate (searchable) and a catalog item in the program's currency,
// add a message, send. The payload's `errors` show next to the fields they name.

import { count, humanize, money } from "./format.js";

const SEARCH_DELAY_MS = 250;
const FIELDS = {
  advocateId: "send-advocate",
  itemId: "send-item",
  message: "send-message",
};

function randomKey() {
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function option(value, text) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  return element;
}

export class SendGiftForm {
  /**
   * @param {HTMLFormElement} form
   * @param {object} hooks
   * @param {(name: string, variables: object) => Promise<object>} hooks.api
   * @param {(sent: object) => void} hooks.onSent
   * @param {(error: Error) => void} hooks.onError a query or the mutation failed outright
   */
  constructor(form, { api, onSent, onError }) {
    this.form = form;
    this.api = api;
    this.onSent = onSent;
    this.onError = onError;
    this.advocate = form.querySelector("#send-advocate");
    this.item = form.querySelector("#send-item");
    this.message = form.querySelector("#send-message");
    this.search = form.querySelector("#send-advocate-search");
    this.button = form.querySelector("button[type=submit]");
    this.result = form.querySelector("#send-result");
    this.formError = form.querySelector("#send-form-error");
    this.program = null;
    this.attempt = null; // {fingerprint, key} of a send whose answer never came
    this.searchTimer = null;
    this.searchSequence = 0;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#submit();
    });
    this.search.addEventListener("input", () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.#loadAdvocates(), SEARCH_DELAY_MS);
    });
  }

  /** The program sends come from: its currency decides which items can go. */
  async setProgram(program) {
    this.program = program;
    this.#clearErrors();
    this.result.hidden = true;
    await Promise.all([this.#loadItems(), this.#loadAdvocates()]);
  }

  /** Preselect an advocate (the advocate list's "Send gift" button) and move to the form. */
  chooseAdvocate(advocate) {
    if (![...this.advocate.options].some((element) => element.value === advocate.id)) {
      this.advocate.append(option(advocate.id, `${advocate.name} — ${advocate.email}`));
    }
    this.advocate.value = advocate.id;
    this.form.scrollIntoView({ block: "start" });
    this.item.focus();
  }

  clear() {
    this.program = null;
    this.advocate.replaceChildren();
    this.item.replaceChildren();
    this.message.value = "";
    this.search.value = "";
    this.result.hidden = true;
    this.#clearErrors();
  }

  async #loadItems() {
    const currency = this.program.budget.currency;
    let data;
    try {
      data = await this.api("DashboardGiftItems", { currency });
    } catch (error) {
      this.onError(error);
      return;
    }
    const items = data.giftItems.nodes;
    const options = items.map((item) => {
      const stock = item.inventory === null ? "" : `, ${count(item.inventory)} left`;
      return option(
        item.id,
        `${item.name} — ${money(item.price.amount, item.price.currency)} ` +
          `(${humanize(item.kind)}${stock})`,
      );
    });
    const placeholder =
      items.length === 0 ? `No active ${currency} items in the catalog` : "Choose a gift";
    this.item.replaceChildren(option("", placeholder), ...options);
  }

  async #loadAdvocates() {
    const sequence = ++this.searchSequence;
    const search = this.search.value.trim();
    let data;
    try {
      data = await this.api("DashboardAdvocates", {
        first: 50,
        after: null,
        filter: search ? { search } : null,
        orderBy: { field: "NAME", direction: "ASC" },
      });
    } catch (error) {
      this.onError(error);
      return;
    }
    if (sequence !== this.searchSequence) {
      return;
    }
    const chosen = this.advocate.selectedOptions[0];
    const nodes = data.advocates.nodes;
    const options = nodes.map((advocate) => {
      const status = advocate.status === "ACTIVE" ? "" : ` (${humanize(advocate.status)})`;
      return option(advocate.id, `${advocate.name} — ${advocate.email}${status}`);
    });
    const placeholder = nodes.length === 0 ? "No advocate matches" : "Choose an advocate";
    const keep = chosen && chosen.value && !nodes.some((advocate) => advocate.id === chosen.value);
    this.advocate.replaceChildren(option("", placeholder), ...(keep ? [chosen] : []), ...options);
    if (chosen?.value) {
      this.advocate.value = chosen.value;
    }
  }

  #clearErrors() {
    for (const id of Object.values(FIELDS)) {
      this.#fieldError(id, null);
    }
    this.formError.hidden = true;
    this.formError.textContent = "";
  }

  #fieldError(id, message) {
    const field = this.form.querySelector(`#${id}`);
    const error = this.form.querySelector(`#${id}-error`);
    if (message === null) {
      field.removeAttribute("aria-invalid");
      error.hidden = true;
      error.textContent = "";
    } else {
      field.setAttribute("aria-invalid", "true");
      error.hidden = false;
      error.textContent = message;
    }
  }

  #showErrors(errors) {
    let first = null;
    const general = [];
    for (const error of errors) {
      const id = FIELDS[error.field];
      if (id === undefined) {
        general.push(error.message);
        continue;
      }
      this.#fieldError(id, error.message);
      first ??= this.form.querySelector(`#${id}`);
    }
    if (general.length > 0) {
      this.formError.textContent = general.join(" ");
      this.formError.hidden = false;
    }
    (first ?? this.button).focus();
  }

  async #submit() {
    this.#clearErrors();
    this.result.hidden = true;
    const missing = [];
    if (!this.advocate.value) {
      missing.push({ field: "advocateId", message: "Choose an advocate." });
    }
    if (!this.item.value) {
      missing.push({ field: "itemId", message: "Choose a gift." });
    }
    if (missing.length > 0) {
      this.#showErrors(missing);
      return;
    }
    const message = this.message.value.trim();
    const input = {
      programId: this.program.id,
      advocateId: this.advocate.value,
      itemId: this.item.value,
      message: message || null,
    };
    // A retry of a send whose answer got lost reuses its key, so it can't go out twice.
    const fingerprint = JSON.stringify(input);
    if (this.attempt?.fingerprint !== fingerprint) {
      this.attempt = { fingerprint, key: randomKey() };
    }
    this.button.disabled = true;
    let payload;
    try {
      const variables = { input: { ...input, idempotencyKey: this.attempt.key } };
      payload = (await this.api("DashboardSendGift", variables)).sendGift;
    } catch (error) {
      const lost = error.code === "NETWORK" || error.code === "HTTP";
      this.formError.textContent = lost
        ? `${error.message} Sending again is safe: the gift can't go out twice.`
        : error.message;
      this.formError.hidden = false;
      if (!lost) {
        this.attempt = null;
        this.onError(error);
      }
      return;
    } finally {
      this.button.disabled = false;
    }
    this.attempt = null;
    if (payload.errors.length > 0) {
      this.#showErrors(payload.errors);
      return;
    }
    const send = payload.giftSend;
    this.result.textContent = `Sent ${send.item.name} to ${send.advocate.name}.`;
    this.result.hidden = false;
    this.message.value = "";
    this.onSent(send);
  }
}
