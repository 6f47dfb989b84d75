"""Fit the confidence model of streams/extraction/calibration.py on tuning documents only.

    python -m bench.fit_confidence ../shared/samples/invoices:invoice \
        ../shared/samples/receipts:receipt [GENERATED_TUNE_DIR:gt] [--out /tmp/fit.json]

Each document is extracted exactly as the pipeline does (local extractor); the OCR of image
pages is cached under ~/.cache/ai-doc-extractor/ocr/<engine>/ by content hash, where <engine>
is a digest of streams/ocr*.py and the RapidOCR and OpenVINO versions (a changed engine never
reuses old output), so a second run takes seconds. Every labelled, non-null value becomes one
example: its features (the assess step records them in `evidence`), its kind, whether the eval
scorer calls it right, and whether it is generated (a `gt` set, or a copy `--degrade` made).
bench/logistic.py fits the model (its docstring has the method; the penalty is chosen by
5-fold cross-validation over documents) and this prints the WEIGHTS and BIAS to paste into
calibration.py. Never pass the folders the model is scored on.

    python -m bench.fit_confidence --score /tmp/rm/holdout:receipt HOLDOUT:gt

prints `doc-extractor eval`'s report for each folder, reusing the OCR cache, then the same
three lines over all the folders' values together. The tuning sets used for the constants in
calibration.py:

    python -m bench.realsplit ../shared/samples/receipts-more /tmp/rm   # /tmp/rm/tune only
    python -m tests.streams.scangen /tmp/scan-tune --seed 11 --n 80 --split tune
    python -m tests.streams.scangen /tmp/scan-tune2 --seed 12 --n 120 --split tune
    python -m tests.streams.scangen /tmp/gen-13 --seed 13 --n 60 --split tune
    python -m bench.fit_confidence --degrade /tmp/scan-tune2 /tmp/scan-tune3
    python -m bench.fit_confidence --degrade /tmp/rm/tune /tmp/rm-deg-s7 --scale 0.6 0.75
    python -m bench.fit_confidence --degrade /tmp/rm/tune /tmp/rm-deg-s8 --scale 0.7 0.9 --seed 8
    python -m bench.fit_confidence --degrade /tmp/rm/tune /tmp/rm-deg-s9 --scale 0.6 0.75 --seed 9

and the fit itself takes them all (FOLDER:SCHEMA, `gt` for the generated ones):

    python -m bench.fit_confidence /tmp/rm/tune:receipt /tmp/rm-deg-s7:receipt \
        /tmp/rm-deg-s8:receipt /tmp/rm-deg-s9:receipt /tmp/scan-tune:gt /tmp/scan-tune2:gt \
        /tmp/scan-tune3:gt /tmp/gen-13:gt ../shared/samples/invoices:invoice \
        ../shared/samples/receipts:receipt
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import os
import random
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.logistic import choose_l2, fit, predict
from config.schemas import BUILTIN
from config.settings import Settings
from stores.metrics import Metrics
from streams.document import Extraction, Word
from streams.eval_scoring import score_field
from streams.evaluation import auroc as eval_auroc
from streams.evaluation import format_report, load_cases, run_eval
from streams.extraction.calibration import FEATURES, kind_of
from streams.extraction.providers.chain import ProviderChain
from streams.extraction.run import extract_pages
from streams.inprocess import content_type_of
from streams.ocr import ocr_image
from streams.preprocess import RenderOptions, prepare

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ai-doc-extractor" / "ocr"
L2_GRID = (0.05, 0.005, 0.0005, 0.0001)
DEGRADED = "degraded further"  # the note `degrade` leaves in each copy's ground truth


@functools.cache
def ocr_fingerprint() -> str:
    """A digest of the OCR code and its models' version: cached OCR from another engine is stale."""
    versions = [metadata.version(name) for name in ("rapidocr_onnxruntime", "openvino")]
    digest = hashlib.sha256(" ".join(versions).encode())
    for source in sorted(Path(ocr_image.__code__.co_filename).parent.glob("ocr*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def _cached_ocr(image: bytes) -> list[Word]:
    path = CACHE / ocr_fingerprint() / f"{hashlib.sha256(image).hexdigest()}.json"
    if path.is_file():
        return [Word.model_validate(w) for w in json.loads(path.read_text())]
    words = ocr_image(image)[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([w.model_dump() for w in words]))
    return words


async def extract_cached(path: Path, schema_name: str, settings: Settings,
                         chain: ProviderChain) -> Extraction:
    """The pipeline's extraction of `path`, with OCR output reused from the cache."""
    opts = RenderOptions(settings.pdf_dpi, settings.max_image_dim, settings.jpeg_quality)
    data = path.read_bytes()
    kind = content_type_of(path)
    pages, images, _ = await asyncio.to_thread(prepare, data, kind, opts)
    for page in pages:
        if page.source == "image" and not page.words and page.number in images:
            page.words = await asyncio.to_thread(_cached_ocr, images[page.number])

    async def load_pdf() -> bytes | None:
        return data if kind == "application/pdf" else None

    return await extract_pages(pages, images, BUILTIN[schema_name], chain, ocr=True,
                               run_cpu=asyncio.to_thread, load_pdf=load_pdf)


async def examples(sets: list[tuple[Path, str]]) -> list[dict[str, Any]]:
    """One row per labelled non-null value: kind, features, right or wrong."""
    settings = Settings(_env_file=None, extraction_providers="local")  # type: ignore[call-arg]
    chain = ProviderChain(settings, Metrics())
    rows = []
    for folder, named in sets:
        for path, gt in load_cases(folder):
            schema_name = str(gt.get("schema")) if named == "gt" else named  # mixed folders
            schema = BUILTIN[schema_name]
            try:
                out = await extract_cached(path, schema_name, settings, chain)
            except Exception as exc:  # one bad document must not end the run; eval scores it 0
                print(f"skipped {path.name}: {exc!r}")  # noqa: T201
                continue
            alternatives = gt.get("accept_alternatives") or {}
            # a degraded copy of a real scan is made here: it counts with the generated ones,
            # so the real documents' weight stays with the real scans
            derived = any(str(n).startswith(DEGRADED) for n in gt.get("notes") or [])
            for name, expected in (gt.get("fields") or {}).items():
                value = out.data.get(name)
                if name not in schema.fields or value in (None, "", []):
                    continue
                ok = score_field(name, value, expected, alternatives.get(name, []))
                x = {f: out.evidence.get(name, {}).get(f, 0.0) for f in FEATURES}
                rows.append({"file": path.name, "field": name, "ok": ok, "x": x,
                             "generated": named == "gt" or derived,
                             "value": value, "expected": expected,
                             "kind": kind_of(name, schema.fields[name]),
                             "confidence": out.confidence.get(name, 0.0)})
    await chain.aclose()
    return rows


def _extract_one(path: Path, schema_name: str) -> Extraction:
    settings = Settings(_env_file=None, extraction_providers="local")  # type: ignore[call-arg]
    return asyncio.run(extract_cached(path, schema_name, settings,
                                      ProviderChain(settings, Metrics())))


def score(sets: list[tuple[Path, str]]) -> None:
    """`doc-extractor eval`'s report for each set, with the OCR cache (same figures, faster);
    with several sets, then the same three lines over all their values together."""
    values: list[tuple[float, bool]] = []
    threshold = 0.9
    for folder, named in sets:
        report = run_eval(folder, _extract_one, schema=None if named == "gt" else named)
        print(f"== {folder} ({named})\n{format_report(report)}")  # noqa: T201
        threshold = report["threshold"]
        values += [(f["confidence"], f["ok"]) for doc in report["documents"]
                   for f in doc["fields"].values()]
    if len(sets) > 1 and values:
        accepted = [ok for conf, ok in values if conf >= threshold]
        print(f"== together\nfield accuracy: {sum(ok for _, ok in values) / len(values):.3f}"  # noqa: T201
              f" (n={len(values)})\ncalibration: auroc="
              f"{eval_auroc([c for c, _ in values], [ok for _, ok in values]):.3f}\n"
              f"auto-accept: threshold={threshold:.2f} precision="
              f"{sum(accepted) / max(len(accepted), 1):.3f} coverage="
              f"{len(accepted) / len(values):.3f}")


def degrade(src: Path, dst: Path, count: int = 90, seed: int = 7,
            scale: tuple[float, float] = (0.5, 0.7)) -> None:
    """Harder copies of tuning scans: downscaled (`scale`), blurred, JPEG 35-55.

    The tuning scans alone hold too few wrong values to learn from; these add more. Real tuning
    receipts degraded a little (`--scale 0.6 0.75`) show real layouts with fresh OCR errors.
    """
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    dst.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.glob("*.jpg"))[:count]:
        img = Image.open(path).convert("L")
        factor = rng.uniform(*scale)
        img = img.resize((int(img.width * factor), int(img.height * factor)),
                         Image.Resampling.BILINEAR)
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.9)))
        out = dst / f"deg_{path.name}"
        img.save(out, "JPEG", quality=rng.randint(35, 55))
        gt = json.loads(path.with_name(path.name + ".gt.json").read_text())
        gt["file"] = out.name
        gt.setdefault("notes", []).append(f"{DEGRADED}: scale {factor:.2f}")
        out.with_name(out.name + ".gt.json").write_text(json.dumps(gt))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", help="FOLDER:SCHEMA (SCHEMA 'gt': each file's"
                        " .gt.json names it), tuning folders only")
    parser.add_argument("--out", type=Path, help="write the examples here (JSON)")
    parser.add_argument("--rows", type=Path, nargs="+",
                        help="fit these saved examples (--out files) instead of extracting")
    parser.add_argument("--score", action="store_true",
                        help="only print the eval report of each set (never-tuned sets welcome)")
    parser.add_argument("--degrade", nargs=2, type=Path, metavar=("SRC", "DST"),
                        help="only write harder copies of SRC's scans to DST")
    parser.add_argument("--scale", nargs=2, type=float, default=(0.5, 0.7), metavar=("LO", "HI"),
                        help="with --degrade: the range of the downscaling factor")
    parser.add_argument("--seed", type=int, default=7, help="with --degrade: the random seed")
    args = parser.parse_args(argv)
    if args.degrade:
        source, target = args.degrade
        degrade(source, target, scale=tuple(args.scale), seed=args.seed)
        return
    sets = [(Path(s.rsplit(":", 1)[0]), s.rsplit(":", 1)[1]) for s in args.sets]
    if args.score:
        score(sets)
        return
    rows = [r for f in args.rows for r in json.loads(f.read_text())] if args.rows else (
        asyncio.run(examples(sets)))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    weights, bias = fit(rows, l2=choose_l2(rows, L2_GRID))
    labels = [r["ok"] for r in rows]
    before = eval_auroc([r["confidence"] for r in rows], labels)
    after = eval_auroc([predict(weights, bias, r) for r in rows], labels)
    print(f"examples={len(rows)} right={sum(labels)} "  # noqa: T201 (a command's output)
          f"auroc_current={before:.3f} auroc_fitted={after:.3f}")
    print(f"WEIGHTS = {weights}\nBIAS = {bias}")  # noqa: T201


if __name__ == "__main__":
    main()
