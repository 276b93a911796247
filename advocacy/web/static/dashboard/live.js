// A small client of the graphql-transport-ws protocol, for the dashboard's subscriptions:
//   connection_init {Authorization} → connection_ack → subscribe {id, payload} per operation →
//   next … / error / complete; ping → pong. One socket carries every subscription. When the
//   socket drops, it reconnects with exponential backoff (with jitter) and subscribes again;
//   a rejected token (4401/4403) stops it for good and says so.

import { documentOf } from "./graphql.js";

const PROTOCOL = "graphql-transport-ws";
const ACK_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406]);
const AUTH_CLOSE_CODES = new Set([4401, 4403]);
const decoder = new TextDecoder();

export class LiveClient {
  /**
   * @param {object} options
   * @param {() => string} options.token the bearer token for connection_init
   * @param {(state: string, detail?: string) => void} [options.onState] "connecting", "live",
   *   "reconnecting", "offline"
   * @param {() => void} [options.onRejected] the server refused the token
   * @param {string} [options.url] defaults to /graphql on this page's origin
   */
  constructor({ token, onState = () => {}, onRejected = () => {}, url = undefined }) {
    this.token = token;
    this.onState = onState;
    this.onRejected = onRejected;
    this.url = url ?? defaultUrl();
    this.socket = null;
    this.acknowledged = false;
    this.subscriptions = new Map();
    this.nextId = 1;
    this.attempt = 0;
    this.retryTimer = null;
    this.ackTimer = null;
    this.stopped = false;
  }

  /**
   * Start subscription `name` (an operation of operations.json) and call `sink.next(payload)`
   * with every result ({data, errors}); `sink.error(errors)` if the server ends it with errors.
   * Returns the function that stops it.
   */
  subscribe(name, variables, sink) {
    const id = String(this.nextId++);
    this.subscriptions.set(id, { name, variables, sink });
    if (this.acknowledged) {
      this.#sendSubscribe(id);
    } else {
      this.#ensureSocket();
    }
    return () => this.#unsubscribe(id);
  }

  /** Stop everything and close the socket; the client can't be used again. */
  close() {
    this.stopped = true;
    this.subscriptions.clear();
    this.#clearTimers();
    if (this.socket !== null) {
      this.socket.close(1000, "Normal Closure");
      this.socket = null;
    }
    this.onState("offline");
  }

  #unsubscribe(id) {
    if (!this.subscriptions.delete(id)) {
      return;
    }
    if (this.acknowledged) {
      this.#send({ id, type: "complete" });
    }
  }

  #ensureSocket() {
    if (this.stopped || this.socket !== null || this.retryTimer !== null) {
      return;
    }
    this.onState(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url, PROTOCOL);
    // The protocol is text, but a server may send its JSON in binary frames: take those too.
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.#send({ type: "connection_init", payload: { Authorization: `Bearer ${this.token()}` } });
      this.ackTimer = setTimeout(
        () => socket.close(4504, "Connection acknowledgement timeout"),
        ACK_TIMEOUT_MS,
      );
    });
    socket.addEventListener("message", (event) => this.#receive(event.data));
    socket.addEventListener("close", (event) => this.#closed(socket, event.code));
  }

  #receive(raw) {
    let message;
    try {
      message = JSON.parse(typeof raw === "string" ? raw : decoder.decode(raw));
    } catch {
      this.socket?.close(4400, "Invalid message");
      return;
    }
    switch (message.type) {
      case "connection_ack":
        clearTimeout(this.ackTimer);
        this.acknowledged = true;
        this.attempt = 0;
        this.onState("live");
        for (const id of this.subscriptions.keys()) {
          this.#sendSubscribe(id);
        }
        break;
      case "ping":
        this.#send({ type: "pong" });
        break;
      case "next":
        this.subscriptions.get(message.id)?.sink.next(message.payload ?? {});
        break;
      case "error": {
        const subscription = this.subscriptions.get(message.id);
        this.subscriptions.delete(message.id);
        subscription?.sink.error?.(message.payload ?? []);
        break;
      }
      case "complete": {
        const subscription = this.subscriptions.get(message.id);
        this.subscriptions.delete(message.id);
        subscription?.sink.complete?.();
        break;
      }
      default:
        break; // pong, or something newer than this client
    }
  }

  #closed(socket, code) {
    if (socket !== this.socket) {
      return;
    }
    this.socket = null;
    this.acknowledged = false;
    clearTimeout(this.ackTimer);
    if (this.stopped) {
      return;
    }
    if (FATAL_CLOSE_CODES.has(code)) {
      this.stopped = true;
      this.onState("offline", AUTH_CLOSE_CODES.has(code) ? "rejected" : "failed");
      if (AUTH_CLOSE_CODES.has(code)) {
        this.onRejected();
      }
      return;
    }
    if (this.subscriptions.size === 0) {
      this.onState("offline");
      return;
    }
    const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.attempt);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempt += 1;
    this.onState("reconnecting", `in ${Math.ceil(delay / 1000)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.#ensureSocket();
    }, delay);
  }

  #sendSubscribe(id) {
    const { name, variables } = this.subscriptions.get(id);
    this.#send({
      id,
      type: "subscribe",
      payload: { query: documentOf(name), operationName: name, variables },
    });
  }

  #send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  #clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.ackTimer);
    this.retryTimer = null;
    this.ackTimer = null;
  }
}

function defaultUrl() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}/graphql`;
}
