"""The import graph runs one way: config <- topics <- stores <- (streams, ingest_api) <- cli."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each package and the packages it may import (besides itself).
ALLOWED = {
    "config": set(),
    "topics": {"config"},
    "stores": {"config", "topics"},
    "streams": {"config", "topics", "stores"},
    "ingest_api": {"config", "topics", "stores"},
    "cli": {"config", "topics", "stores", "streams", "ingest_api"},
}


def imported_packages(path: Path) -> set[str]:
    """Our top-level packages that a module imports, wherever in the module it does."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names)
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_downwards(package):
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        upward = imported_packages(path) - ALLOWED[package] - {package}
        if upward:
            wrong[str(path.relative_to(ROOT))] = sorted(upward)
    assert wrong == {}


def test_the_checker_sees_an_upward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from streams.context import StageContext\n")
    assert imported_packages(module) == {"streams"}
