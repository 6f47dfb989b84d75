"""Mixed PDFs for `schema=auto`: 1-5 invoices and receipts in one file, with ground truth.

    python -m tests.streams.mixgen OUT --seed S --n N [--split tune|holdout]

Mix i of seed S is the same on every machine. Each mix is all text-layer or all scanned; its
documents come in any order, some invoices run over two pages (with or without "page k of
N", a repeated letterhead or number), and blank separator pages or a cover letter (`other`)
may sit between them. `<file>.gt.json` lists each part: its page range, schema and fields.
`tune` and `holdout` draw documents from scangen's disjoint name pools and layouts.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
from pathlib import Path
from typing import Any

import pymupdf

from tests.streams.docvariants import Doc
from tests.streams.scangen import degrade, draw_pdf, make_doc

CUT_Y = 300.0  # invoices that run over two pages break after the table's first row
LETTER = ["Dear customer,", "", "please find enclosed the documents of this month.",
          "Do not hesitate to contact our office with any questions.", "",
          "Kind regards,", "Accounts department"]


def _two_pages(doc: Doc, rng: random.Random, features: list[str]) -> list[Doc]:
    first, second = copy.deepcopy(doc), copy.deepcopy(doc)
    first.blocks = [b for b in doc.blocks if b[1] < CUT_Y]
    shift = CUT_Y - 80
    second.blocks = [(x, y - shift, t, s) for x, y, t, s in doc.blocks if y >= CUT_Y]
    if rng.random() < 0.5:
        head = next(b for b in doc.blocks if b[3] >= 14)  # the vendor's name, as letterhead
        second.blocks.append((head[0], 40, head[2], head[3]))
        features.append("letterhead")
    if rng.random() < 0.5:
        word = rng.choice(["Page {} of 2", "Seite {} von 2", "Page {}/2", "{}/2"])
        first.blocks.append((500, 815, word.format(1), 7))
        second.blocks.append((500, 815, word.format(2), 7))
        features.append("page_marker")
    return [first, second]


def _letter() -> bytes:
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    for i, line in enumerate(LETTER):
        page.insert_text((72, 120 + 16 * i), line, fontsize=11)
    data = pdf.tobytes()
    pdf.close()
    return data


def _blank() -> bytes:
    pdf = pymupdf.open()
    pdf.new_page(width=595, height=842)
    data = pdf.tobytes()
    pdf.close()
    return data


def make_mix(seed: int, index: int, split: str) -> tuple[bytes, dict[str, Any]]:
    """One mixed PDF and its ground truth."""
    rng = random.Random(f"mix-{seed}-{index}")
    scanned = rng.random() < 0.3
    pages: list[bytes] = []  # one single-page PDF each
    parts: list[dict[str, Any]] = []
    features: list[str] = ["scanned" if scanned else "text"]
    for j in range(rng.randint(1, 5)):
        if pages and rng.random() < 0.3:
            pages.append(_blank())
            features.append("blank_separator")
        if pages and rng.random() < 0.1:
            pages.append(_letter())
            parts.append({"page_range": [len(pages), len(pages)], "schema": "other",
                          "fields": {}})
            features.append("other")
        doc = make_doc(seed * 1000 + index, j, split)
        drawn = ([doc] if doc.schema != "invoice" or rng.random() < 0.7
                 else _two_pages(doc, rng, features))
        first = len(pages) + 1
        pages += [draw_pdf(d) for d in drawn]
        parts.append({"page_range": [first, len(pages)], "schema": doc.schema,
                      "fields": doc.fields, "features": doc.features})
    out = pymupdf.open()
    for k, single in enumerate(pages):
        if scanned:
            jpeg, _ = degrade(single, random.Random(f"noise-{seed}-{index}-{k}"))
            with pymupdf.open(stream=single, filetype="pdf") as src:
                rect = src[0].rect
            page = out.new_page(width=rect.width, height=rect.height)
            page.insert_image(page.rect, stream=jpeg)
        else:
            with pymupdf.open(stream=single, filetype="pdf") as src:
                out.insert_pdf(src)
    out.subset_fonts()  # each page embeds the whole CJK font otherwise (megabytes a page)
    data = out.tobytes(garbage=3, deflate=True, no_new_id=True)  # byte-reproducible
    out.close()
    truth = {"schema": "auto", "pages": len(pages), "parts": parts,
             "notes": [f"generated: split={split} seed={seed} index={index}",
                       "features: " + " ".join(sorted(set(features)))]}
    return data, truth


def write_set(out: Path, seed: int, n: int, split: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(n):
        data, truth = make_mix(seed, index, split)
        path = out / f"mix_{split}_{seed}_{index:03d}.pdf"
        path.write_bytes(data)
        path.with_name(path.name + ".gt.json").write_text(
            json.dumps({"file": path.name, **truth}, indent=2, ensure_ascii=False))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write mixed multi-document PDFs with truth")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--split", choices=["tune", "holdout"], default="tune")
    args = parser.parse_args(argv)
    write_set(args.out, args.seed, args.n, args.split)


if __name__ == "__main__":
    main()
