// The review studio: wires the upload form, the document list, the queue and the view.
import { apiKey, persistent, setApiKey } from "./api.js";
import { follow, following } from "./follow.js";
import { isSplit, splitNote, staleNote } from "./parts.js";
import { initQueue, loadQueue, markQueue, queueComplete, queuedEntries, queuedEntry } from "./queue.js";
import { uploadFile } from "./upload.js";
import { approveCurrent, currentView, editSelected, moveField, showDocument } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const SAVED = "studio.docs";
const FINAL = new Set(["completed", "failed", "cancelled"]);
const items = []; // {key, id, filename, title, status, progress, error, note, result}
const schemas = new Map();
let chosen = [];
let selected = null;
let busy = false;
let seq = 0;

const announce = (text) => { $("announce").textContent = text; };
const save = () => sessionStorage.setItem(SAVED, JSON.stringify(
  items.filter((i) => i.id).map(({ id, filename, title, status }) => ({ id, filename, title, status }))));
// What people see: the API's title (a split part's names its parent's file and pages), else the file.
const named = (item) => item.title || item.filename || item.id;

function drawItem(item) {
  let li = $("doc-list").querySelector(`li[data-key="${item.key}"]`);
  if (!li) {
    li = document.createElement("li");
    li.dataset.key = item.key;
    li.dataset.testid = "doc-item";
    li.innerHTML = '<button type="button"><span class="doc-name"></span><span class="doc-meta">' +
      '<span class="status"></span> <span class="note"></span></span>' +
      '<span class="progress" hidden><span></span></span><span class="error-text" hidden></span></button>';
    li.querySelector("button").addEventListener("click", () => select(item));
    $("doc-list").prepend(li);
    $("doc-empty").hidden = true;
  }
  li.dataset.docId = item.id || "";
  li.dataset.status = item.status;
  const button = li.querySelector("button");
  button.setAttribute("aria-current", String(item === selected));
  li.querySelector(".doc-name").textContent = named(item);
  const status = li.querySelector(".status");
  status.textContent = item.status;
  status.className = `status s-${item.status}`;
  li.querySelector(".note").textContent = item.note || review(item.result);
  const bar = li.querySelector(".progress");
  bar.hidden = item.status !== "uploading";
  bar.firstElementChild.style.width = `${Math.round((item.progress || 0) * 100)}%`;
  const error = li.querySelector(".error-text");
  error.hidden = !item.error;
  error.textContent = item.error || "";
  if (item === selected) showDocument($("doc-view"), item, hooks);
}

// What the document list says of a result's review: a split document's counts its parts.
function review(result) {
  if (!result || result.status !== "completed") return "";
  if (isSplit(result)) return splitNote(result);
  return result.review && result.review.state === "pending" ? "needs review" : "";
}

function select(item, focus = true) {
  const previous = selected;
  selected = item;
  if (previous) drawItem(previous);
  drawItem(item);
  markQueue(item.id);
  // A split document is asked again: its parts' review states change as people review them.
  if (item.id && FINAL.has(item.status) && (!item.result || isSplit(item.result))) load(item);
  if (focus) $("doc-view").focus(); // on a phone the view is below the list: bring it into sight
}

async function load(item) {
  try {
    item.result = await persistent(`/v1/documents/${encodeURIComponent(item.id)}`);
    item.status = item.result.status;
  } catch (err) {
    item.status = err.status === 404 ? "not_found" : "error";
    item.error = `${err.code}: ${err.message}`;
  }
  drawItem(item);
}

function track(item) {
  if (!item.id || FINAL.has(item.status) || following(item.id)) return;
  follow(item.id, (result) => {
    item.status = result.status;
    item.note = "";
    if (FINAL.has(result.status)) item.result = result;
    save();
    drawItem(item);
    if (result.status === "completed") {
      announce(`${named(item)} completed`);
      if (result.review && result.review.state === "pending") loadQueue();
    }
  }, (err, ms) => {
    item.note = err.status === 429 ? "rate limited; waiting its turn" : `reconnecting in ${Math.round(ms / 1000)} s`;
    drawItem(item);
  }).then(() => { item.note = ""; drawItem(item); }).catch((err) => {
    item.status = err.status === 404 ? "not_found" : "error";
    item.error = `${err.code}: ${err.message}`;
    drawItem(item);
  });
}

function add(fields) {
  const item = { key: `d${(seq += 1)}`, status: "waiting", progress: 0, ...fields };
  items.push(item);
  drawItem(item);
  return item;
}

