"""The architecture rule from design.md: the core never imports Textual."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "tracetui.model",
    "tracetui.safe_text",
    "tracetui.sources",
    "tracetui.sources.claude.reader",
    "tracetui.sources.codex.reader",
    "tracetui.sources.pi.reader",
    "tracetui.bucket",
    "tracetui.ctx",
    "tracetui.trail",
    "tracetui.redact",
    "tracetui.capsule",
    "tracetui.export",
    "tracetui.export.raw",
    "tracetui.export.parquet",
    "tracetui.export.atif",
    "tracetui.export.page",
    "tracetui.export.verify",
    "tracetui.library",
    "tracetui.views",
    "tracetui.views.session_shape",
    "tracetui.views.trail",
    "tracetui.views.format",
    "tracetui.cli",
]


def test_core_does_not_import_textual():
    # A fresh interpreter is the only way to see what an import really pulls in.
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core modules imported Textual: {out.stdout.strip()}"
