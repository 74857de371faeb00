"""Patches: what each step changed, one file at a time, as line-level hunks.

More in docs/internals/trail.md, `trail/patches.py`.
"""

from __future__ import annotations

import difflib
import functools
import os
import posixpath
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tracetui.model import FileEdit, Hunk, Session, Step, StepKind
from tracetui.trail.copies import agent_copy
from tracetui.trail.shell import ShellRenames, command_text, home_of

CONTEXT = 3

_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(slots=True)
class Patch:
    """One step's change to one file.

    `path` is relative to the repository root when the trail knows one, else to the session's
    cwd (or as the log wrote it when it lies outside both). `op` is the edit's op (create, update,
    delete, write). `added`/`removed` are whole lines, without their '+'/'-' prefix.
    `old_path` is set when the edit moved the file.
    """

    step_id: str
    path: str
    op: str
    hunks: list[Hunk]
    added: list[str]
    removed: list[str]
    old_path: str | None = None
    timestamp: str | None = None
    tool: str | None = None
    index: int = 0  # order of the patch in the session
    # False when the log did not give whole lines and the file could not be replayed: the first
    # and last lines may then be fragments of real lines.
    exact: bool = True
    inside: bool = True  # False when the file lies outside the repository (or cwd) root
    # How often each of this patch's lines was in the file just before the step (None: unknown).
    # The survival check subtracts these so that lines that were already there prove nothing.
    before_counts: dict[str, int] | None = field(default=None, repr=False)
    # The same by line identity (`norm`), over the norms of the patch's lines and of their joins
    # (`join_keys`); and how often each added line's norm was split over several lines.
    before_norms: dict[str, int] | None = field(default=None, repr=False)
    before_splits: dict[str, int] | None = field(default=None, repr=False)
    # "log": from the session log; "snapshot": a change only the work-tree snapshots show.
    origin: str = "log"
    # True when the file just before the step is not known for sure (the replay went stale and no
    # other source fitted the edit): counts of older copies are then taken from git at the step's
    # time where possible, and the verdict is marked as resting on partial evidence.
    partial: bool = False
    # By norm: copies of the patch's added lines that the session's last text of the file holds and
    # that the step did not write (None: the replay lost track). Caps the floor of older copies.
    others_after: dict[str, int] | None = field(default=None, repr=False)
    # Indexes of the earlier patches whose lines this one removed (None: the replay lost track).
    removed_from: set[int] | None = field(default=None, repr=False)
    # The patch's added lines (by norm) that later steps of the session removed and did not write
    # again, each with the removing step's time (None: none, or the replay lost track). Removed before
    # any commit, a line never reached one as this patch's: a copy found later is a twin elsewhere.
    taken_back: list[tuple[str, str | None]] | None = field(default=None, repr=False)
    # Removals of the patch's lines (by norm, with the removing step's time) that another step wrote
    # again later in the session. Written again before the file's next commit, the line is this
    # patch's moved; after it, that commit held none of it and the later copy is the other step's.
    # Which, only the history tells (survival._untaken).
    written_again: list[tuple[str, str | None]] | None = field(default=None, repr=False)
    # A fork's copy of its parent's step (Step.meta["copied"]): replayed, so the fork's own edits
    # land on the file as it was, and judged, but the parent's work, not the fork's (`Trail.own`).
    copied: bool = False
    # For a deletion: the later step of the session that wrote the file again, and its time (an agent
    # that deleted a file by mistake and recreated it). Before any commit, the deletion never held.
    undone_by: tuple[str, str | None] | None = field(default=None, repr=False)
    # The name a shell command of the session gave the file after the step (`mv calendar.py
    # cal-widget.py`), followed through later renames; None where none did. Lines the step wrote
    # live on there, beside the patches the session wrote under the new name.
    renamed_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "step": self.step_id,
            "path": self.path,
            "op": self.op,
            "hunks": [h.to_dict() for h in self.hunks],
            "added": len(self.added),
            "removed": len(self.removed),
            "timestamp": self.timestamp,
        }
        if self.old_path is not None:
            d["old_path"] = self.old_path
        if not self.exact:
            d["exact"] = False
        if self.origin != "log":
            d["origin"] = self.origin
        if self.partial:
            d["partial"] = True
        if self.copied:
            d["copied"] = True
        return d


