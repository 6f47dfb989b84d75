"""OCR: CPU-seconds per scanned page, and the OCR-on pipeline against the raw engine's loop.

CPU per page is process time in this process (one inference thread), the pipeline's OCR
(`streams.ocr_engine.DEFAULT`, on OpenVINO) and RapidOCR's own call on ONNX Runtime (`LEGACY`,
what the pipeline ran before) alternating page by page on the same scans, so background load
hits both. The raw loop is a pool of as many processes as the worker's (one per core) that OCRs
the scanned pages of the same document mix and does nothing else; it runs before and after the
pipeline's OCR-on run and its mean rate is the floor's documents/s.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from statistics import mean

from bench import docs as docmix
from bench import sections
from bench.stack import StackConfig
from bench.stats import r3
from streams.ocr import ocr_image
from streams.ocr_engine import DEFAULT, LEGACY

CPU_PAGES = 8  # scans timed per tuning for the CPU figure (alternating)


def _page_cpu(image: bytes, legacy: bool) -> float:
    began = time.process_time()
    ocr_image(image, LEGACY if legacy else DEFAULT)
    return time.process_time() - began


def cpu_per_page(pages: list[bytes]) -> dict:
    """Mean process CPU-seconds per page for both tunings, side by side on `pages`."""
    _page_cpu(pages[0], False)  # the models loaded before the clock runs
    fast: list[float] = []
    legacy: list[float] = []
    for i, page in enumerate(pages):
        first_legacy = bool(i % 2)  # alternate which goes first
        for is_legacy in (first_legacy, not first_legacy):
            (legacy if is_legacy else fast).append(_page_cpu(page, is_legacy))
    return {"pages": len(pages), "s_per_page": r3(mean(fast)),
            "legacy_s_per_page": r3(mean(legacy)), "ratio_to_legacy": r3(sum(fast) / sum(legacy))}


def _ocr_scan(image: bytes) -> int:
    return len(ocr_image(image)[0])


def raw_rate(pool: ProcessPoolExecutor, docs: list[docmix.Doc]) -> float:
    """Documents/s of a loop that OCRs the scans of `docs` and nothing else."""
    scans = [d.data for d in docs if d.kind == "scan"]
    began = time.perf_counter()
    list(pool.map(_ocr_scan, scans))
    return len(docs) / (time.perf_counter() - began)


def measure(logdir: Path, cfg: StackConfig, fake: str, n: int) -> dict:
    docs = docmix.mix(n)
    scans = [d.data for d in docs if d.kind == "scan"]
    workers = cfg.settings().preprocess_workers or os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_ocr_scan, scans[:workers]))  # every process warm, models loaded
        before = raw_rate(pool, docs)
        out = sections.pipeline_throughput(logdir, cfg, fake, 1, n)
        after = raw_rate(pool, docs)
    raw = (before + after) / 2
    out["raw"] = {"processes": workers, "docs_per_s": r3(raw), "before": r3(before),
                  "after": r3(after)}
    out["ratio_to_raw"] = r3(out["saturated"]["docs_per_s"] / raw)
    out["cpu"] = cpu_per_page(scans[:CPU_PAGES])
    return out
