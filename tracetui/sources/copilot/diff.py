"""The hunks of the `diff --git` a Copilot CLI `edit` or `create` result carries, as the file has them.

More in docs/formats/copilot.md, `sources/copilot/diff.py`.
"""

from __future__ import annotations

from tracetui.model import Hunk
from tracetui.sources.common.unified_diff import parse_unified_diff


def copilot_hunks(diff: str) -> list[Hunk]:
    return _merged(_without_end_of_text(parse_unified_diff(diff)))


def _without_end_of_text(hunks: list[Hunk]) -> list[Hunk]:
    """Without the empty string after the text's last newline. Only the last hunk can reach the end;
    a genuine blank line dropped from its trailing context leaves a hunk that fits the same place."""
    if not hunks:
        return hunks
    last = hunks[-1]
    if len(last.lines) < 2:
        return hunks
    if last.lines[-1] == " ":
        old_lines, new_lines = last.old_lines - 1, last.new_lines - 1
        trimmed = Hunk(last.old_start, old_lines, last.new_start, new_lines, last.lines[:-1])
    elif last.lines[-1] == "+" and last.old_lines == 0:
        trimmed = Hunk(last.old_start, 0, last.new_start, last.new_lines - 1, last.lines[:-1])
    else:
        return hunks
    return [*hunks[:-1], trimmed]


def _merged(hunks: list[Hunk]) -> list[Hunk]:
    """Overlapping hunks as one: both read against the old text, so their old lines agree and their
    changes touch different lines; a pair that disagrees is left as it was."""
    out: list[Hunk] = []
    for hunk in hunks:
        prev = out[-1] if out else None
        overlap = prev is not None and hunk.old_start < prev.old_start + prev.old_lines
        if prev is not None and overlap and prev.old_lines and hunk.old_lines:
            joined = _join(prev, hunk)
            if joined is not None:
                out[-1] = joined
                continue
        out.append(hunk)
    return out


def _join(a: Hunk, b: Hunk) -> Hunk | None:
    old: dict[int, str] = {}
    removed: set[int] = set()
    added: dict[int, list[str]] = {}  # old line number -> lines added before it
    for hunk in (a, b):
        n = hunk.old_start
        for line in hunk.lines:
            sign, text = line[:1], line[1:]
            if sign == "+":
                added.setdefault(n, []).append(text)
                continue
            if old.setdefault(n, text) != text:
                return None  # the two hunks read different old texts: not one diff's halves
            if sign == "-":
                removed.add(n)
            n += 1
    start, end = min(old), max(old)
    if len(old) != end - start + 1:
        return None  # a gap between them: no line to show there
    lines: list[str] = []
    for n in range(start, end + 2):
        lines.extend("+" + x for x in added.get(n, []))
        if n in old:
            lines.append(("-" if n in removed else " ") + old[n])
    new_lines = sum(1 for x in lines if x[:1] != "-")
    return Hunk(start, end - start + 1, a.new_start, new_lines, lines)
