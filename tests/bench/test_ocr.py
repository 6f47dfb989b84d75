"""The OCR figures: both tunings timed side by side, and the contract's two headline keys."""

import pytest

from bench import docs as docmix
from bench.ocr import cpu_per_page
from bench.run import headline


def test_cpu_per_page_times_both_tunings_on_the_same_scans():
    page = docmix.scan_jpeg(0)
    out = cpu_per_page([page, docmix.scan_jpeg(1)])
    assert out["pages"] == 2
    assert out["s_per_page"] > 0 and out["legacy_s_per_page"] > 0
    assert out["ratio_to_legacy"] == pytest.approx(
        out["s_per_page"] / out["legacy_s_per_page"], abs=0.002)


def test_headline_carries_the_ocr_figures():
    block = {"cpu": {"s_per_page": 0.61}, "ratio_to_raw": 0.93}
    h = headline({"ocr": block})
    assert h["ocr_cpu_s_per_page"] == 0.61 and h["ocr_ratio_to_raw"] == 0.93
