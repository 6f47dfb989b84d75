// The fields table (value, confidence, flags) and the line items, both editable.
import { highlight } from "./pages.js";

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
};

export function confidenceClass(conf, threshold) {
  if (conf == null) return "c-low";
  if (conf >= threshold) return "c-high";
  return conf >= 0.6 ? "c-mid" : "c-low";
}

const shown = (v) => (v == null || v === "" ? null : typeof v === "object" ? JSON.stringify(v) : String(v));

// Text typed by a person, as the schema's type wants it (the API checks it again).
export function parseValue(text, type) {
  const t = text.trim();
  if (t === "") return null;
  if (type === "number" || type === "integer") return Number.isFinite(Number(t)) ? Number(t) : t;
  if (type === "boolean") return t === "true" ? true : t === "false" ? false : t;
  if (type === "currency") return t.toUpperCase();
  return t;
}

// Why a field waits for a person (review.reasons); a failed check says so in its own flag.
const WHY = {
  unconfirmed_scan: () => "read from a scan; no sum on the page confirms it",
  unsure_reading: () => "OCR was unsure of a character: read the print",
  low_confidence: (t) => `confidence below ${t}`,
  split_unsure: () => "the split is unsure",
};

// `view`: {result, schema, edits: Map, editing, errors, onPick, onChange}
export function renderFields(host, view) {
  const { result, schema } = view;
  const threshold = (result.review && result.review.threshold) || 0.9;
  const failed = (result.checks || []).filter((c) => !c.ok);
  const reviewed = ["approved", "corrected"].includes((result.review || {}).state);
  // Once a person has reviewed it, the pipeline's flags are history, not a to-do.
  const needs = new Set(reviewed ? [] : ((result.review && result.review.fields) || []));
  const types = schema ? schema.fields : {};
  const names = [...new Set([...Object.keys(types), ...Object.keys(result.data || {})])]
    .filter((n) => (types[n] ? types[n].type !== "array" : !Array.isArray(result.data[n])));
  const body = el("tbody");
  for (const name of names) {
    const edited = view.edits.has(name);
    const value = edited ? view.edits.get(name) : (result.data || {})[name];
    const conf = (result.confidence || {})[name];
    const row = el("tr", { className: `field-row${edited ? " edited" : ""}`, tabIndex: 0 });
    row.dataset.testid = "field-row";
    row.dataset.field = name;
    const valueCell = el("td", { className: "fvalue" });
    if (view.editing === name) {
      const input = el("input", { type: "text", value: shown(value) ?? "" });
      input.dataset.testid = "field-value";
      input.setAttribute("aria-label", `Value of ${name}`);
      const type = (types[name] || {}).type || "string";
      input.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") { ev.preventDefault(); view.commit(name, parseValue(input.value, type)); }
        if (ev.key === "Escape") { ev.preventDefault(); view.commit(name, undefined); }
      });
      input.addEventListener("blur", () => { if (view.editing === name) view.commit(name, parseValue(input.value, type)); });
      valueCell.append(input);
      setTimeout(() => input.focus(), 0);
    } else {
      const text = shown(value);
      const span = el("span", { className: text == null ? "empty-value" : "" }, text ?? "empty");
      span.dataset.testid = "field-value";
      valueCell.append(span);
    }
    const badge = el("span", { className: `conf ${confidenceClass(conf, threshold)}` },
      conf == null ? "–" : conf.toFixed(2));
    badge.dataset.testid = "field-confidence";
    badge.title = conf == null ? "no confidence" : `confidence ${conf.toFixed(2)} (review below ${threshold})`;
    const flags = el("td");
    if (needs.has(name)) {
      const why = WHY[((result.review || {}).reasons || {})[name]];
      const flag = el("span", { className: "flag review" }, "needs review");
      flags.append(flag);
      if (why) {
        flag.title = why(threshold);
        flags.append(el("span", { className: "flag-why" }, why(threshold)));
      }
    }
    for (const check of reviewed ? [] : failed.filter((c) => (c.fields || []).includes(name))) {
      flags.append(el("span", { className: "flag check", title: `${check.rule}: ${check.detail || ""}` }, "check failed"));
    }
    if (edited) flags.append(el("span", { className: "flag edited" }, "edited"));
    if (view.errors && view.errors[name]) flags.append(el("span", { className: "error-text", role: "alert" }, view.errors[name]));
    const edit = el("button", { type: "button", className: "small" }, "Edit");
    edit.setAttribute("aria-label", `Edit ${name}`);
    edit.addEventListener("click", (ev) => { ev.stopPropagation(); view.startEdit(name); });
    flags.append(" ", edit);
    row.append(el("td", { className: "fname" }, name.replaceAll("_", " ")), valueCell, el("td", {}, badge), flags);
    row.addEventListener("mouseenter", () => highlight(name, true));
    row.addEventListener("mouseleave", () => highlight(name, false));
    row.addEventListener("focus", () => { highlight(name, true); view.selected = name; });
    row.addEventListener("blur", () => highlight(name, false));
    row.addEventListener("dblclick", () => view.startEdit(name));
    row.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && ev.target === row) { ev.preventDefault(); view.startEdit(name); }
    });
    body.append(row);
  }
  const head = el("thead", {}, el("tr", {}, ...["Field", "Value", "Confidence", "Flags"].map((h) => el("th", { scope: "col" }, h))));
  const table = el("table", { className: "fields" }, el("caption", { className: "visually-hidden" }, "Extracted fields"), head, body);
  if (failed.length) {
    const title = reviewed ? "Checks that failed at extraction, before the review:" : "Checks that failed:";
    host.append(el("div", { className: `checks${reviewed ? " past" : ""}`, role: "note" }, el("strong", {}, title),
      el("ul", {}, ...failed.map((c) => el("li", {}, `${c.rule}${c.detail ? ` — ${c.detail}` : ""}`)))));
  }
  const split = splitDoubts(result, needs);
  if (split.length) {
    host.append(el("div", { className: "checks split-doubt", role: "note" },
      el("strong", {}, "The split is unsure of this part:"), el("ul", {}, ...split.map((t) => el("li", {}, t)))));
  }
  host.append(table);
  for (const [name, spec] of Object.entries(types)) {
    if (spec.type === "array") host.append(renderItems(name, spec, view));
  }
}

