// Copy and download a result: JSON as the API gives it, CSV one row per value.
const cell = (v) => {
  const text = v == null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function toCsv(result) {
  const rows = [["field", "value", "confidence", "page", "bbox"]];
  const cite = (name) => (result.citations && result.citations[name] || [])[0];
  for (const [name, value] of Object.entries(result.data || {})) {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        for (const [key, v] of Object.entries(item || {})) rows.push([`${name}[${i + 1}].${key}`, v, "", "", ""]);
      });
      continue;
    }
    const c = cite(name);
    rows.push([name, value, (result.confidence || {})[name] ?? "", c ? c.page : "", c ? c.bbox.join(" ") : ""]);
  }
  return rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("aria-hidden", "true");
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

export const baseName = (filename) => (filename || "document").replace(/\.[^.]+$/, "");
// A download's name: the file's, and a split part's pages of it ("scan-p3-4").
export const stem = (filename, result) => {
  const range = result && result.page_range;
  return range ? `${baseName(filename)}-p${range[0]}-${range[1]}` : baseName(filename);
};