# -- line identity -------------------------------------------------------------------------------

# Whitespace as the trail knows it. Removed with str.replace, one character at a time and only
# where present: it runs at memory speed in C (a regex or a deleting str.translate table is ten
# times slower, and counting every version of a file on a long history is most of a trail's cost).
_SPACES = (" ", "\t", "\r", "\f", "\v", "\u00a0")


def _strip_spaces(text: str) -> str:
    for c in _SPACES:
        if c in text:
            text = text.replace(c, "")
    return text


JOIN_SPAN = 6  # at most this many wrapped lines are looked for joined into one
SPLIT_SPAN = 4  # a line is looked for split over at most this many
# Formatters split only long lines; shorter ones are not looked for split (a split search reads the
# whole file version, which on a long history is most of a trail's cost).
SPLIT_MIN = 48


def norm(line: str) -> str:
    """A line's identity: its text with whitespace removed (equal norms differ only in whitespace)."""
    return _strip_spaces(line).replace("\n", "")


def _writes_back(deleted: Patch, written: Patch) -> bool:
    """Whether a file written where the session had deleted one brings the deleted text back (a file
    deleted by mistake and written again), not a new file in its place (a template's placeholder text
    deleted and a document of the project written under its name, sharing two headings of 37 lines:
    the deletion stands). As for a deletion's lines coming back, a tenth of them is the file back; an
    agent rewriting its own file keeps more (rtchess: 77 of 174 lines)."""
    gone = {norm(x) for x in deleted.removed} - {""}
    if not gone:
        return True  # nothing known of what was deleted: the file is back
    back = gone & {norm(x) for x in written.added}
    return 10 * len(back) >= len(gone)


def norms_of(text: str) -> list[str]:
    """The norms of a text's lines, in order (one C-level pass, not a call per line)."""
    if not text:
        return []
    out = _strip_spaces(text).split("\n")
    if text.endswith("\n"):
        out.pop()
    return out


_ASCII_SPACES = "".join(c for c in _SPACES if c.isascii()).encode()
_NBSP = "\u00a0".encode()


def byte_norms(data: bytes) -> list[bytes] | None:
    """`norms_of` the text of `data` (UTF-8), encoded, found on the bytes; None when that cannot be.

    For valid UTF-8 holding no non-breaking space the only whitespace the trail removes is ASCII,
    whose bytes never occur inside a longer character, and the lines end at b"\n": deleting those
    bytes (one pass in C) and splitting leaves the norms' encodings, with nothing decoded.
    """
    if not data:
        return []
    if not data.isascii():
        if _NBSP in data:
            return None
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None  # decoded with replacement characters, which removing bytes could change
    out = data.translate(None, _ASCII_SPACES).split(b"\n")
    if data.endswith(b"\n"):
        out.pop()
    return out


def join_keys(patch: Patch) -> list[tuple[str, list[str]]]:
    """(norm of a run of lines joined, the added lines in the run) for runs of 2..JOIN_SPAN
    consecutive non-blank lines of each hunk's new side that hold at least one added line.

    A formatter that joins wrapped lines leaves exactly this norm: whitespace is all that differs.
    The run may take in context lines (a closing bracket the step did not write).
    """
    sides: list[list[tuple[str, bool]]] = []
    for h in patch.hunks:
        side = [(x[1:], x[:1] == "+") for x in h.lines if x[:1] in (" ", "+")]
        if any(added for _, added in side):
            sides.append(side)
    if not sides and patch.added:
        sides = [[(x, True) for x in patch.added]]
    out: list[tuple[str, list[str]]] = []
    for side in sides:
        ns = [norm(x) for x, _ in side]
        for i in range(len(ns)):
            if not ns[i]:
                continue
            joined = ns[i]
            # The run's added lines, grown with the run (a 1,000-line Write has thousands of runs): a run
            # that takes in a context line shares its shorter run's list, which nobody changes.
            mine = [side[i][0]] if side[i][1] else []
            for j in range(i + 1, min(i + JOIN_SPAN, len(ns))):
                if not ns[j]:
                    break
                joined += ns[j]
                if side[j][1]:
                    mine = [*mine, side[j][0]]
                if mine:
                    out.append((joined, mine))
    return out


