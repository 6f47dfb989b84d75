"""The benchmark's guards: verdicts from measured numbers, limits relative to the same run."""

from __future__ import annotations

import math

import pytest

from bench import guards, report

HELD = {"extract_ratio_to_bound": 0.983, "preprocess_ratio_to_raw": 0.924,
        "ingest_ratio_to_bare": 0.549, "burst_lost": 0, "overhead_p50_ms": 17.9,
        "engine_overhead_p50_ms": 4.6}


def test_a_run_within_every_limit_holds_them_all():
    verdicts = guards.verdicts(HELD)
    assert set(verdicts) == {g.key for g in guards.GUARDS}
    assert all(v["ok"] for v in verdicts.values())
    assert guards.failed(verdicts) == []


@pytest.mark.parametrize(("key", "held", "broken"), [
    ("extract_ratio_to_bound", 0.9, 0.899),
    ("preprocess_ratio_to_raw", 0.8, 0.799),
    ("ingest_ratio_to_bare", 0.45, 0.449),
    ("burst_lost", 0, 1),
    ("overhead_p50_ms", 27.6, 27.7),  # 6 × 4.6 ms
])
def test_each_guard_holds_at_its_limit_and_fails_just_past_it(key, held, broken):
    assert guards.verdicts(HELD | {key: held})[key]["ok"]
    verdicts = guards.verdicts(HELD | {key: broken})
    assert not verdicts[key]["ok"]
    assert [k for k, v in verdicts.items() if not v["ok"]] == [key]


def test_the_overhead_limit_follows_the_raw_engine_of_the_same_run():
    slow_host = guards.verdicts(HELD | {"overhead_p50_ms": 26.0, "engine_overhead_p50_ms": 5.0})
    fast_host = guards.verdicts(HELD | {"overhead_p50_ms": 26.0, "engine_overhead_p50_ms": 4.0})
    assert slow_host["overhead_p50_ms"] == {"value": 26.0, "limit": 30.0, "ok": True,
                                           "rule": "<= 6 × `engine_overhead_p50_ms`"}
    assert fast_host["overhead_p50_ms"]["limit"] == 24.0
    assert not fast_host["overhead_p50_ms"]["ok"]


def test_no_guard_is_an_absolute_time():
    for guard in guards.GUARDS:
        if guard.key.endswith("_ms"):
            assert guard.basis is not None, guard.key


@pytest.mark.parametrize("missing", [None, math.nan, "17.9", True])
def test_a_figure_not_measured_never_passes(missing):
    for key in ("extract_ratio_to_bound", "burst_lost", "overhead_p50_ms"):
        assert not guards.verdicts(HELD | {key: missing})[key]["ok"]


@pytest.mark.parametrize("basis", [None, math.nan, 0])
def test_without_the_raw_engine_the_overhead_guard_fails(basis):
    verdict = guards.verdicts(HELD | {"engine_overhead_p50_ms": basis})["overhead_p50_ms"]
    assert not verdict["ok"]


def test_failed_names_the_figure_its_limit_and_the_margin():
    verdicts = guards.verdicts(HELD | {"ingest_ratio_to_bare": 0.4, "burst_lost": 2})
    assert guards.failed(verdicts) == [
        "ingest_ratio_to_bare = 0.4 (limit >= 0.45 = 0.45, off by 0.05)",
        "burst_lost = 2 (limit <= 0 = 0, off by 2)",
    ]


def test_the_summary_table_marks_a_guard_not_held():
    result = {"guards": guards.verdicts(HELD | {"preprocess_ratio_to_raw": 0.7})}
    rows = {row.split(" | ")[0].strip("| `"): row for row in report.summary_table(result)[2:]}
    assert "**no**" in rows["preprocess_ratio_to_raw"]
    assert "**no**" not in rows["extract_ratio_to_bound"]
    assert "27.6" in rows["overhead_p50_ms"]


def test_results_saved_before_the_guards_get_them_from_their_own_figures():
    old = {k: v for k, v in HELD.items() if k != "engine_overhead_p50_ms"}
    old |= {"engine": {"overhead": {"p50_ms": 2.0}}}
    upgraded = report.with_guards(old)
    assert upgraded["engine_overhead_p50_ms"] == 2.0
    assert upgraded["overhead_ratio_to_engine"] == 8.95
    assert not upgraded["guards"]["overhead_p50_ms"]["ok"]  # 17.9 > 6 × 2.0


def test_the_history_table_lists_only_complete_runs():
    history = [HELD | {"commit": "aaa", "label": "an experiment"},
               {"commit": "bbb", "ingest_ratio_to_bare": 0.5},  # a partial run
               HELD | {"commit": "ccc", "complete": True, "guards_ok": False}]
    rows = report.history_table(history)[2:]
    assert len(rows) == 1
    assert "ccc" in rows[0] and rows[0].endswith("| **no** |")
