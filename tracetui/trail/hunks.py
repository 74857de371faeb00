""""""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tracetui.model import Hunk

CONTEXT = 3


# -- diffs -------------------------------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    return text.splitlines()


Opcode = tuple[str, int, int, int, int]


# Steps of difflib's longest-match search one diff may take (about a tenth of a second): an edit of
# lines that recur (one line thousands of times, or between every other) took minutes at a few
# thousand lines. Past it git's own diff is as fine, so the bound is low: each such edit costs a tenth
# of a second, not a second, until the session's budget below runs out (no diff of the corpus comes
# near it).
DIFF_WORK = 1_000_000


# Steps all the diffs of one session's patches may take together (about half a second): a log of
# thousands of edits just under DIFF_WORK each would cost minutes, one tenth of a second at a time.
# Past it, every further diff of the session is git's. The corpus's costliest session takes 135,000
# steps in all, under a thirtieth of it, and a count of steps (not time) gives the same patches each run.
SESSION_DIFF_WORK = 5 * DIFF_WORK


class DiffBudget:
    """Steps of difflib's search left to the diffs of one session's patches."""

    def __init__(self, steps: int) -> None:
        self.left = steps


# The budget of the session whose patches are being computed (None outside one: each diff has its
# own DIFF_WORK only). A context variable rather than an argument: the diffs lie under a dozen
# functions of the replay, none of which has any other use for it.
_session_work: ContextVar[DiffBudget | None] = ContextVar("session_diff_work", default=None)


@contextmanager
def session_diff_budget(steps: int = SESSION_DIFF_WORK) -> Iterator[None]:
    """Within it, the line diffs share one budget of `steps` (a fresh one each time, inner or not, so
    a session's patches do not depend on what was diffed before them)."""
    budget = DiffBudget(steps)
    token = _session_work.set(budget)
    try:
        yield
    finally:
        _session_work.reset(token)


class _OverBudget(Exception):
    pass


class _Budgeted(difflib.SequenceMatcher[str]):
    """difflib's matcher, junk heuristic off, that stops before its search would pass `work` steps.

    A search over a[alo:ahi] takes one step for each place each of those lines recurs in b: summed
    over a beforehand, so each search's cost is known before it starts."""

    def __init__(self, a: list[str], b: list[str], work: int) -> None:
        super().__init__(None, a, b, autojunk=False)
        recurs = Counter(b)
        self._cost = [0]
        for line in a:
            self._cost.append(self._cost[-1] + recurs[line])
        self.left = work

    def find_longest_match(
        self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None
    ) -> difflib.Match:
        ahi = len(self._cost) - 1 if ahi is None else ahi
        cost = self._cost[ahi] - self._cost[alo]
        if cost > self.left:
            raise _OverBudget
        self.left -= cost
        return super().find_longest_match(alo, ahi, blo, bhi)


