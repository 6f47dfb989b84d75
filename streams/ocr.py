"""Offline OCR with RapidOCR (ONNX models shipped inside the wheel; no network).

One engine per process, created on first use, with one ONNX Runtime thread: the worker pool
runs one process per core, and on these machines one OCR thread per process is fastest. How
the models are driven (the angle classifier only when a page needs it) is `streams.ocr_engine`.

RapidOCR returns text *lines* (a quadrilateral and a string). We split each line into words
and give every word a slice of the line's box proportional to its share of the characters
(spaces included). Proportional boxes are a few pixels off for proportional fonts, which is
fine for citations and for the layout rules that only need word order and rough positions.

`ocr_pdf_images` reads the text printed inside images embedded in text PDFs (a company's
details in a letterhead picture), which the text layer does not have.
"""

from __future__ import annotations

import io
import time

import structlog
from PIL import Image, ImageOps

from streams.document import Page, Word
from streams.ocr_engine import DEFAULT, MIN_SCORE, Tuning, get_engine, read_lines
from streams.preprocess import to_rgb

log = structlog.get_logger(__name__)

__all__ = ["MIN_SCORE", "get_engine", "ocr_image", "ocr_pdf_images", "words_text"]


# RapidOCR's model also reads Chinese, so it often returns the full-width forms of ASCII
# punctuation ("（M）", "Tel：", "，"): on a third of the real receipts here. Labels and amounts
# are matched in ASCII, so they are mapped back, one character for one (the per-character
# scores stay aligned).
_ASCII_FORMS = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {
    0x3000: ord(" "), 0x3001: ord(","), 0x3002: ord(".")}


def ascii_forms(text: str) -> str:
    return text.translate(_ASCII_FORMS)


def _line_words(text: str, box: list[list[float]], width: float, height: float,
                score: float | None = None, chars: list[float] | None = None) -> list[Word]:
    """Split one OCR line into words with boxes proportional to character counts; a word's
    score is that of its least sure letter or digit (`chars`: one score per character)."""
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys) / height, max(ys) / height
    span = x1 - x0
    n = len(text)
    words: list[Word] = []
    pos = 0
    for token in text.split():
        start = text.index(token, pos)
        pos = start + len(token)
        left = (x0 + span * start / n) / width
        right = (x0 + span * pos / n) / width
        words.append(Word(text=token, bbox=_clamp((left, y0, right, y1)),
                          score=_word_score(token, chars[start:pos] if chars else [], score)))
    return words


def _word_score(token: str, chars: list[float], line: float | None) -> float | None:
    """The lowest score of the token's letters and digits (punctuation is often read unsure
    and rarely matters); the line's score when the characters' scores are not known."""
    scores = [c for ch, c in zip(token, chars, strict=True) if ch.isalnum()] if chars else []
    return round(min(scores), 3) if scores else line


def _clamp(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (min(max(v, 0.0), 1.0) for v in box)
    return (x0, y0, x1, y1)


def ocr_image(data: bytes, tuning: Tuning = DEFAULT) -> tuple[list[Word], float, float]:
    """Words (boxes in 0..1 of the image) of a JPEG or PNG, and the image width and height."""
    img: Image.Image = Image.open(io.BytesIO(data))
    img = to_rgb(ImageOps.exif_transpose(img))
    width, height = float(img.width), float(img.height)
    started = time.perf_counter()
    words: list[Word] = []
    for box, text, score, chars in read_lines(img, tuning):
        text = ascii_forms(text)
        if text.strip():
            words.extend(_line_words(text, box, width, height, round(score, 3),
                                     chars if len(chars) == len(text) else None))
    log.debug("ocr.done", words=len(words), ms=round((time.perf_counter() - started) * 1000))
    return words, width, height


def words_text(words: list[Word]) -> str:
    """Plain text of OCR words: one line per row of boxes that share a vertical band."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0])):
        mid = (word.bbox[1] + word.bbox[3]) / 2
        if lines and lines[-1][-1].bbox[1] <= mid <= lines[-1][-1].bbox[3]:
            lines[-1].append(word)
        else:
            lines.append([word])
    return "\n".join(" ".join(w.text for w in sorted(ln, key=lambda w: w.bbox[0])) for ln in lines)


def ocr_pdf_images(pdf: bytes, pages: list[Page], min_area: float = 0.01,
                   dpi: int = 200) -> list[Page]:
    """Add the words printed inside embedded images (a letterhead, a company-data footer).

    Only text-layer pages and images covering at least `min_area` of the page are read;
    words that overlap a text-layer word are dropped so nothing is counted twice.
    """
    import pymupdf

    out = list(pages)
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        for index, page in enumerate(out):
            if page.source != "text" or page.number > len(doc):
                continue
            pdf_page = doc[page.number - 1]
            width, height = pdf_page.rect.width, pdf_page.rect.height
            added: list[Word] = []
            for info in pdf_page.get_image_info():
                x0, y0, x1, y1 = info["bbox"]
                if (x1 - x0) * (y1 - y0) < min_area * width * height:
                    continue
                clip = pymupdf.Rect(x0, y0, x1, y1) & pdf_page.rect
                png = pdf_page.get_pixmap(dpi=dpi, clip=clip).tobytes("png")
                box = (clip.x0 / width, clip.y0 / height, clip.x1 / width, clip.y1 / height)
                added += [w for w in _to_region(ocr_image(png)[0], box)
                          if not any(_overlap(w.bbox, o.bbox) for o in page.words)]
            if added:
                words = [*page.words, *added]
                out[index] = page.model_copy(update={"words": words})
    return out


def _to_region(words: list[Word], box: tuple[float, float, float, float]) -> list[Word]:
    """Map words with boxes relative to an image onto the page region the image covers."""
    x0, y0, x1, y1 = box
    return [Word(text=w.text, bbox=_clamp((x0 + w.bbox[0] * (x1 - x0), y0 + w.bbox[1] * (y1 - y0),
                                           x0 + w.bbox[2] * (x1 - x0), y0 + w.bbox[3] * (y1 - y0))),
                 score=w.score)
            for w in words]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
