"""The test tree keeps the shape CONTRIBUTING.md gives it: tests/unit mirrors the package, test files
have unique names, and no test module imports another (shared helpers live in tests/support)."""

from __future__ import annotations

import ast
from collections import Counter

from shared_data import ROOT, TESTS

UNIT = TESTS / "unit"
# The folders of tests/unit that are not packages of tracetui, and why they exist.
NOT_PACKAGES = {
    "cost": "tracetui's cost modules (cost, cost_memo, line_cost, spending)",
    "toplevel": "tracetui's other loose modules",
    "hostile": "every attack on the edge, for a safety review in one folder",
    "house": "the repository's own rules",
}


def _test_files() -> list:
    return sorted(p for p in TESTS.rglob("test_*.py") if "__pycache__" not in p.parts)


def test_every_unit_test_sits_in_a_folder_of_a_package_or_of_a_named_concern():
    loose = [p.name for p in UNIT.glob("test_*.py")]
    assert loose == [], f"put these in the folder of the package they test: {loose}"
    packages = {p.name for p in (ROOT / "tracetui").iterdir() if (p / "__init__.py").is_file()}
    for folder in (p for p in UNIT.iterdir() if p.is_dir() and p.name != "__pycache__"):
        assert folder.name in packages | set(NOT_PACKAGES), f"tests/unit/{folder.name} mirrors no package"
    for folder in (p for p in (UNIT / "sources").iterdir() if p.is_dir() and p.name != "__pycache__"):
        assert (ROOT / "tracetui" / "sources" / folder.name / "__init__.py").is_file(), folder


def test_test_files_have_unique_names():
    # pytest imports each test file by its name alone (no __init__.py): two of one name collide.
    twice = [name for name, n in Counter(p.name for p in _test_files()).items() if n > 1]
    assert twice == []


def test_no_test_module_imports_another():
    for path in _test_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            bad = [n for n in names if n.split(".")[-1].startswith("test_")]
            assert not bad, f"{path.relative_to(TESTS)} imports {bad}: move what it shares to tests/support"