def _budgeted_opcodes(a: list[str], b: list[str]) -> list[Opcode] | None:
    """difflib's opcodes from `a` to `b` (no junk heuristic: the smallest diff it finds), or None
    past DIFF_WORK or the rest of the session's budget; what the search took is charged to the
    session either way."""
    session = _session_work.get()
    work = DIFF_WORK if session is None else min(DIFF_WORK, session.left)
    if work <= 0:
        return None
    matcher = _Budgeted(a, b, work)
    try:
        return [(tag, i1, i2, j1, j2) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    except _OverBudget:
        return None
    finally:
        if session is not None:
            session.left -= work - matcher.left


def line_opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """difflib's opcodes from `a` to `b`; past its budget (`_budgeted_opcodes`), git's own diff of the
    two (libgit2's, in C: milliseconds where difflib took minutes)."""
    codes = _budgeted_opcodes(a, b)
    return _git_opcodes(a, b) if codes is None else codes


def _git_opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """The opcodes of libgit2's diff of two line lists (its hunks with no context; equal between).
    No line holds a newline: every caller's lines are split at them (`split_lines`, `_block_lines`)."""
    import pygit2

    # surrogatepass: a log's lone surrogates are a line's own text, kept as it is on both sides.
    old = "".join(line + "\n" for line in a).encode("utf-8", "surrogatepass")
    new = "".join(line + "\n" for line in b).encode("utf-8", "surrogatepass")
    codes: list[Opcode] = []
    i = j = 0
    for hunk in pygit2.Patch.create_from(old, new, context_lines=0).hunks:
        # An insertion's old start (a deletion's new start) is the line before it, counted from 1.
        i1 = hunk.old_start - 1 if hunk.old_lines else hunk.old_start
        j1 = hunk.new_start - 1 if hunk.new_lines else hunk.new_start
        if i1 > i:
            codes.append(("equal", i, i1, j, j + i1 - i))
        i2, j2 = i1 + hunk.old_lines, j1 + hunk.new_lines
        codes.append(("replace" if i2 > i1 and j2 > j1 else "delete" if i2 > i1 else "insert", i1, i2, j1, j2))
        i, j = i2, j2
    if i < len(a) or j < len(b):
        codes.append(("equal", i, len(a), j, len(b)))
    return codes


def diff_hunks(before: list[str], after: list[str], context: int = CONTEXT, fixed: tuple[int, int] = (0, 0)) -> list[Hunk]:
    """Unified-diff hunks between two line lists, with 1-based line numbers.

    `fixed` = (head, tail): that many first and last lines are known to be unchanged context (the
    lines around a string replacement); only what lies between is diffed, so a changed line is
    never matched against an identical line of the context.
    """
    head, tail = fixed
    inner = line_opcodes(before[head : len(before) - tail], after[head : len(after) - tail])
    codes: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    codes += [(t, i1 + head, i2 + head, j1 + head, j2 + head) for t, i1, i2, j1, j2 in inner]
    if tail:
        codes.append(("equal", len(before) - tail, len(before), len(after) - tail, len(after)))
    hunks: list[Hunk] = []
    for group in _grouped(_merged(codes), context):
        lines: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(" " + x for x in before[i1:i2])
                continue
            if tag in ("replace", "delete"):
                lines.extend("-" + x for x in before[i1:i2])
            if tag in ("replace", "insert"):
                lines.extend("+" + x for x in after[j1:j2])
        i1, i2 = group[0][1], group[-1][2]
        j1, j2 = group[0][3], group[-1][4]
        old_lines, new_lines = i2 - i1, j2 - j1
        # Unified-diff convention: an empty side starts at the line before it.
        hunks.append(Hunk(i1 + 1 if old_lines else i1, old_lines, j1 + 1 if new_lines else j1, new_lines, lines))
    return hunks


def _merged(codes: list[Opcode]) -> list[Opcode]:
    out: list[Opcode] = []
    for code in codes:
        if code[1] == code[2] and code[3] == code[4]:
            continue
        if out and out[-1][0] == "equal" == code[0]:
            out[-1] = ("equal", out[-1][1], code[2], out[-1][3], code[4])
        else:
            out.append(code)
    return out


def _grouped(codes: list[Opcode], n: int) -> list[list[Opcode]]:
    """Changes with up to `n` lines of context around them, split where the context between is long."""
    if not any(c[0] != "equal" for c in codes):
        return []
    codes = list(codes)
    if codes[0][0] == "equal":
        _, i1, i2, j1, j2 = codes[0]
        codes[0] = ("equal", max(i1, i2 - n), i2, max(j1, j2 - n), j2)
    if codes[-1][0] == "equal":
        _, i1, i2, j1, j2 = codes[-1]
        codes[-1] = ("equal", i1, min(i2, i1 + n), j1, min(j2, j1 + n))
    groups: list[list[Opcode]] = []
    current: list[Opcode] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and current and i2 - i1 > 2 * n:
            current.append(("equal", i1, i1 + n, j1, j1 + n))
            groups.append(current)
            current = []
            i1, j1 = i2 - n, j2 - n
        current.append((tag, i1, i2, j1, j2))
    if current and any(c[0] != "equal" for c in current):
        groups.append(current)
    return groups


def hunk_lines(hunks: list[Hunk]) -> tuple[list[str], list[str]]:
    added: list[str] = []
    removed: list[str] = []
    for h in hunks:
        for line in h.lines:
            if line.startswith("+"):
                added.append(line[1:])
            elif line.startswith("-"):
                removed.append(line[1:])
    return added, removed


def _hunk_lines(lines: list[str]) -> list[str]:
    """A logged hunk's lines as the replay knows lines: no "\\ No newline" marker, no CR ending."""
    return [x.removesuffix("\r") or " " for x in lines if not x.startswith("\\")]


def tidy_hunk(h: Hunk) -> Hunk:
    """The hunk with lines it removes and adds back unchanged shown as context.

    apply_patch hunks (Codex) often remove a block and add it back with one line changed; only the
    changed line is the step's work. The sides (and so the numbers) stay as they were.
    """
    old = [x[1:] for x in h.lines if x[:1] in (" ", "-")]
    new = [x[1:] for x in h.lines if x[:1] in (" ", "+")]
    if not any(x[:1] == "-" for x in h.lines) or not any(x[:1] == "+" for x in h.lines):
        return h
    # Under the same budgets as every diff: a logged hunk of lines that recur took difflib 25 s at
    # 1,500 lines. Past them the log's hunk stands (its lines may hold newlines, which git's diff
    # would count as more lines).
    codes = _budgeted_opcodes(old, new)
    if codes is None:
        return h
    lines: list[str] = []
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal":
            lines.extend(" " + x for x in old[i1:i2])
            continue
        lines.extend("-" + x for x in old[i1:i2])
        lines.extend("+" + x for x in new[j1:j2])
    # difflib's alignment is not always the smallest: keep the log's hunk unless this one is smaller.
    if sum(1 for x in lines if x[:1] != " ") >= sum(1 for x in h.lines if x[:1] in ("-", "+")):
        return h
    return Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines, lines)


