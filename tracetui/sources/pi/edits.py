"""The file edits of Pi's and OpenClaw's tool calls, and the numbered diffs their results show
(format: docs/formats/pi.md)."""

from __future__ import annotations

import operator
import re
from typing import Any

import orjson

from tracetui.model import FileEdit, Hunk, Step
from tracetui.sources.common.apply_patch import parse_patch
from tracetui.sources.common.jsonl import loads_within_depth
from tracetui.sources.common.unified_diff import parse_unified_diff


def _edits(tool: str | None, arguments: Any) -> list[FileEdit]:
    """FileEdits for Pi's edit and write tools (any letter case; Claude-style argument names
    are accepted too, since OpenClaw passes them through) and for apply_patch."""
    if not tool or not isinstance(arguments, dict):
        return []
    name = tool.lower()
    if name == "apply_patch":  # OpenClaw (and a Pi extension) give GPT models Codex's patch tool
        body = next(
            (arguments[k] for k in ("input", "patch", "command") if isinstance(arguments.get(k), str)), None
        )
        return list(parse_patch(body)) if body is not None else []
    path = next((v for k in _PATH_KEYS if isinstance(v := arguments.get(k), str) and v), None)
    if path is None:
        return []
    if name == "write":
        content = arguments.get("content")
        return [FileEdit(path=path, op="write", content=content if isinstance(content, str) else None)]
    if name != "edit":
        return []
    pairs: list[tuple[str, str]] = []
    many = arguments.get("edits")
    if isinstance(many, str):  # newer Pi accepts the list sent as a JSON string
        try:
            many = loads_within_depth(many)
        except orjson.JSONDecodeError:
            many = None
    if isinstance(many, list):
        for item in many:
            if isinstance(item, dict):
                old, new = _pair(item)
                if old is not None or new is not None:
                    pairs.append((old or "", new or ""))
    old, new = _pair(arguments)
    if old is not None or new is not None:
        pairs.append((old or "", new or ""))
    if not pairs:
        return [FileEdit(path=path, op="update")]
    return [FileEdit(path=path, op="update", old_string=o, new_string=n) for o, n in pairs]


# The names an edit's file goes by: Pi's own `path`, and the aliases OpenClaw accepts from models
# trained on other agents (Claude Code's `file_path`, and `file`, `filename`, `filepath`), first found wins.
_PATH_KEYS = ("path", "file_path", "file", "filename", "filepath")


_OLD_KEYS = ("oldText", "old_string", "old_text")


_NEW_KEYS = ("newText", "new_string", "new_text")


def _pair(d: dict[str, Any]) -> tuple[str | None, str | None]:
    old = next((d[k] for k in _OLD_KEYS if k in d), None)
    new = next((d[k] for k in _NEW_KEYS if k in d), None)
    return (old if isinstance(old, str) else None, new if isinstance(new, str) else None)


def _settle_edits(call: Step, is_error: bool, details: Any) -> None:
    """Mark a call's edits failed, or give them the hunks its result reported."""
    if is_error:
        for edit in call.edits:
            edit.applied = False
        return
    if not isinstance(details, dict) or (call.tool or "").lower() != "edit":
        return
    hunks: list[Hunk] = []
    if isinstance(details.get("patch"), str):
        hunks = parse_unified_diff(details["patch"])
    if not hunks and isinstance(details.get("diff"), str):
        hunks = parse_numbered_diff(details["diff"])
    if not hunks:
        return
    first = call.edits[0]
    if len(call.edits) > 1:
        # One diff covers every replacement of the call; one FileEdit keeps it from being counted twice.
        call.edits = [FileEdit(path=first.path, op="update", hunks=hunks)]
    else:
        first.hunks = hunks


def parse_numbered_diff(diff: str) -> list[Hunk]:
    """Hunks from Pi's numbered display diff (the edit tool's `details.diff`).

    Each line is a sign (`+`, `-` or space), a right-aligned line number, a space and the text;
    a line of spaces and `...` stands for unchanged lines left out, and separates hunks. Added
    lines carry their new line number and removed lines their old one, so the hunk starts are
    worked out from those; context lines carry old numbers, but some Pi versions numbered the
    leading context wrongly, so context numbers are used only where a hunk has nothing better
    (trailing context first). A diff that does not have this shape gives no hunks (the edit
    keeps its old/new strings), rather than hunks with made-up numbers. Starts follow jsdiff's
    structuredPatch: a side with no lines starts where its lines would be.
    """
    # Edit diffs are most of a log's lines that need more than orjson, so the per-line work is
    # left to C: one regex split cuts every line into sign, number and text (or marks it a gap),
    # and each hunk's starts come from str.find/count on a string of its lines' signs.
    parts = _DIFF_LINE.split("\n" + diff + "\n")
    # Per matched line, re.split gives the text before it, then its four groups. That text is
    # only newlines (blank lines) unless some line is not of this shape.
    if len(parts) == 1 or "".join(parts[::5]).strip("\n"):
        return []
    all_signs = parts[1::5]
    numbers = parts[2::5]
    texts = parts[3::5]
    gaps = [i for i, gap in enumerate(parts[4::5]) if gap]
    hunks: list[Hunk] = []
    delta = 0  # new line number minus old, after the hunks so far
    for start, end in zip([-1, *gaps], [*gaps, len(all_signs)]):
        start += 1  # this hunk's lines are [start, end), between two gaps
        signs = "".join(all_signs[start:end])
        removed = signs.count("-")
        added = signs.count("+")
        if not removed and not added:
            continue
        # A line's number minus the lines of its side above it in the hunk is the hunk's start.
        old_start: int | None = None
        new_start: int | None = None
        first_removed = signs.find("-")
        first_added = signs.find("+")
        if first_removed >= 0:
            above = first_removed - signs.count("+", 0, first_removed)
            old_start = int(numbers[start + first_removed]) - above
        if first_added >= 0:
            above = first_added - signs.count("-", 0, first_added)
            new_start = int(numbers[start + first_added]) - above
        if old_start is None:  # nothing removed, so something added: place the old side by it
            trailing = signs.find(" ", first_added + 1)  # the first context line after a change
            if trailing >= 0:
                above = trailing - signs.count("+", 0, trailing)
                old_start = int(numbers[start + trailing]) - above
            else:
                old_start = new_start - delta  # type: ignore[operator]
        if new_start is None:
            new_start = old_start + delta
        valid = old_start >= 1 and new_start >= 1
        hunks.append(
            Hunk(
                old_start=old_start if valid else 0,
                old_lines=len(signs) - added,
                new_start=new_start if valid else 0,
                new_lines=len(signs) - removed,
                lines=list(map(operator.add, all_signs[start:end], texts[start:end])),
            )
        )
        delta += added - removed
    return hunks


# parse_numbered_diff's lines: a sign, a right-aligned line number (ASCII digits), then a space
# and the text (or nothing); or a gap between hunks, spaces and `...` (its first space
# captured). A match takes the newline before its line and must see the one after it,
# so it is always one whole line (of a text with a newline put at both ends), and the regex
# engine can jump from newline to newline instead of trying `^` at every character.
_DIFF_LINE = re.compile(r"\n(?:([+\- ]) *([0-9]{1,9})(?: |(?=\n))(.*)|( ) *\.\.\.)(?=\n)")
