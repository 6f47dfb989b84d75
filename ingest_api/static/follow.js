// Live status of documents from the SSE route, read with fetch (EventSource cannot send the key).
// One follower per document, a few at a time (browsers allow six connections to a host).
import { ApiError, authHeaders, errorFrom, gate, relax, sleep, waitMs } from "./api.js";

const MAX_STREAMS = 3;
const FINAL = new Set(["completed", "failed", "cancelled"]);
const active = new Map(); // id -> promise
let streams = 0;
const waiting = [];

async function slot() {
  if (streams < MAX_STREAMS) { streams += 1; return; }
  await new Promise((resolve) => waiting.push(resolve));
}
function release() {
  const next = waiting.shift();
  if (next) next(); else streams -= 1;
}

export const following = (id) => active.has(id);

// Follow `id` until a final status; `onUpdate(result)` for each change, `onTrouble(err, ms)`
// while waiting to reconnect. Calling it again for a followed id returns the same promise.
export function follow(id, onUpdate, onTrouble) {
  if (active.has(id)) return active.get(id);
  const done = run(id, onUpdate, onTrouble).finally(() => active.delete(id));
  active.set(id, done);
  return done;
}

async function run(id, onUpdate, onTrouble) {
  for (let attempt = 0; ; attempt += 1) {
    await slot();
    let last = null;
    try {
      last = await stream(id, (result) => { attempt = 0; last = result; onUpdate(result); });
    } catch (err) {
      if (!(err instanceof ApiError) || !err.transient) { release(); throw err; }
      release();
      const ms = waitMs(err, attempt);
      onTrouble(err, ms);
      await sleep(ms);
      continue;
    }
    release();
    if (last && FINAL.has(last.status)) return last;
    await sleep(waitMs(new ApiError(0, "ended", ""), attempt)); // closed early: come back later
  }
}

async function stream(id, onEvent) {
  let res;
  await gate();
  try {
    res = await fetch(`/v1/documents/${encodeURIComponent(id)}/events`, { headers: authHeaders() });
  } catch {
    throw new ApiError(0, "network", "the API cannot be reached");
  }
  if (!res.ok) throw await errorFrom(res);
  relax();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let last = null;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return last;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart()).join("\n");
        if (!data) continue; // a keep-alive comment
        last = JSON.parse(data);
        onEvent(last);
        if (FINAL.has(last.status)) { reader.cancel().catch(() => {}); return last; }
      }
    }
  } catch (err) {
    if (err instanceof SyntaxError) throw err;
    throw new ApiError(0, "network", "the event stream broke off");
  }
}
