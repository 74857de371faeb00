"""Hunks from a unified diff, as jsdiff writes them: Pi's `details.patch`, and the diffs Codex, Copilot,
Gemini and OpenCode log for an edit."""

from __future__ import annotations

import re

from tracetui.model import Hunk

# ASCII digits, at most nine: a line number past that is no line of a real file (and int() of a
# forged thousand-digit one would be a number no JSON writer takes).
_HUNK_HEADER = re.compile(r"@@ -([0-9]{1,9})(?:,([0-9]{1,9}))? \+([0-9]{1,9})(?:,([0-9]{1,9}))? @@")


def parse_unified_diff(patch: str) -> list[Hunk]:
    """Hunks from a unified diff (newer Pi's `details.patch`, written by jsdiff).

    Starts are converted to jsdiff's structuredPatch convention (a side with no lines starts
    where its lines would be), matching Pi's `parse_numbered_diff`.
    """
    hunks: list[Hunk] = []
    current: Hunk | None = None
    for raw in patch.split("\n"):
        header = _HUNK_HEADER.match(raw)
        if header:
            old_lines = int(header.group(2)) if header.group(2) is not None else 1
            new_lines = int(header.group(4)) if header.group(4) is not None else 1
            old_start = int(header.group(1)) + (1 if old_lines == 0 else 0)
            new_start = int(header.group(3)) + (1 if new_lines == 0 else 0)
            current = Hunk(old_start, old_lines, new_start, new_lines, [])
            hunks.append(current)
        elif current is not None and raw[:1] in ("+", "-", " "):
            current.lines.append(raw)
    # A hunk's line count tells where it ends; lines past it (the next file's header) are ignored.
    for hunk in hunks:
        hunk.lines = _trim_to_counts(hunk)
    return hunks


def _trim_to_counts(hunk: Hunk) -> list[str]:
    old = new = 0
    kept: list[str] = []
    for line in hunk.lines:
        if old >= hunk.old_lines and new >= hunk.new_lines:
            break
        sign = line[:1]
        if sign != "+":
            old += 1
        if sign != "-":
            new += 1
        kept.append(line)
    return kept
