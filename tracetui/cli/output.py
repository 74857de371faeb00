"""Printing for the CLI: JSON documents and plain, readable tables."""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from tracetui.safe_json import plain_json
from tracetui.safe_text import safe_line

if TYPE_CHECKING:
    from tracetui.bucket import SyncProgress


def json_bytes(document: Any) -> bytes:
    """`document` as indented JSON with every invisible or controlling character escaped."""
    try:
        data = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # A string holding a lone surrogate (a file name's bytes that are not UTF-8, as Python keeps
        # them): orjson will not write it, and strict JSON readers refuse it escaped. Such a byte is
        # written as the text `\xff`, any other lone surrogate as U+FFFD.
        data = orjson.dumps(_without_surrogates(document), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    return plain_json(data)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub(_spell, value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_surrogates(v) for v in value]
    return value


def _spell(match: re.Match[str]) -> str:
    cp = ord(match.group(0))
    return f"\\x{cp - 0xDC00:02x}" if 0xDC80 <= cp <= 0xDCFF else "\ufffd"


def print_json(document: Any) -> None:
    """One JSON document on stdout, nothing else (the `--json` contract)."""
    sys.stdout.buffer.write(json_bytes(document))
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    max_width: int = 60,
    notes: Sequence[str | None] = (),
) -> None:
    """A plain aligned table; cells are made safe for the terminal and cut to `max_width`. `notes[i]`,
    where given, is said under row i (indented, safe, wrapped to the terminal's width): what a row
    needs said that no column has room for."""
    cells = [[_cell(v, max_width) for v in row] for row in rows]
    # Headers too: `tracetui sql` prints a dataset's own column names, which are anyone's text.
    headers = [_cell(h, max_width) for h in headers]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    out = sys.stdout
    room = max(20, shutil.get_terminal_size((80, 24)).columns - NOTE_INDENT)
    out.write("  ".join(h.upper().ljust(widths[i]) for i, h in enumerate(headers)).rstrip() + "\n")
    for i, row in enumerate(cells):
        out.write("  ".join(v.ljust(widths[i]) for i, v in enumerate(row)).rstrip() + "\n")
        note = notes[i] if i < len(notes) else None
        if note:
            for piece in _note_lines(note, room):
                out.write(" " * NOTE_INDENT + piece + "\n")


NOTE_INDENT = 4  # a note under a table row starts this far in
NOTE_LINES = 3  # lines a note under a table row takes at most; the last is cut


def _note_lines(note: str, room: int) -> list[str]:
    """A note, safe, wrapped to `room` on at most NOTE_LINES lines (the last cut where it runs on)."""
    pieces = textwrap.wrap(safe_line(note), room, break_on_hyphens=False) or [""]
    if len(pieces) > NOTE_LINES:
        pieces = pieces[: NOTE_LINES - 1] + [_cell(" ".join(pieces[NOTE_LINES - 1 :]), room)]
    return pieces


def _cell(value: Any, max_width: int) -> str:
    text = "" if value is None else str(value)
    # Cut before it is made safe: each character becomes one or more, so the cell is the same, and a
    # step's 100 KB text costs what the 60 shown cost (`show` of 1,300 steps spent 1.5 s here).
    text = safe_line(text[: max_width + 1])
    if len(text) > max_width:
        text = text[: max_width - 1] + "…"
    return text


LISTED = 20  # lines of findings printed when a seal or an export is refused


def print_findings(lines: Sequence[str]) -> None:
    """The first findings that wait for a decision, one safe line each on stderr, then how many more:
    a bucket can hold thousands, and a screenful of them buries the sentence that says what to do."""
    for line in lines[:LISTED]:
        print("  " + safe_line(line), file=sys.stderr)
    if len(lines) > LISTED:
        print(f"  … and {len(lines) - LISTED} more (every one: --json)", file=sys.stderr)


def count_line(unit: str = "sessions", delay: float = 0.5) -> Callable[[str, int, int], None] | None:
    """`show(what, done, total)`: `what: done/total unit` on a terminal's stderr, redrawn in place and
    ended at the last one, once the work has run `delay` seconds (a quick one prints nothing); None
    where stderr is not a terminal. One line for every long job that counts what it has done."""
    if not sys.stderr.isatty():
        return None
    draw = _redrawn(delay)

    def show(what: str, done: int, total: int) -> None:
        draw(f"{what}: {done}/{total} {unit}", done >= total)

    return show


def progress_line(what: str, delay: float = 1.0) -> Callable[[SyncProgress], None]:
    """A sync's `count_line` (`what: n/N files, X MB`), for a caller that has looked at the terminal."""
    draw = _redrawn(delay)

    def show(p: SyncProgress) -> None:
        done = p.files_done >= p.files_total
        draw(f"{what}: {p.files_done}/{p.files_total} files, {p.bytes_done / 1e6:.1f} MB", done)

    return show


def _redrawn(delay: float) -> Callable[[str, bool], None]:
    """`draw(text, last)`: the one line on stderr, shown once the work has run `delay` seconds (a job
    that ends sooner prints nothing), redrawn at most ten times a second, and always at the last."""
    start = time.monotonic()
    shown = [False]
    drawn = [start]

    def draw(text: str, last: bool) -> None:
        now = time.monotonic()
        if not shown[0] and (now - start < delay or last):
            return
        if shown[0] and not last and now - drawn[0] < 0.1:
            return
        shown[0], drawn[0] = True, now
        sys.stderr.write(f"\r\033[K{text}" + ("\n" if last else ""))
        sys.stderr.flush()

    return draw