def split_counts(
    seq: list[str], keys: set[str] | frozenset[str], starts: int | None = None
) -> dict[str, int]:
    """How often each key is the join of 2..SPLIT_SPAN consecutive entries of `seq` (norms).

    With `starts`, only joins that begin among the first `starts` entries count (the rest of `seq` is
    what they may run into: how a changed stretch of a file is counted with its neighbours).
    """
    if not keys:
        return {}
    prefixes = split_prefixes(frozenset(keys))
    found: dict[str, int] = {}
    last = len(seq)
    for i, first in enumerate(seq if starts is None else seq[:starts]):
        if not first or first not in prefixes:
            continue
        joined = first
        for j in range(i + 1, min(i + SPLIT_SPAN, last)):
            part = seq[j]
            if not part:
                break
            joined += part
            if joined in keys:
                found[joined] = found.get(joined, 0) + 1
                break
            if joined not in prefixes:
                break
    return found


@functools.lru_cache(maxsize=64)
def split_prefixes(keys: frozenset[str]) -> frozenset[str]:
    """Every proper prefix of the keys: the lines a split key can start with."""
    # The same keys are looked for in every version of a file: their prefixes are built once.
    return frozenset(k[:n] for k in keys for n in range(1, len(k)))


def count_before(patch: Patch, before: str | None) -> None:
    """Record how often the patch's lines (exact, by identity, joined, split) were in `before`."""
    if before is None:
        patch.before_counts = patch.before_norms = patch.before_splits = None
        return
    lines = split_lines(before)
    wanted = set(patch.added) | set(patch.removed)
    patch.before_counts = dict(Counter(x for x in lines if x in wanted))
    keys = {norm(x) for x in wanted}
    keys.update(k for k, _ in join_keys(patch))
    seq = norms_of(before)
    patch.before_norms = dict(Counter(x for x in seq if x in keys))
    patch.before_splits = split_counts(seq, {k for k in (norm(x) for x in patch.added) if len(k) >= SPLIT_MIN})


# -- paths -------------------------------------------------------------------------------------


def absolute_path(path: str, cwd: str | None) -> str:
    """The edit's path made absolute against the step's cwd, in '/' form (as far as possible)."""
    p = _posix(path)
    if not (p.startswith("/") or _WINDOWS_ABS.match(p)) and cwd:
        p = posixpath.join(_posix(cwd), p)
    return posixpath.normpath(p) if p else p


def _posix(path: str) -> str:
    # Windows logs (C:\\Users\\...) are compared in '/' form; a POSIX name may hold a backslash.
    if _WINDOWS_ABS.match(path) or ("\\" in path and "/" not in path):
        return path.replace("\\", "/")
    return path


def relative_path(abs_path: str, root: str | None) -> tuple[str, bool]:
    """(path relative to `root`, whether it lies inside it); outside paths come back unchanged."""
    if not root:
        return abs_path, False
    root_n = posixpath.normpath(_posix(root))
    candidates = [root_n]
    real = _realpath(root_n)
    if real != root_n:
        candidates.append(real)
    for r in candidates:
        for p in (abs_path, _realpath(abs_path) if abs_path.startswith("/") else abs_path):
            if p == r:
                return ".", True
            prefix = r.rstrip("/") + "/"
            if _same_prefix(p, prefix):
                return p[len(prefix) :], True
    return abs_path, False