def _apply_hunks(text: str, hunks: list[Hunk]) -> tuple[str, list[Hunk]] | None:
    """Apply hunks by their old side's content (numbers are only hints); None when one does not fit.

    Returns the new text and the hunks with their real line numbers.
    """
    lines = split_lines(text)
    out: list[str] = []
    placed: list[Hunk] = []
    cursor = 0
    shift = 0
    for h in hunks:
        old = [x[1:] for x in h.lines if x[:1] in (" ", "-")]
        new = [x[1:] for x in h.lines if x[:1] in (" ", "+")]
        # An insertion-only hunk's old_start is the line it goes after (unified-diff convention).
        hint = (h.old_start if not old else h.old_start - 1) if h.old_start else None
        at = _find_block(lines, old, cursor, hint)
        if at is None:
            return None
        out.extend(lines[cursor:at])
        out.extend(new)
        old_start = at + 1 if old else at
        new_start = at + shift + 1 if new else at + shift
        placed.append(Hunk(old_start, len(old), new_start, len(new), list(h.lines)))
        shift += len(new) - len(old)
        cursor = at + len(old)
    out.extend(lines[cursor:])
    trailing = "\n" if text.endswith("\n") or not text else ""
    return "\n".join(out) + (trailing if out else ""), placed


def _find_block(lines: list[str], block: list[str], start: int, hint: int | None) -> int | None:
    if not block:
        return hint if hint is not None and start <= hint <= len(lines) else (len(lines) if start == 0 and not lines else None)
    if hint is not None and hint >= start and lines[hint : hint + len(block)] == block:
        return hint
    n = len(block)
    first = block[0]
    for i in range(start, len(lines) - n + 1):
        if lines[i] == first and lines[i : i + n] == block:
            return i
    return None


def _string_edit(text: str, old: str, new: str, replace_all: bool) -> tuple[str, list[Hunk]] | None:
    """Apply an exact replacement to the whole file; hunks cover whole lines with real numbers."""
    idx = text.find(old)
    if idx < 0:
        return None
    if replace_all:
        after = text.replace(old, new)
        return after, diff_hunks(split_lines(text), split_lines(after))
    after = text[:idx] + new + text[idx + len(old) :]
    # Diff only the touched lines (files can be large), then shift the numbers into place.
    start = text.rfind("\n", 0, idx) + 1
    end = text.find("\n", idx + len(old))
    end = len(text) if end < 0 else end
    old_block = _block_lines(text[start:end])
    new_end = end + len(new) - len(old)
    new_block = _block_lines(after[start:new_end])
    first_line = text.count("\n", 0, start)  # 0-based line of the block
    before_lines = split_lines(text)
    ctx_before = before_lines[max(0, first_line - CONTEXT) : first_line]
    ctx_after = before_lines[first_line + len(old_block) : first_line + len(old_block) + CONTEXT]
    hunks = diff_hunks(ctx_before + old_block + ctx_after, ctx_before + new_block + ctx_after, fixed=(len(ctx_before), len(ctx_after)))
    offset = first_line - len(ctx_before)
    for h in hunks:
        h.old_start += offset if h.old_lines or h.old_start else 0
        h.new_start += offset if h.new_lines or h.new_start else 0
    return after, hunks


def _block_lines(block: str) -> list[str]:
    """The lines of a stretch of whole lines. A stretch that runs to the end of a file ending in a
    newline has no line after that newline: `split` would give one, a context line past the end of
    the file, and every line number the replay keeps for it (who wrote each line) would be lost."""
    lines = block.split("\n")
    return lines[:-1] if block.endswith("\n") else lines


def _fragment_hunks(old: str, new: str) -> list[Hunk]:
    """Hunks from the strings alone: no line numbers, and the ends may be parts of lines."""
    hunks = diff_hunks(split_lines(old), split_lines(new), context=CONTEXT)
    for h in hunks:
        h.old_start = h.new_start = 0
    return hunks
