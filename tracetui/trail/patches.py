"""Patches: what each step changed, one file at a time, as line-level hunks.

More in docs/internals/trail.md, `trail/patches.py`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from tracetui.model import FileEdit, Hunk, Session, Step, StepKind
from tracetui.trail.bare import carries_nothing
from tracetui.trail.copies import agent_copy
from tracetui.trail.hunks import (
    _apply_hunks,
    _find_block,
    _fragment_hunks,
    _hunk_lines,
    _string_edit,
    diff_hunks,
    hunk_lines,
    line_opcodes,
    session_diff_budget,
    split_lines,
    tidy_hunk,
)
from tracetui.trail.line_identity import _writes_back, count_before, norm, norms_of
from tracetui.trail.patch import Patch
from tracetui.trail.paths import absolute_path, paths_resolved_once, relative_path
from tracetui.trail.shell import command_text, home_of, ShellRenames
from tracetui.trail.shell_patches import SHELL
from tracetui.trail.shell_replay import note_writes, take_overwritten, typed_again
from tracetui.trail.shell_writes import may_write


# -- session -> patches --------------------------------------------------------------------------

_ABSENT = ""  # a file that does not exist replays as empty text


def session_patches(
    session: Session,
    root: str | None = None,
    base: Callable[[str], str | None] | None = None,
    at: Callable[[str, str | None], list[str]] | None = None,
    counts: bool = True,
) -> list[Patch]:
    """The patches of a session's edit tool calls, in step order.

    `root` is the directory paths are made relative to (the repository's work tree); by default the
    session's cwd. `base(path)` may return a file's content before the session (e.g. from git) so
    string edits can be placed; edits that carry their own `original` need no help. `at(path,
    timestamp)` may return the file's texts in git at a step's time (newest first): they are tried
    when the replayed text does not fit an edit (it went stale). Every applied edit gives one patch
    (possibly with no hunks, when the log does not show a change); failed edits (`applied=False`)
    changed nothing and give none. `counts` False: no patch counts its lines in the file before it
    (`before_counts`, `before_norms`, `before_splits`: the trail's floors, nearly half a replay's
    time), nor what the session's last text and later steps did to its lines (`others_after`,
    `taken_back`, `written_again`); the patches are otherwise the same (blame's line index needs
    only their lines).
    """
    # One budget of diff work for the whole session (`SESSION_DIFF_WORK`): a log is untrusted input.
    with paths_resolved_once(), session_diff_budget():
        return _session_patches(session, root, base, at, counts=counts)


class _Unfiltered(Exception):
    """A rename carries a text into or out of a file replayed alone (`file_patches`)."""


def file_patches(
    session: Session,
    paths: frozenset[str],
    root: str | None = None,
    base: Callable[[str], str | None] | None = None,
    at: Callable[[str, str | None], list[str]] | None = None,
) -> tuple[list[Patch], set[int]] | None:
    """`session_patches` with only the edits of `paths` (relative to `root`) replayed: each other edit
    gives a stub in its place (its step, file and time, no hunks), whose places come with the list.
    A file's replay reads no other file's text but one renamed into it: where a rename touches
    `paths`, None (the whole session is to be replayed)."""
    with paths_resolved_once(), session_diff_budget():
        try:
            patches = _session_patches(session, root, base, at, paths)
        except _Unfiltered:
            return None
    return patches, {p.index for p in patches if p.path not in paths}


def _session_patches(
    session: Session,
    root: str | None,
    base: Callable[[str], str | None] | None,
    at: Callable[[str, str | None], list[str]] | None,
    only: frozenset[str] | None = None,
    counts: bool = True,
) -> list[Patch]:
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
    # Files a shell command wrote since the replay last touched them: (the command's step, its time,
    # whether it replaced the whole text); and the shell calls that may write, waiting for their result.
    written: dict[str, tuple[str, str | None, bool]] = {}
    writing: dict[str, Step] = {}
    replay = _Replay(root, base, at, counts, only, contents, origins, patches, seen, gone, shell, written)
    for step in session.steps:
        if step.kind == StepKind.TOOL_CALL and not step.edits and _may_write(step):
            if step.tool_call_id:
                writing[step.tool_call_id] = step
            else:
                _shell_edits(step, note_writes(step, session, root, written, seen), replay)
        elif step.kind == StepKind.TOOL_RESULT and step.tool_call_id in writing:
            call = writing.pop(step.tool_call_id or "")
            if not step.is_error:
                _shell_edits(call, note_writes(call, session, root, written, seen), replay)
        if step.kind == StepKind.TOOL_CALL and not step.edits and _moves_files(step):
            if step.tool_call_id:
                moves[step.tool_call_id] = (step, len(patches))
            else:  # a call whose result the log does not keep apart (a user's own shell command)
                _follow_renames(step, session, root, patches, contents, origins, seen, shell, only)
            continue
        if step.kind == StepKind.TOOL_RESULT and step.tool_call_id in moves:
            call, _ = moves.pop(step.tool_call_id or "")
            if not step.is_error:  # a failed command moved nothing (as far as the log says)
                _follow_renames(call, session, root, patches, contents, origins, seen, shell, only)
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
        for edit in step.edits:
            if edit.applied:
                _apply(step, edit, step.cwd or session.cwd, replay)
    for call, before in moves.values():
        # No result logged (the log ends, or its reader keeps none): the files are taken as renamed
        # for the patches before the call; the replay has gone on without it.
        _follow_renames(call, session, root, patches[:before], {}, {}, {}, shell, only)
    # A file the session deleted in the end leaves no text to tell which removed lines other steps
    # wrote again (an agent recovering a file it deleted by mistake, then splitting it into modules):
    # as for a file whose replay was lost, its removals are not weighed.
    _cap_floors(patches, {**contents, **dict.fromkeys(gone)}, origins)
    return patches


@dataclass(slots=True)
class _Replay:
    """What one `_session_patches` call keeps as it replays the session's edits (its locals say what)."""

    root: str | None
    base: Callable[[str], str | None] | None
    at: Callable[[str, str | None], list[str]] | None
    counts: bool
    only: frozenset[str] | None
    contents: dict[str, str | None]
    origins: dict[str, list[int] | None]
    patches: list[Patch]
    seen: dict[str, str]
    gone: dict[str, Patch]
    shell: ShellRenames
    written: dict[str, tuple[str, str | None, bool]]


