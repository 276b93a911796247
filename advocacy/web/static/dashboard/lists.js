// A table filled from a Relay connection, a page at a time (first/after), with Previous/Next.
// The cursors of the pages seen so far make "Previous" possible with forward-only paging.

import { count } from "./format.js";

export class PagedList {
  /**
   * @param {object} options
   * @param {HTMLTableElement} options.table
   * @param {HTMLElement} options.empty shown when a page has no rows
   * @param {HTMLElement} options.pager with [data-pager=previous|next|text] inside
   * @param {(first: number, after: string|null) => Promise<object>} options.fetchPage the
   *   connection ({nodes, totalCount, pageInfo {hasNextPage endCursor}})
   * @param {(node: object) => HTMLTableRowElement} options.renderRow
   * @param {(error: Error) => void} options.onError
   * @param {() => number} options.pageSize
   */
  constructor({ table, empty, pager, fetchPage, renderRow, onError, pageSize }) {
    this.body = table.tBodies[0];
    this.empty = empty;
    this.previousButton = pager.querySelector("[data-pager=previous]");
    this.nextButton = pager.querySelector("[data-pager=next]");
    this.text = pager.querySelector("[data-pager=text]");
    this.fetchPage = fetchPage;
    this.renderRow = renderRow;
    this.onError = onError;
    this.pageSize = pageSize;
    this.cursors = [null];
    this.page = 0;
    this.endCursor = null;
    this.sequence = 0;
    this.previousButton.addEventListener("click", () => this.#go(this.page - 1));
    this.nextButton.addEventListener("click", () => this.#go(this.page + 1));
    this.#buttons(false);
  }

  /** Back to the first page (filters changed). */
  reset() {
    this.cursors = [null];
    this.page = 0;
    return this.reload();
  }

  /** Load the current page again (something changed). */
  async reload() {
    const sequence = ++this.sequence;
    const size = this.pageSize();
    let connection;
    try {
      connection = await this.fetchPage(size, this.cursors[this.page]);
    } catch (error) {
      if (sequence === this.sequence) {
        this.onError(error);
      }
      return;
    }
    if (sequence !== this.sequence) {
      return; // a newer load started meanwhile: its answer wins
    }
    this.body.replaceChildren(...connection.nodes.map((node) => this.renderRow(node)));
    this.empty.hidden = connection.nodes.length > 0;
    this.cursors[this.page + 1] = connection.pageInfo.endCursor;
    this.cursors.length = this.page + 2;
    this.hasNext = connection.pageInfo.hasNextPage;
    const first = this.page * size + 1;
    const last = this.page * size + connection.nodes.length;
    this.text.textContent =
      connection.nodes.length === 0
        ? `0 of ${count(connection.totalCount)}`
        : `${count(first)}–${count(last)} of ${count(connection.totalCount)}`;
    this.#buttons(true);
  }

  clear() {
    this.sequence++;
    this.body.replaceChildren();
    this.text.textContent = "";
    this.empty.hidden = true;
    this.cursors = [null];
    this.page = 0;
    this.#buttons(false);
  }

  #go(page) {
    if (page < 0 || page >= this.cursors.length || (page > this.page && !this.hasNext)) {
      return;
    }
    this.page = page;
    this.reload();
  }

  #buttons(loaded) {
    this.previousButton.disabled = !loaded || this.page === 0;
    this.nextButton.disabled = !loaded || !this.hasNext;
  }
}

/** A <tr> of cells; a cell is a string, or a Node put in as it is. */
export function row(...cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) {
      td.append(cell);
    } else {
      td.textContent = cell;
    }
    tr.append(td);
  }
  return tr;
}

/** A status as a coloured badge; `why` (say, why a gift needs reconciliation) is its tooltip
 * and is read out after the status by screen readers. */
export function statusBadge(status, text, why = null) {
  const badge = document.createElement("span");
  badge.className = "status";
  badge.dataset.status = status;
  badge.textContent = text;
  if (status === "NEEDS_RECONCILIATION" && why) {
    badge.title = why;
    const hidden = document.createElement("span");
    hidden.className = "sr-only";
    hidden.textContent = `: ${why}`;
    badge.append(hidden);
  }
  return badge;
}
