"""What a session's outcome reads of its clone besides the session: the clone's refs and HEAD, its
index, and the work-tree files the session's patches touched. While the witness stays the same, the
trail judges the session the same (an export then need not judge it again: export/keys.py).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson
import pygit2

from tracetui.regular_file import stat_inside
from tracetui.trail.fates import Fate
from tracetui.trail.mapping import judging_clone


@dataclass(frozen=True, slots=True)
class CloneState:
    """A clone's refs, HEAD and index as read at one moment (no clone: `workdir` and `digest` None)."""

    workdir: str | None
    digest: str | None
    newest: int = 0  # the index file's mtime (ns): a change this recent may not be over yet


def clone_state(cwd: str | None, repo: str | Path | None) -> CloneState:
    """The state of the clone a session is judged in (`judging_clone`)."""
    clone = judging_clone(cwd, repo)
    if clone is None:
        return CloneState(None, None)
    parts: list[object] = [clone.path]
    # Every reference, snapshots and the stash included (patches are read from some), by target.
    for name in sorted(clone.references):
        try:
            parts.append((name, str(clone.references[name].target)))
        except (pygit2.GitError, KeyError, ValueError, pygit2.InvalidSpecError):
            parts.append((name, None))
    try:
        unborn = clone.head_is_unborn
        parts.append(("HEAD", str(clone.references["HEAD"].target), None if unborn else str(clone.head.target)))
    except (pygit2.GitError, KeyError, ValueError):
        parts.append(("HEAD", None))
    index = _stat(os.path.join(clone.path, "index"))
    parts.append(index)
    digest = hashlib.sha256(orjson.dumps(parts)).hexdigest()
    return CloneState(clone.workdir, digest, index[1] if index else 0)


def touched_paths(fates: Iterable[Fate]) -> list[str]:
    """The work-tree names (relative to the clone's top) whose contents the judging of `fates` read."""
    names: set[str] = set()
    for fate in fates:
        p = fate.patch
        if p.inside:
            names.update(n for n in (p.path, p.old_path, p.renamed_to, fate.path_now) if n)
    return sorted(names)


def files_state(state: CloneState, touched: Iterable[str]) -> tuple[str, int]:
    """A digest of the touched work-tree files' sizes and times, and the newest of those times (ns)."""
    stats = []
    if state.workdir:
        # A link out of the work tree stamps as no file, as the trail reads it (`stat_inside`).
        real = os.path.realpath(state.workdir)
        stats = [(name, _stamp(stat_inside(state.workdir, name, real))) for name in sorted(set(touched))]
    newest = max((s[1] for _, s in stats if s is not None), default=0)
    return hashlib.sha256(orjson.dumps(stats)).hexdigest(), max(newest, state.newest)


def _stat(path: str) -> tuple[int, int] | None:
    try:
        return _stamp(os.stat(path))
    except (OSError, ValueError):
        return None


def _stamp(st: os.stat_result | None) -> tuple[int, int] | None:
    return None if st is None else (st.st_size, st.st_mtime_ns)


# A file changed this close to a run's start may still be changing (a commit, an agent's write): what
# was judged from it is not kept, and the next run judges it again.
SETTLING_NS = 2_000_000_000


class Witnesses:
    """What a memo of one run over many sessions (an export, an evaluation) keys each session's
    outcome by: the session's content key in the bucket's index (`content_keys`, read at once for the
    sessions the run chose) and the witness of its judging, each clone's state read once."""

    def __init__(self, repo: str | Path | None, content_keys: Callable[[list[str]], dict[str, str]]) -> None:
        self.repo = repo
        self.started = time.time_ns()
        self._states: dict[str | None, CloneState] = {}
        self._content_keys = content_keys
        self.content: dict[str, str] = {}  # session id -> its content key, for the sessions chosen

    def start(self, ids: list[str]) -> None:
        """Read the content keys of the sessions this run chose, at once."""
        self.content = self._content_keys(ids)

    def state(self, cwd: str | None) -> CloneState:
        """The state of the clone a session of `cwd` is judged in, as this run first read it."""
        state = self._states.get(cwd)
        if state is None:
            state = self._states[cwd] = clone_state(cwd, self.repo)
        return state

    def witness(self, cwd: str | None, touched: Iterable[str]) -> str:
        """The clone's state and the touched files' as this run reads them."""
        state = self.state(cwd)
        files, _ = files_state(state, touched)
        return f"{state.digest}:{files}"

    def settled(self, session_id: str, cwd: str | None, fates: Iterable[Fate]) -> tuple[str, list[str]] | None:
        """After a session was judged: its witness and the files it read, or None where the session
        has no content key, the clone moved while it was judged, or a file it read changed too
        recently to be sure it is done changing."""
        return self.settled_paths(session_id, cwd, touched_paths(fates))

    def settled_paths(
        self, session_id: str, cwd: str | None, touched: list[str]
    ) -> tuple[str, list[str]] | None:
        """`settled` from the files the judging read (`touched_paths`), as a worker process sends them."""
        if session_id not in self.content:
            return None
        now = clone_state(cwd, self.repo)
        if now != self.state(cwd):
            return None
        _, newest = files_state(now, touched)
        if newest > self.started - SETTLING_NS:
            return None
        return self.witness(cwd, touched), touched
