"""Printing for the CLI: JSON documents and plain, readable tables."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import orjson

from tracetui.safe_text import safe_line


def print_json(document: Any) -> None:
    """One JSON document on stdout, nothing else (the `--json` contract)."""
    sys.stdout.buffer.write(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> None:
    """A plain aligned table; cells are made safe for the terminal and cut to `max_width`."""
    cells = [[_cell(v, max_width) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    out = sys.stdout
    out.write("  ".join(h.upper().ljust(widths[i]) for i, h in enumerate(headers)).rstrip() + "\n")
    for row in cells:
        out.write("  ".join(v.ljust(widths[i]) for i, v in enumerate(row)).rstrip() + "\n")


def _cell(value: Any, max_width: int) -> str:
    text = "" if value is None else str(value)
    text = safe_line(text)
    if len(text) > max_width:
        text = text[: max_width - 1] + "…"
    return text