def _apply(step: Step, edit: FileEdit, cwd: str | None, r: _Replay, shell: bool = False) -> Patch:
    """Replay one applied edit: its patch (or its stub, `file_patches`), appended to `r.patches`. A
    shell step's whole write (`shell`) names itself `overwritten_by` of the earlier patches whose lines
    it dropped; the lines are taken back as any step's removal (`_cap_floors` weighs writing again)."""
    stub = _stub(step, edit, cwd, r.root, r.only) if r.only is not None else None
    if stub is not None:
        r.shell.forget(absolute_path(edit.path, cwd))
        stub.index = len(r.patches)
        r.patches.append(stub)
        return stub
    trace: dict[str, Any] = {"seen": r.seen, "written": r.written, "counts": r.counts}
    overwrote = r.origins.get(relative_path(absolute_path(edit.path, cwd), r.root)[0])
    patch = _edit_patch(step, edit, cwd, r.root, r.contents, r.base, r.at, trace)
    r.shell.forget(absolute_path(edit.path, cwd))
    patch.index = len(r.patches)
    take_overwritten(patch, trace, overwrote, r.patches)
    r.patches.append(patch)
    if patch.op == "delete":
        r.gone[patch.path] = patch
    elif patch.path in r.gone:
        deleted = r.gone.pop(patch.path)
        if _writes_back(deleted, patch):
            deleted.undone_by = (patch.step_id, patch.timestamp)
    rewritten_here = {norm(x) for x in patch.added}
    for index, line in _carry_origins(patch, trace, r.contents, r.origins):
        key = norm(line)
        if key not in rewritten_here:  # a line the step writes again (moved, re-indented) stays
            earlier = r.patches[index]
            earlier.taken_back = (earlier.taken_back or []) + [(key, patch.timestamp)]
            if shell:
                earlier.overwritten_by = step.id
    return patch