// A part cut from a `schema=auto` file waits for a person when its type or its page range is
// uncertain ("schema", "page_range" in review.fields): no field row says so, so this does.
function splitDoubts(result, needs) {
  const c = result.classification || {};
  const pct = (x) => `${Math.round((x || 0) * 100)}% sure`;
  const out = [];
  if (needs.has("schema")) out.push(`that it is a ${result.schema} (${pct(c.confidence)})`);
  if (needs.has("page_range") && result.page_range) {
    const [first, last] = result.page_range;
    out.push(`that it is ${first === last ? `page ${first}` : `pages ${first}–${last}`} of the file, no more and no less (${pct(c.boundary_confidence)})`);
  }
  return out;
}

// On a phone each line item becomes a card; its cells show their column's name (CSS).
function labelled(td, label) {
  td.dataset.label = label;
  return td;
}

function renderItems(name, spec, view) {
  const rows = view.edits.has(name) ? view.edits.get(name) : ((view.result.data || {})[name] || []);
  const cols = Object.keys(spec.items || {});
  const wrap = el("section", { className: "items" }, el("h3", {}, name.replaceAll("_", " ")));
  if (!rows || !rows.length) { wrap.append(el("p", { className: "muted" }, "None found.")); return wrap; }
  const body = el("tbody");
  rows.forEach((item, i) => {
    const tr = el("tr", {}, labelled(el("td", {}, String(i + 1)), "line"));
    for (const col of cols) {
      const input = el("input", { type: "text", value: shown((item || {})[col]) ?? "" });
      input.setAttribute("aria-label", `${name} line ${i + 1} ${col}`);
      input.addEventListener("change", () => {
        const current = view.edits.has(name) ? view.edits.get(name) : rows;
        const copy = current.map((r) => ({ ...r }));
        copy[i][col] = parseValue(input.value, spec.items[col].type);
        view.commit(name, copy, false); // no redraw: the next cell keeps the focus
      });
      tr.append(labelled(el("td", {}, input), col.replaceAll("_", " ")));
    }
    body.append(tr);
  });
  const head = el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "#"), ...cols.map((c) => el("th", { scope: "col" }, c.replaceAll("_", " ")))));
  wrap.append(el("table", {}, el("caption", { className: "visually-hidden" }, name), head, body));
  if (view.errors && view.errors[name]) wrap.append(el("p", { className: "error-text", role: "alert" }, view.errors[name]));
  return wrap;
}
