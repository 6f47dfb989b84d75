"""Fault tests: each records lost / duplicated / stuck / leaked counts, printed at the end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.fixtures import fake_server  # noqa: F401

TALLIES: dict[str, dict[str, Any]] = {}


@pytest.fixture
def tally(request):
    """tally(lost=0, duplicated=0, stuck=0, leaked=0): this test's counts for the summary."""

    def record(**counts: Any) -> None:
        TALLIES[request.node.name] = counts

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLIES:
        terminalreporter.section("fault suite")
        for name, counts in TALLIES.items():
            terminalreporter.write_line(
                f"{name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