def _shell_edits(call: Step, texts: list[tuple[str, str]], r: _Replay) -> None:
    """A shell step's whole writes whose text its words hold (`cat > f <<'EOF'`, `tee`, `printf >`),
    replayed as that step's `write` edits: the step owns what it wrote (origin SHELL). Why, and the
    forms left unowned: docs/internals/trail.md, "Shell writes"."""
    for path, text in texts:
        patch = _apply(call, FileEdit(path=path, op="write", content=text), None, r, shell=True)
        patch.origin = SHELL


_V = TypeVar("_V")


def _stub(step: Step, edit: FileEdit, cwd: str | None, root: str | None, only: frozenset[str]) -> Patch | None:
    """The stub of an edit of a file not in `only` (`file_patches`); None for one of those files."""
    rel, inside = relative_path(absolute_path(edit.path, cwd), root)
    target = relative_path(absolute_path(edit.move_to, cwd), root)[0] if edit.move_to else rel
    if rel in only or target in only:
        if target != rel:
            raise _Unfiltered
        return None
    return Patch(step_id=step.id, path=target, op=edit.op, hunks=[], added=[], removed=[],
                 timestamp=step.timestamp, tool=step.tool, inside=inside, copied=step.copied)  # fmt: skip


def _touches(only: frozenset[str] | None, *paths: str) -> bool:
    """Whether a rename of these paths (files or folders) moves one of the files in `only`."""
    return only is not None and any(k == p or k.startswith(p.rstrip("/") + "/") or p.startswith(k + "/")
                                    for k in only for p in paths)  # fmt: skip


def _may_write(call: Step) -> bool:
    text = command_text(call.tool_input)
    return text is not None and may_write(text)


