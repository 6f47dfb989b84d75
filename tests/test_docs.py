"""The README stays true: every setting documented, the two quick-start commands present."""

from __future__ import annotations

from config.settings import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_environment_variable_is_documented():
    missing = [n.upper() for n in Settings.model_fields if f"`{n.upper()}`" not in README]
    assert missing == []


def test_quick_start_is_make_run_and_make_test():
    section = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in section.splitlines()
                if line.startswith("make ")]
    assert commands == ["make run", "make test"]
