// The API token lives in sessionStorage only: this tab, until it closes or the user signs out.
// It is never put into a URL, a cookie or long-lived storage.

const TOKEN_KEY = "advocacy.dashboard.token";
const PROGRAM_KEY = "advocacy.dashboard.program";
const PERIOD_KEY = "advocacy.dashboard.period";

function read(key) {
  try {
    return window.sessionStorage.getItem(key);
  } catch {
    return null; // storage disabled: the user signs in again on reload
  }
}

function write(key, value) {
  try {
    if (value === null) {
      window.sessionStorage.removeItem(key);
    } else {
      window.sessionStorage.setItem(key, value);
    }
  } catch {
    // storage disabled or full: nothing to remember then
  }
}

export const stored = {
  token: () => read(TOKEN_KEY),
  setToken: (token) => write(TOKEN_KEY, token),
  program: () => read(PROGRAM_KEY),
  setProgram: (id) => write(PROGRAM_KEY, id),
  period: () => read(PERIOD_KEY),
  setPeriod: (choice) => write(PERIOD_KEY, choice),
  /** Forget everything this tab remembered (sign-out). */
  clear() {
    for (const key of [TOKEN_KEY, PROGRAM_KEY, PERIOD_KEY]) {
      write(key, null);
    }
  },
};
