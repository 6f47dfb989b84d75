"""Noisy scans of generated receipts and invoices, with `<file>.gt.json` beside each.

    python -m tests.streams.scangen OUT --seed S --n N [--split tune|holdout] [--layouts D]

Document i of seed S is the same on every machine. `tune` draws names from the tuning pool
and invoice layouts A and B; `holdout` (never tuned on) draws names from a disjoint pool and
adds layout C. Each page is drawn with PyMuPDF, rasterised at 150-300 dpi, skewed, blurred,
speckled and saved as a low-quality JPEG; the ground truth lists the features it exercises.
"""

from __future__ import annotations

import argparse
import io
import json
import random
from pathlib import Path

import pymupdf
from PIL import Image, ImageFilter

from tests.streams.docinvoice import invoice
from tests.streams.docinvoice_us import us_receipt
from tests.streams.docvariants import Doc, receipt

_FONT = pymupdf.Font("cjk")  # ships with PyMuPDF and has "€", "£", accents
MARGIN = 10.0


def make_doc(seed: int, index: int, split: str, layouts: str = "") -> Doc:
    rng = random.Random(f"{seed}-{index}")
    pool = "holdout" if split == "holdout" else "tune"
    if rng.random() < 0.55:
        return us_receipt(rng, pool) if "R" in layouts else receipt(rng, pool)
    return invoice(rng, pool, layouts.replace("R", "") or ("ABC" if split == "holdout" else "AB"))


def draw_pdf(doc: Doc) -> bytes:
    """One PDF page: free blocks at their positions, rows stacked from the top."""
    width, height = doc.size
    line = [size * 1.45 for *_, size in doc.rows]
    if not height:
        height = 2 * MARGIN + 14 + sum(line)
    pdf = pymupdf.open()
    page = pdf.new_page(width=width, height=height)
    page.insert_font(fontname="F0", fontbuffer=_FONT.buffer)
    y = MARGIN + 8
    for (left, right, style, size), step in zip(doc.rows, line, strict=True):
        y += step
        if left:
            span = _FONT.text_length(left, fontsize=size)
            x = (width - span) / 2 if style == "c" else MARGIN
            page.insert_text((x, y), left, fontsize=size, fontname="F0")
        if right:
            span = _FONT.text_length(right, fontsize=size)
            page.insert_text((width - MARGIN - span, y), right, fontsize=size, fontname="F0")
    for x, yy, text, size in doc.blocks:
        page.insert_text((x, yy), text, fontsize=size, fontname="F0")
    data = pdf.tobytes()
    pdf.close()
    return data


def degrade(pdf: bytes, rng: random.Random) -> tuple[bytes, dict]:
    """A scanned-looking JPEG of page 1, and the noise it got."""
    dpi = rng.choice([150, 175, 200, 250, 300])
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        pix = doc[0].get_pixmap(dpi=dpi)
        img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples).convert("L")
    skew = rng.uniform(-1.5, 1.5)
    img = img.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    blur = rng.uniform(0.0, 0.9) * dpi / 200
    img = img.filter(ImageFilter.GaussianBlur(blur))
    pixels = img.load()
    for _ in range(img.width * img.height // 400):  # speckles of dust and toner
        x, y = rng.randrange(img.width), rng.randrange(img.height)
        pixels[x, y] = rng.choice([0, 90, 255])  # type: ignore[index]
    grey = rng.randrange(0, 40)
    img = img.point(lambda v: grey + v * (255 - grey) // 255)
    quality = rng.randrange(35, 80)
    out = io.BytesIO()
    img.convert("RGB").save(out, format="JPEG", quality=quality)
    noise = {"dpi": dpi, "skew": round(skew, 2), "blur": round(blur, 2), "jpeg": quality}
    return out.getvalue(), noise


def write_set(out: Path, seed: int, n: int, split: str, layouts: str = "") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(n):
        doc = make_doc(seed, index, split, layouts)
        image, noise = degrade(draw_pdf(doc), random.Random(f"noise-{seed}-{index}"))
        path = out / f"gen_{split}_{seed}_{index:03d}_{doc.schema}.jpg"
        path.write_bytes(image)
        gt = {"file": path.name, "schema": doc.schema, "fields": doc.fields,
              "notes": [f"generated: split={split} seed={seed} index={index}",
                        "features: " + " ".join(doc.features),
                        "noise: " + json.dumps(noise)]}
        path.with_name(path.name + ".gt.json").write_text(json.dumps(gt, indent=2,
                                                                     ensure_ascii=False))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write noisy generated scans with ground truth")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--split", choices=["tune", "holdout"], default="tune")
    parser.add_argument("--layouts", default="", help="invoice layouts to draw from, e.g. D;"
                        " R draws US till receipts (default: AB for tune, ABC for holdout)")
    args = parser.parse_args(argv)
    if "C" in args.layouts and args.split == "tune":
        parser.error("layout C is never tuned on")
    write_set(args.out, args.seed, args.n, args.split, args.layouts)


if __name__ == "__main__":
    main()