async function uploadChosen(ev) {
  ev.preventDefault();
  if (busy || !chosen.length) return;
  busy = true;
  $("upload-button").disabled = true;
  const files = chosen;
  const schema = $("schema-select").value;
  chosen = [];
  showChosen();
  const batch = files.map((file) => [add({ filename: file.name }), file]);
  if (!selected) select(batch[0][0], false); // a first-time user sees their document fill in
  announce(`Uploading ${files.length} file${files.length > 1 ? "s" : ""}`);
  for (const [item, file] of batch) {
    await uploadFile(item, file, schema, () => drawItem(item));
    save();
    track(item);
  }
  busy = false;
  $("upload-button").disabled = !chosen.length;
  announce("Upload finished");
}

function showChosen() {
  $("selected").textContent = chosen.length ? `${chosen.length} file${chosen.length > 1 ? "s" : ""} chosen: ${chosen.map((f) => f.name).join(", ")}` : "No files chosen";
  $("upload-button").disabled = busy || !chosen.length;
}

async function loadSchemas() {
  try {
    // Asked again on each visit: a schema the tenant just defined must be in the list.
    const body = await persistent("/v1/schemas", { cache: "no-cache" });
    const select = $("schema-select");
    const keep = select.value;
    select.replaceChildren(...body.schemas.map((s) => {
      schemas.set(s.name, s);
      return new Option(s.description ? `${s.name} — ${s.description}` : s.name, s.name);
    }));
    if (schemas.has(keep)) select.value = keep;
  } catch (err) {
    announce(err.status === 401 ? "Enter your API key to use the studio."
      : `Schemas not loaded (${err.code}): ${err.message}`);
  }
}

// A split document whose parts the queue counts otherwise than its record: asked again.
function checkSplits() {
  const entries = queuedEntries();
  for (const item of items) {
    if (!isSplit(item.result) || item.result.status !== "completed") continue;
    const queuedParts = entries.filter((entry) => entry.parent_id === item.id).length;
    if (staleNote(item.result, queuedParts, queueComplete())) load(item);
  }
}

// `known`: {filename, title} of a document the queue does not list (a part opened from its parent).
function openById(id, known = {}) {
  const { filename, title } = queuedEntry(id) || known;
  let item = items.find((i) => i.id === id);
  if (!item) item = add({ id, filename, title, status: "completed" });
  else if (title && !item.title) item.title = title;
  if (!item.result) item.status = "completed";
  select(item); // which loads its result
}

// Next document: the one after the open one in the review queue (the queue's first when the
// open one is not queued; wrapping at the end), else the next in the list.
function nextDocument() {
  const queue = queuedEntries().map((entry) => entry.id); // every page loaded so far
  const here = selected ? queue.indexOf(selected.id) : -1;
  const after = [...queue.slice(here + 1), ...queue.slice(0, Math.max(here, 0))];
  if (after.length) { openById(after[0]); return; }
  const ready = items.filter((i) => i.id);
  if (!ready.length) return;
  const at = ready.indexOf(selected);
  select(ready[(at + 1) % ready.length]);
}

const hooks = {
  schemaOf: (name) => schemas.get(name) || null,
  announce,
  reviewed: (item) => {
    drawItem(item);
    loadQueue();
    const parent = item.result && items.find((i) => i.id && i.id === item.result.parent_id);
    if (parent) load(parent); // its note counts its parts still waiting
  },
  open: openById,
};

function keys(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.target.closest("input, textarea, select")) return;
  const actions = { j: () => moveField(1), ArrowDown: () => currentView() && moveField(1),
    k: () => moveField(-1), ArrowUp: () => currentView() && moveField(-1),
    e: editSelected, a: approveCurrent, n: nextDocument };
  const action = actions[ev.key];
  if (!action || ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && !ev.target.closest("tr.field-row"))) return;
  ev.preventDefault();
  action();
}

function init() {
  $("api-key").value = apiKey();
  $("api-key").addEventListener("change", () => {
    setApiKey($("api-key").value.trim());
    loadSchemas();
    loadQueue();
    for (const item of items) if (item.status === "error" && item.id) { item.status = "queued"; item.error = ""; track(item); }
  });
  $("file-input").addEventListener("change", (ev) => { chosen = [...ev.target.files]; showChosen(); ev.target.value = ""; });
  const zone = $("drop-zone");
  zone.addEventListener("dragover", (ev) => { ev.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    zone.classList.remove("over");
    chosen = [...ev.dataTransfer.files];
    showChosen();
  });
  $("upload-form").addEventListener("submit", uploadChosen);
  initQueue({ open: openById, announce, loaded: checkSplits });
  document.addEventListener("keydown", keys);
  const saved = JSON.parse(sessionStorage.getItem(SAVED) || "[]");
  for (const known of saved) track(add({ ...known, status: FINAL.has(known.status) ? known.status : "queued" }));
  loadSchemas();
  loadQueue();
}

init();