def _realpath(path: str) -> str:
    # Log paths are untrusted text: a NUL byte or an unreadable parent must not stop the trail.
    try:
        return os.path.realpath(path)
    except (ValueError, OSError):
        return path


def _same_prefix(path: str, prefix: str) -> bool:
    # Windows paths compare case-insensitively (the corpus has c:\ and C:\ for one machine).
    if _WINDOWS_ABS.match(prefix):
        return path.lower().startswith(prefix.lower())
    return path.startswith(prefix)


# -- diffs -------------------------------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    return text.splitlines()


Opcode = tuple[str, int, int, int, int]


def diff_hunks(before: list[str], after: list[str], context: int = CONTEXT, fixed: tuple[int, int] = (0, 0)) -> list[Hunk]:
    """Unified-diff hunks between two line lists, with 1-based line numbers.

    `fixed` = (head, tail): that many first and last lines are known to be unchanged context (the
    lines around a string replacement); only what lies between is diffed, so a changed line is
    never matched against an identical line of the context.
    """
    head, tail = fixed
    inner = difflib.SequenceMatcher(None, before[head : len(before) - tail], after[head : len(after) - tail], autojunk=False)
    codes: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    codes += [(t, i1 + head, i2 + head, j1 + head, j2 + head) for t, i1, i2, j1, j2 in inner.get_opcodes()]
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
    lines: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
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


# -- session -> patches --------------------------------------------------------------------------

_ABSENT = ""  # a file that does not exist replays as empty text


def session_patches(
    session: Session,
    root: str | None = None,
    base: Callable[[str], str | None] | None = None,
    at: Callable[[str, str | None], list[str]] | None = None,
) -> list[Patch]:
    """The patches of a session's edit tool calls, in step order.

    `root` is the directory paths are made relative to (the repository's work tree); by default the
    session's cwd. `base(path)` may return a file's content before the session (e.g. from git) so
    string edits can be placed; edits that carry their own `original` need no help. `at(path,
    timestamp)` may return the file's texts in git at a step's time (newest first): they are tried
    when the replayed text does not fit an edit (it went stale). Every applied edit gives one patch
    (possibly with no hunks, when the log does not show a change); failed edits (`applied=False`)
    changed nothing and give none.
    """
    root = root or session.cwd
    contents: dict[str, str | None] = {}  # replayed file text by path; None = unknown
    # Which patch wrote each line of the replayed text (-1: it was there before, or came from
    # elsewhere); None where the replay lost track. Tells later steps' removals of older copies apart.
    origins: dict[str, list[int] | None] = {}
    patches: list[Patch] = []
    reads: dict[str, Step] = {}  # whole-file read calls waiting for their result, by call id
    seen: dict[str, str] = {}  # the file as a read showed it since the replay last touched it
    gone: dict[str, Patch] = {}  # files the session deleted and did not write again, by their deletion
    # Shell calls that rename files, waiting for their result (by call id), with how many patches
    # came before them.
    moves: dict[str, tuple[Step, int]] = {}
    shell = ShellRenames()  # copies waiting for their source's removal, across commands
    for step in session.steps:
        if step.kind == StepKind.TOOL_CALL and not step.edits and _moves_files(step):
            if step.tool_call_id:
                moves[step.tool_call_id] = (step, len(patches))
            else:  # a call whose result the log does not keep apart (a user's own shell command)
                _follow_renames(step, session, root, patches, contents, origins, seen, shell)
            continue
        if step.kind == StepKind.TOOL_RESULT and step.tool_call_id in moves:
            call, _ = moves.pop(step.tool_call_id or "")
            if not step.is_error:  # a failed command moved nothing (as far as the log says)
                _follow_renames(call, session, root, patches, contents, origins, seen, shell)
            continue
        if step.kind == StepKind.TOOL_CALL and _whole_read(step):
            reads[step.tool_call_id or ""] = step
            continue
        if step.kind == StepKind.TOOL_RESULT and step.tool_call_id in reads:
            call = reads.pop(step.tool_call_id or "")
            shown = _read_text(step)
            if shown is not None:
                rel, inside = relative_path(absolute_path(_read_path(call) or "", call.cwd or session.cwd), root)
                if inside:
                    seen[rel] = shown
            continue
        if step.kind != StepKind.TOOL_CALL or not step.edits:
            continue
        cwd = step.cwd or session.cwd
        for edit in step.edits:
            if not edit.applied:
                continue
            trace: dict[str, Any] = {"seen": seen}
            patch = _edit_patch(step, edit, cwd, root, contents, base, at, trace)
            shell.forget(absolute_path(edit.path, cwd))
            patch.index = len(patches)
            patches.append(patch)
            if patch.op == "delete":
                gone[patch.path] = patch
            elif patch.path in gone:
                deleted = gone.pop(patch.path)
                if _writes_back(deleted, patch):
                    deleted.undone_by = (patch.step_id, patch.timestamp)
            rewritten_here = {norm(x) for x in patch.added}
            for index, line in _carry_origins(patch, trace, contents, origins):
                key = norm(line)
                if key not in rewritten_here:  # a line the step writes again (moved, re-indented) stays
                    earlier = patches[index]
                    earlier.taken_back = (earlier.taken_back or []) + [(key, patch.timestamp)]
    for call, before in moves.values():
        # No result logged (the log ends, or its reader keeps none): the files are taken as renamed
        # for the patches before the call; the replay has gone on without it.
        _follow_renames(call, session, root, patches[:before], {}, {}, {}, shell)
    # A file the session deleted in the end leaves no text to tell which removed lines other steps
    # wrote again (an agent recovering a file it deleted by mistake, then splitting it into modules):
    # as for a file whose replay was lost, its removals are not weighed.
    _cap_floors(patches, {**contents, **dict.fromkeys(gone)}, origins)
    return patches