def _typed(patches: list[Patch], by: int) -> bool:
    """Whether the patch at `by` (an origin: -1 for a line from before) is a shell step's whole write."""
    return 0 <= by < len(patches) and patches[by].origin == SHELL


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
    only: frozenset[str] | None = None,
) -> None:
    """Carry the files a shell command renamed to their new names: the replayed text (and which patch
    wrote each line) goes with the file, and each earlier patch of it learns its new name. Raises
    `_Unfiltered` where one of the files `only` replays is renamed (`file_patches`)."""
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
        if _touches(only, old, new):
            raise _Unfiltered

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
    for tag, i1, i2, j1, j2 in line_opcodes(old, new):
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
    # Per file, once: each line's norm in its last text, counted by the step that wrote it (a file
    # a session edited a hundred times was counted a hundred times).
    writers: dict[str, dict[str, Counter] | None] = {}
    finals: dict[str, set[str]] = {}  # per file, the norms of its last text
    for patch in patches:
        text, who = contents.get(patch.path), origins.get(patch.path)
        taken, patch.taken_back, patch.written_again = patch.taken_back, None, None
        if patch.overwritten_by is not None and not patch.overwritten and taken and text is not None:
            # A shell write that took this patch's lines (`_apply`) is named only where one of them
            # is gone from the session's last text (not where a later write typed them all back).
            if patch.path not in finals:
                finals[patch.path] = set(norms_of(text))
            if all(k in finals[patch.path] for k, _ in taken):
                patch.overwritten_by = None
        if text is None or who is None or not patch.added or patch.before_norms is None:
            continue
        if patch.path not in writers:
            seq = norms_of(text)
            by_norm: dict[str, Counter] = {}
            for k, by in zip(seq, who):
                by_norm.setdefault(k, Counter())[by] += 1
            writers[patch.path] = by_norm if len(seq) == len(who) else None
        by_norm_now = writers[patch.path]
        if by_norm_now is None:
            continue
        wanted = {norm(x) for x in patch.added}
        others: dict[str, int] = {}
        typed: dict[str, int] = {}  # of those, the copies a shell step's whole write typed anew
        for k in wanted:
            found = by_norm_now.get(k)
            n = found.total() - found[patch.index] if found is not None else 0
            if n and found is not None:
                others[k] = n
                typed[k] = sum(int(c) for by, c in found.items() if _typed(patches, by))
        patch.others_after = {k: others.get(k, 0) for k in wanted}
        if taken:
            if not typed_again(patch, taken, typed):
                # A shell step's whole write typed its copies anew (`return null;` in another function),
                # unless it typed the patch's removed lines back as a block: then they may be the patch's.
                others = {k: n - typed.get(k, 0) for k, n in others.items()}
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
    _start(rel, edit, contents, trace)
    before = _current(rel, contents, base, inside)
    if edit.op == "create" and before is None:
        before = _ABSENT
    given = _given_hunks(edit)
    strings = edit.old_string is not None and edit.new_string is not None and edit.old_string != ""
    placeable = bool(given) or strings
    if placeable:
        git_texts = partial(at, rel, step.timestamp) if at is not None and inside else None
        change = _placed_change(edit, given, rel, before, git_texts, trace)
    else:
        change = _written_change(step, edit, rel, before, trace)

    added, removed = hunk_lines(change.hunks)
    target, old_path = rel, None
    if edit.move_to:
        target, _ = relative_path(absolute_path(edit.move_to, cwd), root)
        old_path = rel
        contents[rel] = _ABSENT
    contents[target] = _ABSENT if edit.op == "delete" else change.after
    # An edit with no visible change still gets its (empty) patch: the step did call an edit tool,
    # and the log may simply not say what changed (a Write of the same text, an empty patch).
    patch = Patch(
        step_id=step.id,
        path=target,
        op=edit.op,
        hunks=change.hunks,
        added=added,
        removed=removed,
        old_path=old_path,
        timestamp=step.timestamp,
        tool=step.tool,
        exact=change.exact,
        inside=inside,
        partial=change.partial,
        copied=step.copied,
        before_from=trace.get("before_from"),
    )
    if trace.get("counts", True):
        count_before(patch, change.counted)
    seen = trace.get("seen")
    if seen is not None:
        seen.pop(rel, None)
        seen.pop(target, None)
    return patch


@dataclass
class _Change:
    """What an edit did to its file, as far as the replay tells."""

    after: str | None  # the file's text after the step; None: unknown
    hunks: list[Hunk]
    # The file before the step, as far as known: what older copies of the patch's lines are counted in.
    counted: str | None
    exact: bool = True  # False where the hunks' first and last lines may be fragments of lines
    partial: bool = False  # True where the before-state is a guess


def _given_hunks(edit: FileEdit) -> list[Hunk]:
    """The edit's own hunks, tidied."""
    # "\ No newline at end of file" markers are not lines; a bare "" is a blank context line. A line
    # keeps no terminator here, as a replayed file's lines keep none: a diff taken from a CRLF file
    # (Codex's patch_apply_end) ends its old lines in "\r", and the lines it wrote back bare are
    # the same lines, context, not the step's.
    return [
        tidy_hunk(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines, _hunk_lines(h.lines)))
        for h in edit.hunks
    ]


def _placed_change(
    edit: FileEdit,
    given: list[Hunk],
    rel: str,
    before: str | None,
    git_texts: Callable[[], list[str]] | None,
    trace: dict[str, Any],
) -> _Change:
    """The change of an edit that must be placed in the file (hunks, or a string to replace).

    `git_texts()` gives the file's texts in git at the step's time, newest first (None: none to try).
    """
    counted, done = _fitted(edit, given, rel, before, git_texts, trace)
    after: str | None = None
    hunks = given
    exact = True
    guessed = False
    if done is not None:
        after, hunks = done
        trace["before"] = counted
    elif "before_from" not in trace:  # (the patch's own lines are no partial before-state)
        guessed = counted is not None
        if not given:
            assert edit.old_string is not None and edit.new_string is not None
            hunks = _fragment_hunks(edit.old_string, edit.new_string)
            # Whole-line strings are exact even without the file.
            exact = _whole_lines(edit.old_string) and _whole_lines(edit.new_string)
    return _Change(after, hunks, counted, exact, guessed)


