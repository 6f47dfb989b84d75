// The document view: toolbar (review state, approve, copy, downloads), pages and fields.
import { ApiError, request } from "./api.js";
import { copyText, download, stem, toCsv } from "./exporters.js";
import { renderFields } from "./fields.js";
import { clearPages, highlight, renderPages } from "./pages.js";
import { isSplit, renderSplit } from "./parts.js";

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
};
let view = null;

export const currentView = () => view;

// `item`: {id, filename, title, status, result, error};
// `hooks`: {schemaOf(name), announce(text), reviewed(item), open(id, {filename, title})}
export function showDocument(root, item, hooks) {
  const same = view && view.item === item;
  const was = same && view.result;
  // Redraw the pages only when there is something new to show on them (images cost requests).
  const keepPages = Boolean(was && was.status === "completed" && item.result && root.querySelector(".pages"));
  view = {
    item, hooks, root, result: item.result, schema: item.result ? hooks.schemaOf(item.result.schema) : null,
    edits: same ? view.edits : new Map(), editing: null, errors: same ? view.errors : {},
    selected: same ? view.selected : null,
    startEdit(name) { view.editing = name; draw(false); },
    commit(name, value, redraw = true) {
      const original = (view.result.data || {})[name];
      if (value === undefined || JSON.stringify(value) === JSON.stringify(original ?? null)) view.edits.delete(name);
      else view.edits.set(name, value);
      view.editing = null;
      delete view.errors[name];
      if (redraw) { draw(false); focusRow(name); } else updateToolbar(view.root.querySelector(".toolbar"));
    },
  };
  draw(!keepPages);
}

function draw(withPages) {
  const { root, item } = view;
  const result = view.result;
  const scroll = window.scrollY;
  if (withPages || !result) clearPages();
  const head = el("div", { className: "toolbar" }, el("h2", {}, item.title || item.filename || item.id || "document"));
  if (!result || result.status !== "completed") {
    const status = item.status || "unknown";
    head.append(el("span", { className: `status s-${status}` }, status));
    const body = [head];
    if (item.error || (result && result.error)) {
      body.push(el("p", { className: "error-text", role: "alert" }, item.error || `${result.error.code}: ${result.error.message}`));
    } else {
      body.push(el("p", { className: "muted" }, "The fields appear here when extraction completes."));
    }
    root.replaceChildren(...body);
    return;
  }
  if (isSplit(result)) { // nothing to approve: what it was split into, each part to open
    renderSplit(root, item, view.hooks.open);
    return;
  }
  const current = view;
  const existing = withPages ? null : root.querySelector(".toolbar");
  const fields = el("div", { className: "fields-pane" });
  renderFields(fields, view);
  if (existing && root.querySelector(".fields-pane")) {
    // In place: a click on Approve that blurred an open edit still lands on the same button.
    updateToolbar(existing);
    root.querySelector(".fields-pane").replaceWith(fields);
    window.scrollTo(0, scroll);
    return;
  }
  const approve = el("button", { type: "button", className: "primary" });
  approve.dataset.testid = "approve-button";
  approve.addEventListener("click", () => approveCurrent());
  const copy = el("button", { type: "button" }, "Copy JSON");
  copy.addEventListener("click", async () => say(current, await copyText(json(current.result)) ? "JSON copied" : "Copy failed"));
  const dj = el("button", { type: "button" }, "Download JSON");
  dj.dataset.testid = "download-json";
  dj.addEventListener("click", () => download(`${stem(item.filename, current.result)}.json`, json(current.result), "application/json"));
  const dc = el("button", { type: "button" }, "Download CSV");
  dc.addEventListener("click", () => download(`${stem(item.filename, current.result)}.csv`, toCsv(current.result), "text/csv"));
  const said = el("p", { className: "view-status", role: "status" });
  said.dataset.testid = "view-status";
  head.append(el("span", { className: "review-state" }), approve, copy, dj, dc, said);
  if (result.parent_id) { // a split part: back to what its file was split into
    const up = el("button", { type: "button", className: "small" }, el("span", { ariaHidden: "true" }, "← "), "All parts");
    up.dataset.testid = "parent-link";
    up.addEventListener("click", () => current.hooks.open(result.parent_id, { filename: item.filename }));
    head.prepend(up);
  }
  updateToolbar(head);
  let pages = withPages ? null : root.querySelector(".pages");
  const grid = el("div", { className: "doc-grid" });
  if (!pages) {
    root.replaceChildren(head, grid);
    pages = renderPages(grid, result, item.title || item.filename, pick);
  } else {
    grid.append(pages);
    root.replaceChildren(head, grid);
  }
  grid.append(fields);
  window.scrollTo(0, scroll);
}

function updateToolbar(head) {
  const { result, edits } = view;
  const state = (result.review || {}).state || "none";
  head.querySelector(".review-state").textContent =
    `version ${result.version} · ${state === "none" ? "no review needed" : `review: ${state}`}`;
  head.querySelector("[data-testid=approve-button]").textContent = edits.size
    ? `Approve with ${edits.size} correction${edits.size > 1 ? "s" : ""}` : "Approve";
}

// What an action on the open document did, said beside its toolbar (where the click was); once
// another document is open, in the studio's notice instead.
function say(target, text) {
  const line = view && view.item === target.item && view.root.querySelector(".view-status");
  if (line) line.textContent = text;
  else target.hooks.announce(text);
}

const json = (result) => `${JSON.stringify(result, null, 2)}\n`;

function focusRow(name) {
  const row = view && view.root.querySelector(`tr.field-row[data-field="${CSS.escape(name)}"]`);
  if (row) row.focus();
}

// A box was clicked: its field's row is selected (focused, lit, scrolled to).
function pick(name) {
  view.selected = name;
  focusRow(name);
  highlight(name, true);
}

// Keyboard: the next or previous field row.
export function moveField(step) {
  if (!view || !view.result) return;
  const rows = [...view.root.querySelectorAll("tr.field-row")];
  if (!rows.length) return;
  const at = rows.findIndex((r) => r.dataset.field === view.selected);
  const next = rows[(at + step + rows.length) % rows.length];
  next.focus();
}

export function editSelected() {
  if (view && view.selected) view.startEdit(view.selected);
}

export async function approveCurrent() {
  if (!view || !view.result || view.result.status !== "completed" || isSplit(view.result)) return;
  const target = view;
  const data = Object.fromEntries(target.edits);
  try {
    const result = await request(`/v1/documents/${encodeURIComponent(target.result.id)}/review`,
      { method: "POST", json: { data, approve: true } });
    target.item.result = result;
    target.result = result;
    target.edits.clear();
    target.errors = {};
    target.hooks.reviewed(target.item);
    say(target, `Approved: version ${result.version}, ${result.review.state}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) {
      target.errors = (err.fields || {});
      say(target, `Not saved: ${err.message}`);
    } else {
      say(target, `Not saved (${err.code || "error"}): ${err.message}. Try again.`);
    }
  }
  if (view === target) draw(false);
}
