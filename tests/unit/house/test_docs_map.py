"""The docs as a map: short module docstrings that link to a page that exists, a format page per agent."""

from __future__ import annotations

import ast
import re
from shared_data import ROOT

from tracetui.sources import registry

PACKAGE = ROOT / "tracetui"
CITED = re.compile(r"\bdocs/[\w./-]+\.md\b")


def _docstrings() -> dict[str, str]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
        out[str(path.relative_to(ROOT))] = doc or ""
    return out


def test_no_module_docstring_runs_past_150_words():
    long = {name: len(doc.split()) for name, doc in _docstrings().items() if len(doc.split()) > 150}
    assert long == {}, f"move the reasoning to docs/internals/ or docs/formats/: {long}"


def test_every_docs_page_a_docstring_cites_exists():
    missing = {
        (name, cited)
        for name, doc in _docstrings().items()
        for cited in CITED.findall(doc)
        if not (ROOT / cited).is_file()
    }
    assert missing == set()


def test_every_agent_has_a_format_page():
    pages = {p.stem for p in (ROOT / "docs" / "formats").glob("*.md")} - {"README"}
    assert set(registry.names()) <= pages
