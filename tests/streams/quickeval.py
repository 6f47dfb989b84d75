"""Fast rule tuning: OCR each scan once (cached on disk), then rerun only the local rules.

`python -m tests.streams.quickeval DIR... [--schema S] [--cache /tmp/doc-extractor-ocr] [--show]`
prints per-field accuracy and, with `--show`, every wrong value. OCR words are cached by the
file's hash, so a second run takes seconds. Scores use `streams.eval_scoring.score_field`, the
same scorer as `doc-extractor eval`; the pages go through the pipeline's own `prepare`, so the
OCR input is what a worker sees. `doc-extractor eval` stays the number to report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from bench.fit_confidence import ocr_fingerprint
from config.schemas import BUILTIN
from streams.document import Page
from streams.eval_scoring import score_field
from streams.evaluation import load_cases
from streams.extraction.local import extract_local
from streams.inprocess import content_type_of
from streams.preprocess import RenderOptions, prepare


def cached_pages(path: Path, cache: Path, only: bool = False) -> list[Page] | None:
    """The pages of `path` with words (text layer or OCR), from `cache` when seen before."""
    data = path.read_bytes()
    key = cache / ocr_fingerprint() / (hashlib.sha256(data).hexdigest()[:24] + ".json")
    if key.is_file():
        return [Page.model_validate(p) for p in json.loads(key.read_text())]
    if only:
        return None
    from streams.extraction.run import ocr_words

    pages, images, _ = prepare(data, content_type_of(path), RenderOptions())
    for page in pages:
        if page.source == "image" and page.number in images:
            page.words, page.text = ocr_words(images[page.number])
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_text(json.dumps([p.model_dump() for p in pages]))
    return pages


def schema_of(path: Path, gt: dict[str, Any], schema: str | None) -> str:
    if schema:
        return schema
    if gt.get("schema") in BUILTIN:
        return str(gt["schema"])
    return "receipt" if "receipt" in path.parent.name.casefold() else "invoice"


def run(directory: Path, schema: str | None, cache: Path, show: bool,
        only: bool = False) -> tuple[int, int]:
    tally: dict[str, list[int]] = {}
    for path, gt in load_cases(directory):
        pages = cached_pages(path, cache, only)
        if pages is None:
            continue
        data = extract_local(pages, BUILTIN[schema_of(path, gt, schema)]).data
        alternatives = gt.get("accept_alternatives") or {}
        for name, want in (gt.get("fields") or {}).items():
            ok = score_field(name, data.get(name), want, alternatives.get(name, []))
            counts = tally.setdefault(name, [0, 0])
            counts[0] += ok
            counts[1] += 1
            if show and not ok:
                sys.stdout.write(f"  {path.name:32} {name:15} got={data.get(name)!r} "
                                 f"want={want!r}\n")
    for name, (ok, n) in sorted(tally.items()):
        sys.stdout.write(f"{directory.name:16} {name:16} {ok:4}/{n:<4} {ok / n:.3f}\n")
    correct, n = sum(c for c, _ in tally.values()), sum(t for _, t in tally.values())
    sys.stdout.write(f"{directory.name:16} field accuracy: {correct / max(n, 1):.3f} (n={n})\n")
    return correct, n


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--schema")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/doc-extractor-ocr"))
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--cached-only", action="store_true", help="skip files not OCR'd yet")
    args = parser.parse_args(argv)
    total = [0, 0]
    for directory in args.dirs:
        correct, n = run(directory, args.schema, args.cache, args.show, args.cached_only)
        total[0] += correct
        total[1] += n
    if len(args.dirs) > 1:
        sys.stdout.write(f"all field accuracy: {total[0] / max(total[1], 1):.3f} "
                         f"(n={total[1]})\n")


if __name__ == "__main__":
    main()
