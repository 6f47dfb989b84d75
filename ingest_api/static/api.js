// Talking to the API: the session's key, error bodies, and waiting politely before retrying.
const KEY = "studio.apiKey";

export const apiKey = () => sessionStorage.getItem(KEY) || "";
export function setApiKey(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}
export const authHeaders = () => (apiKey() ? { "X-API-Key": apiKey() } : {});

export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status; // 0: the network, not the API
    this.code = code;
    this.retryAfter = retryAfter;
  }
  // Worth trying again later: the API or the network is away, or we are over the rate limit.
  get transient() { return this.status === 0 || this.status === 429 || this.status >= 500; }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Exponential backoff with jitter, capped: a lost API is asked about every few seconds at most.
export function backoffMs(attempt, capMs = 10000) {
  const base = Math.min(capMs, 500 * 2 ** Math.min(attempt, 5));
  return base / 2 + Math.random() * base / 2;
}

// The tab's one rate-limit clock. After a 429, requests leave one at a time, Retry-After
// apart, instead of all waking together and spending the next token to learn the same thing.
let notBefore = 0;
let spacing = 0;
export async function gate() {
  const at = Math.max(Date.now(), notBefore);
  if (spacing) notBefore = at + spacing;
  if (at > Date.now()) await sleep(at - Date.now());
}
// A request got through: once no one is queued behind the clock, stop pacing.
export function relax() {
  if (Date.now() >= notBefore) spacing = 0;
}

// How long to wait after a transient error before the next try (which passes `gate` too).
export function waitMs(err, attempt) {
  if (err.retryAfter != null) {
    spacing = Math.max(1, err.retryAfter) * 1000;
    notBefore = Math.max(notBefore, Date.now() + spacing);
    return 0; // the gate does the waiting, in turn
  }
  return backoffMs(attempt);
}

export async function errorFrom(res) {
  let code = `http_${res.status}`;
  let message = res.statusText || "request failed";
  let fields = {};
  try {
    const body = await res.json();
    if (body && body.error) ({ code, message, fields = {} } = body.error);
  } catch { /* not JSON: keep the status line */ }
  const retry = Number.parseFloat(res.headers.get("Retry-After") || "");
  const err = new ApiError(res.status, code, message, Number.isFinite(retry) ? retry : null);
  err.fields = fields; // per-field problems of a 422
  return err;
}

// One request; throws ApiError (status 0 when the network failed).
export async function request(path, { method = "GET", json, signal, raw = false, cache } = {}) {
  const headers = authHeaders();
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let res;
  await gate();
  try {
    res = await fetch(path, { method, headers, body, signal, cache });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "the API cannot be reached");
  }
  if (!res.ok) throw await errorFrom(res);
  relax();
  return raw ? res : res.json();
}

// The same request until it succeeds or fails for good; `onWait(err, ms)` hears each pause.
export async function persistent(path, options = {}, onWait = () => {}) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await request(path, options);
    } catch (err) {
      if (!(err instanceof ApiError) || !err.transient) throw err;
      const ms = waitMs(err, attempt);
      onWait(err, ms);
      await sleep(ms);
    }
  }
}