_V = TypeVar("_V")


_MOVING = re.compile(r"\b(?:mv|cp|rm|unlink)\b")  # a shell command that may rename a file (shell.py)


def _moves_files(call: Step) -> bool:
    text = command_text(call.tool_input)
    return text is not None and _MOVING.search(text) is not None


def _follow_renames(
    call: Step,
    session: Session,
    root: str | None,
    patches: list[Patch],
    contents: dict[str, str | None],
    origins: dict[str, list[int] | None],
    seen: dict[str, str],
    shell: ShellRenames,
) -> None:
    """Carry the files a shell command renamed to their new names: the replayed text (and which patch
    wrote each line) goes with the file, and each earlier patch of it learns its new name."""
    cwd = call.cwd or session.cwd
    text = command_text(call.tool_input)
    if not cwd or text is None:
        return
    known = set(contents) | {p.path for p in patches}

    def is_folder(path: str) -> bool:
        rel, inside = relative_path(path, root)
        return inside and any(k.startswith(rel.rstrip("/") + "/") for k in known)

    for old_abs, new_abs in shell.read(text, cwd, home_of(session.cwd) or home_of(cwd), is_folder):
        old, old_inside = relative_path(old_abs, root)
        new, new_inside = relative_path(new_abs, root)
        if not (old_inside and new_inside) or old in (".", new) or agent_copy(new):
            continue

        def moved(path: str) -> str | None:
            if path == old:
                return new
            return new + path[len(old) :] if path.startswith(old + "/") else None

        _rekey(contents, moved)
        _rekey(origins, moved)
        _rekey(seen, moved)
        for patch in patches:
            now = moved(patch.renamed_to or patch.path)
            if now is not None and patch.op != "delete" and patch.inside:
                patch.renamed_to = now


def _rekey(table: dict[str, _V], moved: Callable[[str], str | None]) -> None:
    for key in list(table):
        new = moved(key)
        if new is not None:
            table[new] = table.pop(key)


