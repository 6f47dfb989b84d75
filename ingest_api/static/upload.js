// Uploads, one file at a time, each retried through outages and rate limits until it is
// accepted or refused for good. XMLHttpRequest because fetch reports no upload progress.
import { ApiError, apiKey, gate, relax, sleep, waitMs } from "./api.js";

function send(file, schema, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/documents");
    if (apiKey()) xhr.setRequestHeader("X-API-Key", apiKey());
    xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    xhr.onerror = () => reject(new ApiError(0, "network", "the API cannot be reached"));
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 202 && body && body.id) { resolve(body); return; }
      const error = (body && body.error) || { code: `http_${xhr.status}`, message: xhr.statusText };
      const retry = Number.parseFloat(xhr.getResponseHeader("Retry-After") || "");
      reject(new ApiError(xhr.status, error.code, error.message, Number.isFinite(retry) ? retry : null));
    };
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("schema", schema);
    xhr.send(form);
  });
}

// `item` gets `progress`, then `id` and `status` (or `status: "error"` and `error`);
// `changed()` redraws it. Resolves once the file is accepted or refused.
export async function uploadFile(item, file, schema, changed) {
  for (let attempt = 0; ; attempt += 1) {
    Object.assign(item, { status: "uploading", progress: 0, note: attempt ? `attempt ${attempt + 1}` : "" });
    changed();
    try {
      await gate();
      const accepted = await send(file, schema, (p) => { item.progress = p; changed(); });
      relax();
      Object.assign(item, { id: accepted.id, status: accepted.status, progress: 1, note: "" });
      changed();
      return;
    } catch (err) {
      if (!err.transient) {
        Object.assign(item, { status: "error", error: `${err.code}: ${err.message}` });
        changed();
        return;
      }
      const ms = waitMs(err, attempt);
      item.status = "waiting";
      item.note = err.status === 429 ? "rate limited; waiting its turn"
        : `API unavailable; retrying in ${Math.round(ms / 1000)} s`;
      changed();
      await sleep(ms);
    }
  }
}
