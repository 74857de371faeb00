"""Whether a log's logged text is in a clone's files: the evidence a clone named as the agent's
folder must give besides holding files of the same names (any clone has a README.md).

A log keeps the text its edits saw and wrote (an Edit's old and new strings, a Write's content,
a patch's context and changed lines). Lines long enough to be a project's own (LINE_MIN) are looked
for in the clone's version of the same file: at the commit the log names, at HEAD and a few branch
tips, and in the work tree. More in docs/internals/trail.md (`trail/content_evidence.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

from tracetui.model import FileEdit, Session, StepKind
from tracetui.trail.boilerplate import own_line, taken_file
from tracetui.trail.paths import absolute_path, relative_path

LINE_MIN = 20  # characters (spaces aside at its ends) of a line that is evidence; shorter ones recur
LINES_ASKED = 2_000  # logged lines looked for at most, over all files: a bound on a hostile log
BLOB_MAX = 4_000_000  # bytes of a file version read at most
# How many of the logged lines the clone must hold (all, when fewer were logged). On the corpus, a
# session's own mirror held 19% to 99% of its lines; another project's clone, holding files of the
# same names, 0% to 4.6% (6 of 166 lines), or 1 line of 7.
LINES_AGREEING = 2
SHARE_AGREEING = 0.10
HISTORY_LOOKED_AT = 2_000  # commits (newest first, on any ref) whose versions of the files are read
# Bounds on the history's read for a log whose lines are nowhere (a stranger's, or a hostile one naming
# a clone's most changed files): on pi-mono's mirror, 10 such files cost 2.9 s CPU (209 MB of versions
# decoded) and 2,000 of them 8 s. The versions' bytes read, newest first, and the (commit, file)
# lookups: 2,000 commits for up to 100 files, fewer commits for more files.
HISTORY_BYTES = 32 << 20
HISTORY_LOOKUPS = 200_000


def logged_lines(session: Session) -> dict[str, list[str]]:
    """Per edited file (absolute, as logged), the distinct long lines of its own its edits logged, in
    order. A file whose long lines are all taken text (`boilerplate`: a licence's, a lockfile's, a
    shebang) is there with none: the log kept text, none of it the project's."""
    out: dict[str, dict[str, None]] = {}
    asked = 0
    for path, edit in _edits(session):
        texts = [edit.old_string, edit.new_string, edit.content, edit.original]
        texts.extend(line[1:] for hunk in edit.hunks for line in hunk.lines)
        if taken_file(path):
            if any(True for _ in _long_lines(texts)):
                out.setdefault(path, {})  # text kept, none of it the project's own
            continue
        lines = out.setdefault(path, {})
        for line in _long_lines(texts):
            if asked >= LINES_ASKED:
                return _own(out)
            if line not in lines:
                lines[line] = None
                asked += 1  # lines looked at, its own or not: a bound on a hostile log
    return _own(out)


WRITTEN_AGREEING = 0.5  # of the lines a session wrote, the share a clone taken by a stem of its name holds


def written_lines(session: Session) -> dict[str, list[str]]:
    """Per edited file (absolute, as logged), the distinct long lines of its own its edits wrote: in
    the new text and not in the old. A fork's or a copy's session wrote lines its upstream lacks."""
    out: dict[str, dict[str, None]] = {}
    asked = 0
    for path, edit in _edits(session):
        if taken_file(path):
            continue
        old = set(_long_lines([edit.old_string, edit.original]))
        lines = out.setdefault(path, {})
        for line in _long_lines([edit.new_string, edit.content]):
            if asked >= LINES_ASKED:
                return _own(out)
            if line not in old and line not in lines:
                lines[line] = None
                asked += 1
    return _own(out)


def _edits(session: Session) -> Iterator[tuple[str, FileEdit]]:
    """Each edit a tool call logged, with its file's absolute path as logged."""
    for step in session.steps:
        if step.kind != StepKind.TOOL_CALL or not step.edits:
            continue
        cwd = step.cwd or session.cwd
        for edit in step.edits:
            yield absolute_path(edit.path, cwd), edit


def _own(out: dict[str, dict[str, None]]) -> dict[str, list[str]]:
    """Of each file that kept a long line, the lines of its own."""
    return {p: [x for x in ls if own_line(x, p)] for p, ls in out.items() if ls or taken_file(p)}


def _long_lines(texts: Iterable[str | None]) -> Iterator[str]:
    for text in texts:
        if not text:
            continue
        for line in text.split("\n"):
            line = line.strip()
            if len(line) >= LINE_MIN:
                yield line


def text_agrees(
    lines: dict[str, list[str]],
    root: str,
    versions: Callable[[str], Iterable[bytes]],
    history: Callable[[list[str]], Iterable[tuple[str, bytes]]],
    share: float = SHARE_AGREEING,
) -> bool:
    """Whether the clone holds enough of the logged lines of files under the logged `root`:
    LINES_AGREEING at least, and SHARE_AGREEING of them (lines of files the session made and nobody
    committed count too: a log of files the clone never had is another project's). `versions(rel)` gives the
    clone's texts of a file now; `history(rels)` (rel, text) pairs of its past, asked only when the
    texts now fall short (a line the session wrote and that was reverted since). True when the log
    kept no long line there (its paths matched, and they are all there is); False when all it kept
    there is taken text (`boilerplate`), which a stranger's clone of the same name holds too."""
    missing: dict[str, set[str]] = {}
    for path, wanted in lines.items():
        rel, inside = relative_path(path, root)
        if inside and rel != ".":
            missing.setdefault(rel, set()).update(wanted)
    asked = sum(map(len, missing.values()))
    if missing and not asked:
        return False  # the text kept under the root is all taken text: nothing of the project's own
    need = _need(asked, share)
    found = 0
    for rel, left in missing.items():
        if found >= need:
            return True
        for data in versions(rel):
            found += _take(left, data)
    if found >= need:
        return True
    for rel, data in history([rel for rel, left in missing.items() if left]):
        found += _take(missing[rel], data)
        if found >= need:
            return True
    return False


def _need(asked: int, share: float = SHARE_AGREEING) -> int:
    return max(min(asked, LINES_AGREEING), math.ceil(asked * share))


def _take(wanted: set[str], data: bytes) -> int:
    """How many of the wanted lines the text holds; they are taken out of `wanted`."""
    if not wanted or len(data) > BLOB_MAX:
        return 0
    held = wanted.intersection(x.strip() for x in data.decode("utf-8", "replace").split("\n"))
    wanted -= held
    return len(held)