READ_TOOLS = frozenset({"read"})  # tools whose result is the file's text as is (Pi, OpenClaw)
_READ_CUT = ("Use offset=", "truncated at", "more lines in file")


def _read_path(call: Step) -> str | None:
    args = call.tool_input if isinstance(call.tool_input, dict) else {}
    for key in ("path", "file_path", "file"):
        if isinstance(args.get(key), str):
            return args[key]
    return None


def _whole_read(call: Step) -> bool:
    """A read of a whole file (no offset or limit): its result is a snapshot of the file."""
    if call.tool not in READ_TOOLS or not isinstance(call.tool_input, dict) or _read_path(call) is None:
        return False
    return not any(call.tool_input.get(k) for k in ("offset", "limit"))


def _read_text(result: Step) -> str | None:
    # A cut-off read (a note at its end says how to read on) is not the whole file.
    if result.is_error or not result.text or any(cut in result.text[-400:] for cut in _READ_CUT):
        return None
    return result.text


def _carry_origins(
    patch: Patch, trace: dict[str, Any], contents: dict[str, str | None], origins: dict[str, list[int] | None]
) -> list[tuple[int, str]]:
    """Which patch wrote each line of the file after `patch`; gives the (earlier patch, line) pairs of
    the lines `patch` removed where the replay knows who wrote them."""
    source = patch.old_path or patch.path
    after = contents.get(patch.path)
    before = trace.get("before")
    if after is None or before is None:
        origins[patch.path] = None
        return []
    lines_before = split_lines(before)
    known = origins.get(source)
    replay = trace.get("replay")
    if known is not None and replay is not None and replay != before and len(known) == len(split_lines(replay)):
        known = _realign(known, split_lines(replay), lines_before)  # the log's snapshot differs a little
    fresh = -1 if trace.get("fresh") else UNKNOWN
    old = known if known is not None and len(known) == len(lines_before) else [fresh] * len(lines_before)
    new: list[int] = []
    took: set[int] = set()
    taken: list[tuple[int, str]] = []
    cursor = 0
    for h in patch.hunks:
        start = h.old_start - 1 if h.old_lines else h.old_start
        if start < cursor or start > len(old):
            origins[patch.path] = None
            return []
        new.extend(old[cursor:start])
        cursor = start
        for x in h.lines:
            tag = x[:1]
            if tag == "+":
                new.append(patch.index)
            elif tag in (" ", "-"):
                if cursor >= len(old):
                    origins[patch.path] = None
                    return []
                if tag == " ":
                    new.append(old[cursor])
                elif old[cursor] != -1:
                    took.add(old[cursor])
                    if old[cursor] >= 0:
                        taken.append((old[cursor], x[1:]))
                cursor += 1
    new.extend(old[cursor:])
    patch.removed_from = None if UNKNOWN in took else {t for t in took if t >= 0}
    if patch.old_path:
        origins[patch.old_path] = []
    origins[patch.path] = new if len(new) == len(split_lines(after)) else None
    return taken


UNKNOWN = -2  # a line whose writer the replay cannot tell (-1: there before the session)


def _realign(origins: list[int], old: list[str], new: list[str]) -> list[int]:
    """Origins carried from one version of a text to a close one: equal lines keep theirs."""
    out = [UNKNOWN] * len(new)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out[j1:j2] = origins[i1:i2]
    return out