def _fitted(
    edit: FileEdit,
    given: list[Hunk],
    rel: str,
    before: str | None,
    git_texts: Callable[[], list[str]] | None,
    trace: dict[str, Any],
) -> tuple[str | None, tuple[str, list[Hunk]] | None]:
    """(the text older copies are counted in, the edit placed in the first text it fits, or None)."""
    counted = before
    done = None
    shown = trace.get("seen", {}).get(rel)
    if shown is not None and shown != before:
        # A read since the replay last touched the file shows it as it was (a shell command or a
        # formatter may have changed it): that text, when the edit fits it, is the before-state.
        done = _place(edit, given, shown)
        if done is not None:
            before = counted = trace["shown"] = shown
    if done is None and before is not None:
        done = _place(edit, given, before)
    if done is None and git_texts is not None:
        # The replayed text does not fit (a shell command or a merge changed the file since): try
        # the file as git had it at the step's time.
        older = [text for text in git_texts() if not _already(edit, given, text)]
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
    if done is None:
        counted, done = _own_lines(edit, given, counted, trace)
    return counted, done


def _written_change(
    step: Step, edit: FileEdit, rel: str, before: str | None, trace: dict[str, Any]
) -> _Change:
    """The change of an edit that gives the file's whole text (a write, a notebook cell), or deletes it."""
    after: str | None = None
    hunks: list[Hunk] = []
    exact = True
    if edit.content is not None and is_notebook(rel) and step.tool == "NotebookEdit":
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
    return _Change(after, hunks, before, exact)


def _start(rel: str, edit: FileEdit, contents: dict[str, str | None], trace: dict[str, Any]) -> None:
    """What the replay knows of the file before an edit, into `trace`; the log's own snapshot of the
    file (`original`) beats any replay."""
    trace["replay"] = contents.get(rel)
    trace["fresh"] = rel not in contents  # first sight of the file: every line predates the session
    # A shell command that wrote the file since the replay last touched it (its step, time, whole?).
    trace["shell"] = trace.get("written", {}).pop(rel, None)
    if edit.original is not None:
        contents[rel] = trace["shown"] = edit.original


def _own_lines(
    edit: FileEdit, given: list[Hunk], counted: str | None, trace: dict[str, Any]
) -> tuple[str | None, tuple[str, list[Hunk]] | None]:
    """(before-state, the edit placed) where nothing the replay knows fits an edit.

    Where what the patch removed is mostly not in the text the replay held (a shell command rewrote
    the file), the patch's own removed and context lines are what was there, the only truth at hand
    (`before_from`). After a whole rewrite they are taken as the file; else what follows is unknown.
    """
    own = _old_side(given)
    if own is None or not _disagrees(own, counted):
        return counted, None
    trace["shown"] = own
    trace["before_from"] = "removed lines"
    shell = trace.get("shell")
    return own, _place(edit, given, own) if shell is not None and shell[2] else None


def _old_side(hunks: list[Hunk]) -> str | None:
    """The text a patch's hunks say the file held where they apply (context and removed lines, in
    order); None where they say nothing (a pure addition with no context)."""
    lines = [x[1:] for h in hunks for x in h.lines if x[:1] in (" ", "-")]
    return "".join(x + "\n" for x in lines) if lines else None


def _disagrees(own: str, model: str | None) -> bool:
    """Whether the replay's text lacks most of what a patch says the file held: more than half of its
    lines that carry something (not blank, not bare punctuation) are not there."""
    wanted = [k for k in norms_of(own) if k and not carries_nothing(k)]
    if not wanted:
        return False
    if model is None:
        return True
    have = Counter(norms_of(model))
    missing = 0
    for k in wanted:
        if have[k] > 0:
            have[k] -= 1
        else:
            missing += 1
    return 2 * missing > len(wanted)


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
