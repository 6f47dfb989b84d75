"""Classify-and-split logic for `schema=auto` (plain functions over pages, no Kafka here).

Each page gets layout and keyword features (`page_signals`), a type among the candidate
schemas (`classify_pages`), and the pages are cut into parts where a new document starts
(`split_pages`): a "page 1 of N" marker, an invoice number that changes, a title line, a type
that changes, a blank separator page, or a previous page that closed with a total.
"""

from __future__ import annotations

import asyncio
import io
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from config.schemas import INVOICE, OTHER, RECEIPT, SchemaDef
from streams.document import Page, Word
from streams.extraction import labels as L
from streams.extraction.run import ocr_words

MIN_CHARS = 6  # fewer letters and digits than this (OCR of dust included): a blank page
MIN_EVIDENCE = 2.0  # a page scoring less than this for every schema is `other`
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


@dataclass
class PagePart:
    first: int
    last: int
    schema: str
    confidence: float  # of the type
    boundary_confidence: float  # of first and last
    pages: list[int] = field(default_factory=list)


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


def page_type(scores: dict[str, float]) -> tuple[str, float]:
    """The best schema for some evidence, and how sure that is (0..1)."""
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, top = ranked[0] if ranked else (OTHER, 0.0)
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < MIN_EVIDENCE:
        return OTHER, round(0.9 - 0.15 * top, 3)  # the more evidence of something, the less sure
    return best, round(1.0 - 0.5 * math.exp(-(top - second)), 3)


def split_pages(signals: list[PageSignals]) -> list[PagePart]:
    """Cut the pages into parts, each with a type and the confidence of its type and bounds."""
    parts: list[PagePart] = []
    starts: list[float] = []  # how sure each part's start is
    ends: list[float] = []  # how sure each part's end is
    scores: list[dict[str, float]] = []
    previous: PageSignals | None = None
    for sig in signals:
        if sig.blank:
            if parts and len(ends) < len(parts):
                ends.append(0.95)  # a blank separator closes the document before it
            previous = None
            continue
        new, sure = _starts(sig, previous, parts[-1] if parts and len(ends) < len(parts) else None,
                            scores[-1] if scores else {})
        if new:
            if parts and len(ends) < len(parts):
                ends.append(sure)
            parts.append(PagePart(sig.number, sig.number, OTHER, 0.0, 0.0, [sig.number]))
            starts.append(sure)
            scores.append(dict(sig.scores))
        else:
            parts[-1].last = sig.number
            parts[-1].pages.append(sig.number)
            for name, value in sig.scores.items():
                scores[-1][name] = scores[-1].get(name, 0.0) + value
        previous = sig
    if len(ends) < len(parts):
        ends.append(0.99)
    for part, summed, start, end in zip(parts, scores, starts, ends, strict=True):
        part.schema, part.confidence = page_type(summed)
        part.boundary_confidence = round(min(start, end), 3)
    return parts


def _starts(sig: PageSignals, previous: PageSignals | None, current: PagePart | None,
            current_scores: dict[str, float]) -> tuple[bool, float]:
    """Whether `sig` starts a new part, and how sure that decision is."""
    if current is None or previous is None:
        return True, 0.99
    if (sig.marker and previous.marker and sig.marker[1] == previous.marker[1]
            and sig.marker[0] == previous.marker[0] + 1):
        return False, 0.97
    if sig.marker and sig.marker[0] == 1 and sig.marker[1] > 1:
        return True, 0.97
    if sig.doc_number and previous.doc_number:
        return (sig.doc_number != previous.doc_number), 0.95
    kind, sure = page_type(sig.scores)
    was, _ = page_type(current_scores)
    if kind != OTHER and was != OTHER and kind != was and sure > 0.8:
        return True, 0.9
    if sig.titles:
        return True, 0.9 if previous.closes else 0.8
    resized = not 0.85 < sig.width / (previous.width or 1.0) < 1.18
    if abs(sig.shape - previous.shape) > 0.15 or resized:
        return True, 0.85  # one document's pages share a size
    if previous.closes:
        return True, 0.75 if kind == OTHER else 0.85
    if sig.head and sig.head == previous.head:
        return False, 0.9  # the same letterhead: the same document goes on
    return False, 0.7 if kind == OTHER else 0.8


def looks_blank(image: bytes, ink: int = 200, share: float = 0.0003) -> bool:
    """A page image with almost no ink (dust and toner specks average out): skip its OCR.
    A page holding only a few short lines still has several times this much."""
    with Image.open(io.BytesIO(image)) as img:
        small = img.convert("L").reduce(4)
    dark = sum(small.histogram()[:ink])
    return dark < share * small.width * small.height


RunCpu = Callable[..., Awaitable[Any]]


async def read_pages(pages: list[Page], images: dict[int, bytes], run_cpu: RunCpu) -> None:
    """OCR the scanned pages that have no words yet (blank ones are skipped), in parallel."""

    async def one(page: Page) -> None:
        image = images[page.number]
        if not await run_cpu(looks_blank, image):
            page.words, page.text = await run_cpu(ocr_words, image)

    await asyncio.gather(*(one(p) for p in pages
                           if p.source == "image" and not p.words and p.number in images))


def _tenant(candidates: dict[str, SchemaDef]) -> dict[str, set[str]]:
    return {name: vocabulary for name, schema in candidates.items()
            if name not in (INVOICE.name, RECEIPT.name)
            and (vocabulary := tenant_vocabulary(schema))}


def classify_local(pages: list[Page], candidates: dict[str, SchemaDef]) -> list[PagePart]:
    tenant = _tenant(candidates)
    return split_pages([page_signals(page, tenant) for page in pages])


async def classify_document(pages: list[Page], images: dict[int, bytes],
                            candidates: dict[str, SchemaDef], chain: Any, *, ocr: bool,
                            run_cpu: RunCpu) -> tuple[list[PagePart], str]:
    """The parts of a document and who found them: the provider that answered, else `local`."""
    from streams.classify_llm import classify_llm, has_llm  # it builds on this module

    if ocr:
        await read_pages(pages, images, run_cpu)
    tenant = _tenant(candidates)
    signals = [page_signals(page, tenant) for page in pages]
    if has_llm(chain) and (answered := await classify_llm(pages, images, signals, candidates,
                                                          chain)):
        return answered
    return split_pages(signals), "local"