def _cap_floors(patches: list[Patch], contents: dict[str, str | None], origins: dict[str, list[int] | None]) -> None:
    """For each patch, how many copies of its lines the session's last text of the file holds that
    another step wrote or that were there before (`others_after`).

    A step that writes a second copy of old lines, while a later step deletes the old copy, leaves
    one copy that is its own: the older copy must not stand in the floor any more.
    Of the patch's lines later steps removed (`taken_back`), those another step wrote again (a
    re-indent, a move within the file, or new code after a commit) go to `written_again`: whether
    the move reached the next commit is for the history to say.
    """
    for patch in patches:
        text, who = contents.get(patch.path), origins.get(patch.path)
        taken, patch.taken_back, patch.written_again = patch.taken_back, None, None
        if text is None or who is None or not patch.added or patch.before_norms is None:
            continue
        seq = norms_of(text)
        if len(seq) != len(who):
            continue
        wanted = {norm(x) for x in patch.added}
        others: dict[str, int] = {}
        for k, by in zip(seq, who):
            if k in wanted and by != patch.index:
                others[k] = others.get(k, 0) + 1
        patch.others_after = {k: others.get(k, 0) for k in wanted}
        if taken:
            removed = Counter(norm(x) for x in patch.removed)
            # copies of a line other steps wrote (beyond those there before the step) may be this
            # patch's line moved or re-indented: that many removals of it are not counted, the latest first
            older = {k: max(patch.before_norms.get(k, 0) - removed[k], 0) for k in wanted}
            spare = {k: max(others.get(k, 0) - older[k], 0) for k in wanted}
            kept_back: list[tuple[str, str | None]] = []
            again: list[tuple[str, str | None]] = []
            for k, when in reversed(taken):
                if spare.get(k, 0) > 0:
                    spare[k] -= 1
                    again.append((k, when))
                elif k in wanted:
                    kept_back.append((k, when))
            patch.taken_back = kept_back[::-1] or None
            patch.written_again = again[::-1] or None


def _current(path: str, contents: dict[str, str | None], base: Callable[[str], str | None] | None, inside: bool) -> str | None:
    if path in contents:
        return contents[path]
    text = base(path) if base is not None and inside else None
    contents[path] = text
    return text


def _place(edit: FileEdit, hunks: list[Hunk], before: str) -> tuple[str, list[Hunk]] | None:
    """The edit applied to `before` (text after, hunks with real numbers); None when it does not fit."""
    if hunks:
        return _apply_hunks(before, hunks)
    assert edit.old_string is not None and edit.new_string is not None
    return _string_edit(before, edit.old_string, edit.new_string, edit.replace_all)


def _already(edit: FileEdit, hunks: list[Hunk], text: str) -> bool:
    """Whether `text` already holds what the edit writes (a version from after it, within the clock slack)."""
    if hunks:
        writing = [h for h in hunks if any(x[:1] == "+" for x in h.lines)]
        lines = split_lines(text)
        return bool(writing) and all(
            _find_block(lines, [x[1:] for x in h.lines if x[:1] in (" ", "+")], 0, None) is not None for h in writing
        )
    new = edit.new_string or ""
    return bool(new.strip()) and new != edit.old_string and new in text


