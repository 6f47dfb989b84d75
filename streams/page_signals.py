"""Per-page layout and keyword features for `schema=auto` (`page_signals`): which schema's
words and title a page shows, "page k of N" markers, the document number, a closing total,
the page's shape and its first line. `streams.classify` cuts documents from them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from config.schemas import INVOICE, RECEIPT, SchemaDef
from streams.document import Page, Word
from streams.extraction import labels as L

MIN_CHARS = 6  # fewer letters and digits than this (OCR of dust included): a blank page
TOP = 0.6  # title lines sit in the top part of a page
_ALNUM = re.compile(r"[^\W_]", re.UNICODE)
_MARKER = re.compile(r"(?:page|seite|pagina|blatt|p\.)\s*(\d{1,3})\s*(?:of|von|/|sur|van|de)"
                     r"\s*(\d{1,3})", re.IGNORECASE)
_BARE_MARKER = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})$")
_TITLE = {
    "invoice": L.rx("invoice", "tax invoice", "rechnung", "facture", "factuur", "fattura",
                    "factura", "credit note", "gutschrift"),
    "receipt": L.rx("receipt", "kassenbon", "kassabon", "=beleg", "quittung", "=ticket",
                    "=bon", "reçu", "=recu", "kassenzettel", "sales slip", "cash sale"),
}
_INVOICE_WORDS = [L.DUE[3], L.CUSTOMER, L.VAT_ID,
                  L.rx("iban", "=bic", "swift", "payment terms", "zahlungsbedingungen",
                       "conditions de paiement", "betalingsvoorwaarden", "bank details",
                       "bankverbindung", "unit price", "einzelpreis", "prix unitaire",
                       "stukprijs", "subtotal", "zwischensumme", "sous-total", "subtotaal",
                       "nettobetrag", "total ht", "net amount")]
_RECEIPT_WORDS = [L.TENDERED, L.CHANGE,
                  L.rx("thank you", "thanks", "vielen dank", "danke", "merci", "bedankt",
                       "cashier", "kassierer", "caissier", "kassa", "=visa", "mastercard",
                       "=card", "karte", "=carte", "=pin", "terminal", "=table", "=tisch",
                       "merchant", "händler", "commerçant", "come again", "au revoir",
                       "tot ziens", "auf wiedersehen", "=cb")]
_STOP = frozenset({"with", "from", "that", "this", "each", "your", "their", "what", "where"})
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
_TIMES = re.compile(r"\b\d{1,3}\s*[x×@]\s*\d")
_NUMBER_TOKEN = re.compile(r"[A-Za-z]*\d[\w/.-]*")


@dataclass
class PageSignals:
    number: int
    scores: dict[str, float]  # schema name -> evidence
    blank: bool = False
    marker: tuple[int, int] | None = None  # "page k of N"
    doc_number: str | None = None  # the invoice/document number printed on the page
    titles: set[str] = field(default_factory=set)  # schemas whose title line the page shows
    closes: bool = False  # a total line: the document may end here
    shape: float = 0.0  # width / height
    width: float = 0.0  # in the page's own unit (PDF points, image pixels)
    head: str = ""  # the first line, e.g. a letterhead repeated on every page


def lines_of(words: list[Word], gap: float = 0.05) -> list[tuple[float, list[str]]]:
    """Words grouped into lines by vertical position, each line cut into cells where a wide
    horizontal gap separates them: (top, [cell text, ...]) in reading order."""
    rows: list[tuple[float, float, list[Word]]] = []  # centre, height, words
    for word in sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        centre, height = (word.bbox[1] + word.bbox[3]) / 2, max(word.bbox[3] - word.bbox[1], 1e-3)
        if rows and abs(centre - rows[-1][0]) < 0.5 * max(height, rows[-1][1]):
            rows[-1][2].append(word)
        else:
            rows.append((centre, height, [word]))
    out = []
    for _, _, row in rows:
        cells: list[list[Word]] = []
        for word in sorted(row, key=lambda w: w.bbox[0]):
            if cells and word.bbox[0] - cells[-1][-1].bbox[2] < gap:
                cells[-1].append(word)
            else:
                cells.append([word])
        out.append((min(w.bbox[1] for w in row), [" ".join(w.text for w in c) for c in cells]))
    return out


def _lines(page: Page) -> list[tuple[float, list[str]]]:
    if page.words:
        return lines_of(page.words)
    texts = [t.strip() for t in page.text.splitlines() if t.strip()]
    return [(i / max(len(texts), 1), [t]) for i, t in enumerate(texts)]


def _hits(patterns: list[re.Pattern[str]], text: str) -> int:
    return sum(1 for p in patterns if p.search(text))


def _tokens(text: str) -> set[str]:
    return {t for t in re.findall(r"[a-zà-ÿ]{4,}", text.casefold()) if t not in _STOP}


def _vocabulary(schema: SchemaDef) -> set[str]:
    text = " ".join([schema.description, *(f"{n} {s.description}"
                                            for n, s in schema.fields.items())])
    return _tokens(text.replace("_", " "))


_COMMON = _vocabulary(INVOICE) | _vocabulary(RECEIPT)


def tenant_vocabulary(schema: SchemaDef) -> set[str]:
    """Words that identify a tenant schema: those of its descriptions that no built-in uses."""
    return _vocabulary(schema) - _COMMON if schema.description else set()


def page_signals(page: Page, tenant: dict[str, set[str]] | None = None) -> PageSignals:
    """Layout and keyword features of one page."""
    lines = _lines(page)
    text = "\n".join(" ".join(cells) for _, cells in lines)
    shape = page.width / page.height if page.height else 0.0
    if len(_ALNUM.findall(text)) < MIN_CHARS:
        return PageSignals(page.number, {}, blank=True, shape=shape)
    sig = PageSignals(page.number, {"invoice": 0.0, "receipt": 0.0}, shape=shape, width=page.width,
                      head=next((c[0] for _, c in lines if len(_ALNUM.findall(c[0])) >= 3), ""))
    for top, cells in lines:
        line = " ".join(cells)
        for schema, title in _TITLE.items():
            if top < TOP and any(title.search(c) and len(_ALNUM.findall(title.sub("", c))) < 3
                                 for c in cells):
                sig.titles.add(schema)  # a cell that is the title alone, not "Invoice Date: .."
        sig.marker = sig.marker or _marker(line)
        sig.doc_number = sig.doc_number or _doc_number(line)
        if L.TOTAL[3].search(line) or (L.TOTAL[2].search(line) and not
                                       L.TOTAL_EXCLUDE.search(line)):
            sig.closes = sig.closes or bool(re.search(r"\d[.,]\d{2}\b", line))
    # Till slips are narrow or small (PDF points), print times and "2 x 1.50" rows, and show
    # cash given and change returned (even when titled "tax invoice").
    slip = 0 < shape < 0.5 or (page.width < 400 and page.height < 700)
    sig.scores["invoice"] = (3.0 * ("invoice" in sig.titles) + _hits(_INVOICE_WORDS, text)
                             + 1.0 * bool(sig.doc_number and "receipt" not in sig.titles)
                             + 0.5 * (0.6 < shape < 0.9))
    sig.scores["receipt"] = (3.0 * ("receipt" in sig.titles) + _hits(_RECEIPT_WORDS, text)
                             + 2.0 * slip + 0.5 * bool(_TIME.search(text))
                             + 0.5 * bool(_TIMES.search(text))
                             + 3.0 * bool(L.TENDERED.search(text) and L.CHANGE.search(text)))
    words = _tokens(text)
    heads = [_tokens(c) for top, cells in lines if top < TOP for c in cells if len(c.split()) <= 4]
    for name, vocabulary in (tenant or {}).items():
        titled = any(h and h <= vocabulary for h in heads)  # a title made of the schema's words
        sig.scores[name] = 2.0 * len(vocabulary & words) + 3.0 * titled
        if titled:
            sig.titles.add(name)
    return sig


def _marker(line: str) -> tuple[int, int] | None:
    m = _MARKER.search(line)
    if m is None:
        m = next((b for w in line.split() if (b := _BARE_MARKER.match(w))), None)
    if m is None:
        return None
    k, n = int(m.group(1)), int(m.group(2))
    return (k, n) if 1 <= k <= n <= 99 else None


def _doc_number(line: str) -> str | None:
    label = L.INVOICE_NUMBER[3].search(line)
    if label is None or L.NUMBER_EXCLUDE.search(line[:label.start()]):
        return None
    after = line[label.end():].lstrip(" .:#°-")
    token = _NUMBER_TOKEN.match(after)
    return token.group(0).strip(".-/").upper() if token else None
