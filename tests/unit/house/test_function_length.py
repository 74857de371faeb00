"""No function in the package runs past MAX_LINES and no module past MODULE_LINES (issue 33), except
the few listed here.

A function is counted from its first decorator to its last line, docstring and comments included.
The list only shrinks: a listed function that is now short enough, or gone, fails the test until
its entry is removed, so the exception cannot outlive its reason.
"""

from __future__ import annotations

import ast
from functools import cache
from shared_data import ROOT

PACKAGE = ROOT / "tracetui"
MAX_LINES = 100
MODULE_LINES = 800

# path::qualified name -> its length when it was listed. Split one, then remove its line. None is left
# (2026-11-26): a function that grows past the limit is split, not listed.
LONG: dict[str, int] = {}

# Modules over MODULE_LINES, each being reworked on its own branch: split one, then remove its line.
LONG_MODULES: set[str] = set()


@cache
def _module_lengths() -> dict[str, int]:
    return {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(PACKAGE.rglob("*.py"))
    }


@cache
def _lengths() -> dict[str, int]:
    out: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                    assert child.end_lineno is not None  # set on every node ast.parse makes
                    out[f"{where}::{name}"] = max(out.get(f"{where}::{name}", 0), child.end_lineno - first + 1)
                visit(child, f"{name}.", where)
            else:
                visit(child, prefix, where)

    for path in sorted(PACKAGE.rglob("*.py")):
        visit(ast.parse(path.read_text(encoding="utf-8")), "", str(path.relative_to(PACKAGE)))
    return out


def test_no_function_runs_past_the_limit_but_the_listed_few():
    lengths = _lengths()
    long = {name: n for name, n in lengths.items() if n > MAX_LINES and name not in LONG}
    assert long == {}, f"split these into functions of at most {MAX_LINES} lines: {long}"


def test_the_list_of_long_functions_only_shrinks():
    lengths = _lengths()
    stale = {name for name in LONG if lengths.get(name, 0) <= MAX_LINES}
    assert stale == set(), f"short enough now (or gone): remove them from LONG: {sorted(stale)}"
    grown = {name: lengths[name] for name in LONG if lengths[name] > LONG[name]}
    assert grown == {}, f"a listed function grew; split it instead: {grown}"


def test_no_module_runs_past_the_limit_but_the_listed_few():
    lengths = _module_lengths()
    long = {name: n for name, n in lengths.items() if n > MODULE_LINES and name not in LONG_MODULES}
    assert long == {}, f"split these into modules of at most {MODULE_LINES} lines: {long}"
    stale = {name for name in LONG_MODULES if lengths.get(name, 0) <= MODULE_LINES}
    assert stale == set(), f"short enough now (or gone): remove them from LONG_MODULES: {sorted(stale)}"