def _edit_patch(
    step: Step,
    edit: FileEdit,
    cwd: str | None,
    root: str | None,
    contents: dict[str, str | None],
    base: Callable[[str], str | None] | None,
    at: Callable[[str, str | None], list[str]] | None = None,
    trace: dict[str, Any] | None = None,
) -> Patch:
    trace = trace if trace is not None else {}
    rel, inside = relative_path(absolute_path(edit.path, cwd), root)
    trace["replay"] = contents.get(rel)
    trace["fresh"] = rel not in contents  # first sight of the file: every line predates the session
    if edit.original is not None:
        contents[rel] = edit.original  # the log's own snapshot of the file beats any replay
    before = _current(rel, contents, base, inside)
    if edit.op == "create" and before is None:
        before = _ABSENT
    after: str | None = None
    hunks: list[Hunk] = []
    exact = True
    partial = False
    # (the file before the step, as far as known) -- what older copies of the patch's lines are counted in
    counted: str | None = before

    # "\ No newline at end of file" markers are not lines; a bare "" is a blank context line. A line
    # keeps no terminator here, as a replayed file's lines keep none: a diff taken from a CRLF file
    # (Codex's patch_apply_end) ends its old lines in "\r", and the lines it wrote back bare are
    # the same lines, context, not the step's.
    given = [
        tidy_hunk(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines, _hunk_lines(h.lines)))
        for h in edit.hunks
    ]
    placeable = bool(given) or (edit.old_string is not None and edit.new_string is not None and edit.old_string != "")
    if placeable:
        hunks = given
        done = None
        shown = trace.get("seen", {}).get(rel)
        if shown is not None and shown != before:
            # A read since the replay last touched the file shows it as it was (a shell command or a
            # formatter may have changed it): that text, when the edit fits it, is the before-state.
            done = _place(edit, given, shown)
            if done is not None:
                before = counted = shown
        if done is None and before is not None:
            done = _place(edit, given, before)
        if done is None and at is not None and inside:
            # The replayed text does not fit (a shell command or a merge changed the file since): try
            # the file as git had it at the step's time.
            older = [text for text in at(rel, step.timestamp) if not _already(edit, given, text)]
            for text in older:
                done = _place(edit, given, text)
                if done is not None:
                    counted = text
                    trace["replay"] = None
                    break
            else:
                # Nothing fits: count older copies in git's text at the step's time (else the stale
                # replay), and say the before-state is a guess.
                counted = older[0] if older else before
        if done is not None:
            after, hunks = done
            trace["before"] = counted
        else:
            partial = counted is not None
            if not given:
                assert edit.old_string is not None and edit.new_string is not None
                hunks = _fragment_hunks(edit.old_string, edit.new_string)
                # Whole-line strings are exact even without the file.
                exact = _whole_lines(edit.old_string) and _whole_lines(edit.new_string)
    elif edit.content is not None and is_notebook(rel) and step.tool == "NotebookEdit":
        # The content is one cell's source, not the file (a notebook is JSON): show the cell as
        # added lines, and stop replaying the file.
        hunks = diff_hunks([], split_lines(edit.content))
        for h in hunks:
            h.old_start = h.new_start = 0
        exact = False
    elif edit.content is not None or edit.new_string is not None:
        after = edit.content if edit.content is not None else (edit.new_string or "")
        prior = before if before is not None else _ABSENT
        hunks = diff_hunks(split_lines(prior), split_lines(after))
        trace["before"] = prior
    elif edit.op == "delete":
        after = _ABSENT
        if before is not None:
            hunks = diff_hunks(split_lines(before), [])
            trace["before"] = before

    added, removed = hunk_lines(hunks)
    target, old_path = rel, None
    if edit.move_to:
        target, _ = relative_path(absolute_path(edit.move_to, cwd), root)
        old_path = rel
        contents[rel] = _ABSENT
    contents[target] = _ABSENT if edit.op == "delete" else after
    # An edit with no visible change still gets its (empty) patch: the step did call an edit tool,
    # and the log may simply not say what changed (a Write of the same text, an empty patch).
    patch = Patch(
        step_id=step.id,
        path=target,
        op=edit.op,
        hunks=hunks,
        added=added,
        removed=removed,
        old_path=old_path,
        timestamp=step.timestamp,
        tool=step.tool,
        exact=exact,
        inside=inside,
        partial=partial,
        copied=step.copied,
    )
    count_before(patch, counted)
    seen = trace.get("seen")
    if seen is not None:
        seen.pop(rel, None)
        seen.pop(target, None)
    return patch


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def _whole_lines(text: str) -> bool:
    return text == "" or text.endswith("\n")


def unified_diff(patch: Patch) -> str:
    """The patch as unified-diff text (for the UI's diff pane and capsules)."""
    old_name = "/dev/null" if patch.op == "create" else "a/" + (patch.old_path or patch.path)
    new_name = "/dev/null" if patch.op == "delete" else "b/" + patch.path
    out = [f"--- {old_name}", f"+++ {new_name}"]
    for h in patch.hunks:
        out.append(f"@@ -{h.old_start},{h.old_lines} +{h.new_start},{h.new_lines} @@")
        out.extend(h.lines)
    return "\n".join(out) + "\n"
