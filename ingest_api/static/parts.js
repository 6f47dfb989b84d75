// A split (`schema=auto`) document: no fields of its own, only the parts it was cut into. Its view
// lists them (pages, type, status, review state) and opens the one clicked; the document list
// says how many still need review.

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
};

// As the store decides (stores/reviews.py is_split_parent): people review its parts, not it.
export const isSplit = (result) => Boolean(result) && (result.children != null || result.schema === "auto");

const partsOf = (result) => (result && result.children_status) || [];
const pending = (part) => Boolean(part.review) && part.review.state === "pending";
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// A part's pages of its file, titled as the review queue titles it: "scan.pdf · pages 1–2", "scan.pdf · p. 4".
export function partTitle(filename, range) {
  if (!range) return filename;
  const [first, last] = range;
  return `${filename} · ${first === last ? `p. ${first}` : `pages ${first}–${last}`}`;
}

// The document list's note for a split document: "2 of 3 parts need review", else "split into 3 parts".
export function splitNote(result) {
  const parts = partsOf(result);
  const waiting = parts.filter(pending).length;
  if (!waiting) return `split into ${plural(parts.length, "part")}`;
  return `${waiting} of ${plural(parts.length, "part")} ${waiting === 1 ? "needs" : "need"} review`;
}

// Whether the note may be out of date: the review queue has another count of its parts than it.
// `complete`: false while pages of the queue are not loaded; then only a higher count says so.
export function staleNote(result, queuedParts, complete = true) {
  const waiting = partsOf(result).filter(pending).length;
  return complete ? waiting !== queuedParts : queuedParts > waiting;
}

// Pages of the file that are in no part. The split leaves out blank pages only (they separate
// documents), so a reviewer is told where they went rather than left to count.
export function pagesLeftOut(result) {
  const covered = new Set();
  for (const { page_range: range } of partsOf(result)) {
    if (range) for (let n = range[0]; n <= range[1]; n += 1) covered.add(n);
  }
  const all = Array.from({ length: (result && result.pages) || 0 }, (_, i) => i + 1);
  return all.filter((n) => !covered.has(n));
}

function leftOutNote(pages) {
  if (!pages.length) return null;
  const one = pages.length === 1;
  const list = one ? `Page ${pages[0]} is` : `Pages ${pages.slice(0, -1).join(", ")} and ${pages.at(-1)} are`;
  const note = el("p", { className: "muted" },
    `${list} in no part: ${one ? "it is" : "they are"} blank, and a blank page separates two documents.`);
  note.dataset.testid = "pages-left-out";
  return note;
}

function reviewChip(review) {
  const state = (review && review.state) || "none";
  if (state === "pending") {
    const fields = review.fields.length ? `: ${review.fields.join(", ")}` : "";
    return el("span", { className: "flag review" }, `needs review${fields}`);
  }
  if (state === "none") return el("span", { className: "muted" }, "no review needed");
  return el("span", { className: "flag done" }, state); // approved, corrected
}

function partButton(part, filename, open) {
  const title = partTitle(filename, part.page_range);
  const button = el("button", { type: "button" },
    el("span", { className: "doc-name" }, title),
    el("span", { className: "doc-meta" },
      el("span", { className: "part-schema" }, part.schema === "other" ? "other (no schema fits)" : part.schema), " ",
      el("span", { className: `status s-${part.status}` }, part.status), " ",
      reviewChip(part.review)));
  button.dataset.testid = "part-item";
  button.dataset.docId = part.id;
  button.addEventListener("click", () => open(part.id, { filename, title }));
  return el("li", {}, button);
}

// `item`: {id, filename, title, result}; `open(id, {filename, title})` opens a part in the studio.
export function renderSplit(root, item, open) {
  const result = item.result;
  const parts = partsOf(result);
  const filename = item.filename || item.title || item.id;
  const head = el("div", { className: "toolbar" }, el("h2", {}, item.title || filename),
    el("span", { className: "review-state" }, splitNote(result)));
  const intro = el("p", { className: "muted" }, parts.length
    ? `This file was split into ${plural(parts.length, "part")}, each reviewed on its own: open one to see its pages and fields.`
    : "No document was found in this file.");
  const list = el("ol", { className: "doc-list parts" }, ...parts.map((part) => partButton(part, filename, open)));
  list.dataset.testid = "part-list";
  list.setAttribute("aria-label", `Parts of ${filename}`);
  root.replaceChildren(...[head, intro, list, leftOutNote(pagesLeftOut(result))].filter(Boolean));
}
