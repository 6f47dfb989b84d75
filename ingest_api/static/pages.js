// Page previews with a box over every cited value; boxes and field rows highlight each other.
import { ApiError, request, sleep, waitMs } from "./api.js";

const urls = new Set(); // object URLs of the shown previews, revoked when the view changes

export function clearPages() {
  for (const url of urls) URL.revokeObjectURL(url);
  urls.clear();
}

// Rate limits and outages are waited out; a missing preview (expired) is said so.
async function loadImage(img, holder, path) {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    try {
      const res = await request(path, { raw: true });
      const url = URL.createObjectURL(await res.blob());
      urls.add(url);
      img.src = url;
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || !err.transient) break;
      await sleep(waitMs(err, attempt));
    }
    if (!img.isConnected) return;
  }
  const note = document.createElement("p");
  note.className = "missing muted";
  note.textContent = "No preview of this page (it may have expired).";
  holder.replaceChildren(note);
}

export function renderPages(host, result, filename, onPick) {
  clearPages();
  const pages = document.createElement("div");
  pages.className = "pages";
  const count = result.pages || 1;
  for (let n = 1; n <= count; n += 1) {
    const page = document.createElement("figure");
    page.className = "page";
    const img = document.createElement("img");
    img.dataset.testid = "page-image";
    img.alt = `Page ${n} of ${filename || "the document"}`;
    img.width = 850;
    img.height = 1100;
    page.append(img);
    for (const [field, cites] of Object.entries(result.citations || {})) {
      for (const cite of cites) {
        if (cite.page !== n || !Array.isArray(cite.bbox)) continue;
        page.append(box(field, cite.bbox, result, onPick));
      }
    }
    pages.append(page);
    loadImage(img, page, `/v1/documents/${encodeURIComponent(result.id)}/pages/${n}`);
  }
  host.append(pages);
  return pages;
}

function box(field, [x0, y0, x1, y1], result, onPick) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = "box";
  const conf = (result.confidence || {})[field];
  if (conf != null && conf < (result.review && result.review.threshold || 0.9)) el.classList.add("low");
  el.dataset.testid = "citation-box";
  el.dataset.field = field;
  el.tabIndex = -1; // the fields table is the keyboard path; boxes are for the mouse
  el.setAttribute("aria-label", `Where ${field} was read`);
  el.title = field;
  const pct = (v) => `${(Math.min(Math.max(v, 0), 1) * 100).toFixed(3)}%`;
  Object.assign(el.style, { left: pct(x0), top: pct(y0), width: pct(x1 - x0), height: pct(y1 - y0) });
  el.addEventListener("click", () => onPick(field));
  el.addEventListener("mouseenter", () => highlight(field, true));
  el.addEventListener("mouseleave", () => highlight(field, false));
  return el;
}

// The field's boxes and table row, lit together.
export function highlight(field, on) {
  for (const el of document.querySelectorAll(`.box[data-field="${CSS.escape(field)}"], tr.field-row[data-field="${CSS.escape(field)}"]`)) {
    el.classList.toggle("hi", on);
  }
}
