// The review queue panel: the tenant's documents waiting for a person, oldest first, a page at a
// time (GET /v1/reviews gives `total` and a `next_cursor`), in a list that scrolls on its own.
import { persistent } from "./api.js";

const PAGE = 50; // as the API's default
const MAX_PAGE = 200; // the API's largest `limit`
const $ = (id) => document.getElementById(id);
const entries = new Map(); // id -> the queue's entry, as the API gave it, in queue order
let cursor = null; // the next page's, null when everything is loaded
let total = 0;
let openId = null;
let hooks = { open: () => {}, announce: () => {}, loaded: () => {} };

const path = (limit, after) => `/v1/reviews?state=pending&limit=${limit}` +
  (after ? `&cursor=${encodeURIComponent(after)}` : "");

// `open(id)` opens an entry; `announce(text)` says what went wrong; `loaded()` follows each load.
export function initQueue(given) {
  hooks = { ...hooks, ...given };
  $("queue-refresh").addEventListener("click", () => loadQueue());
  $("queue-more").addEventListener("click", () => loadMore());
}

export const queuedEntry = (id) => entries.get(id);
export const queuedEntries = () => [...entries.values()];
export const queueComplete = () => cursor === null; // every waiting document is loaded

// One load at a time, in order; a refresh asked for while one waits to start joins it.
let chain = Promise.resolve();
let waiting = null;
const serial = (task) => (chain = chain.then(task, task));

export function loadQueue() {
  if (!waiting) {
    waiting = serial(async () => {
      waiting = null;
      await guarded(refresh);
    });
  }
  return waiting;
}

export const loadMore = () => serial(() => guarded(more));

async function guarded(task) {
  try {
    await task();
  } catch (err) {
    hooks.announce(`Review queue not loaded (${err.code}): ${err.message}`);
  }
}

// From the start again, as many as were loaded (at least a page): "Load more" is not undone.
async function refresh() {
  const want = Math.max(PAGE, entries.size);
  const got = [];
  let after = null;
  let body;
  do {
    body = await persistent(path(Math.min(MAX_PAGE, Math.max(PAGE, want - got.length)), after));
    got.push(...body.items);
    after = body.next_cursor;
  } while (after && got.length < want);
  const place = $("review-queue").scrollTop; // where the person was in the list
  entries.clear();
  $("review-queue").replaceChildren();
  show(got, body, place);
}

async function more() {
  if (!cursor) return;
  const body = await persistent(path(PAGE, cursor));
  const fresh = body.items.filter((entry) => !entries.has(entry.id));
  show(fresh, body);
  const first = fresh.length && $("review-queue").querySelector(`button[data-doc-id="${CSS.escape(fresh[0].id)}"]`);
  if (first) first.focus(); // the next one to look at; the button may be gone (the last page)
}

function show(added, body, place = null) {
  for (const entry of added) {
    entries.set(entry.id, entry);
    $("review-queue").append(row(entry));
  }
  if (place !== null) $("review-queue").scrollTop = place;
  cursor = body.next_cursor;
  total = body.total;
  $("queue-count").textContent = ` · ${total}`;
  $("queue-more").hidden = !cursor;
  $("queue-shown").textContent = cursor ? `Showing ${entries.size} of ${total}` : "";
  $("queue-empty").hidden = entries.size > 0;
  markQueue(openId);
  hooks.loaded();
}

function row(entry) {
  const li = document.createElement("li");
  const b = document.createElement("button");
  b.type = "button";
  b.dataset.docId = entry.id;
  b.innerHTML = '<span class="doc-name"></span><span class="doc-meta"></span>';
  b.firstChild.textContent = entry.title || entry.filename || entry.id;
  b.lastChild.textContent = `${entry.schema} · to review: ${entry.fields.join(", ") || "all fields"}`;
  b.addEventListener("click", () => hooks.open(entry.id));
  li.append(b);
  return li;
}

// The open document is marked in the queue as in the document list, and scrolled into the list's view.
export function markQueue(id) {
  openId = id;
  const list = $("review-queue");
  for (const b of list.querySelectorAll("button[data-doc-id]")) {
    const current = Boolean(id) && b.dataset.docId === id;
    b.setAttribute("aria-current", String(current));
    if (!current) continue;
    const top = b.offsetTop - list.scrollTop;
    if (top < 0 || top + b.offsetHeight > list.clientHeight) list.scrollTop = b.offsetTop - list.clientHeight / 3;
  }
}
