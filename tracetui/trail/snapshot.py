"""Snapshots: the working tree recorded after an agent's edit, outside every branch.

`tracetui snapshot` (run from an agent hook) stores the work tree as a git tree built straight
from the files on disk (the index is never read or written, nothing is checked out, no branch
moves) and points `refs/tracetui/<session>/<n>` at that tree object. A tree has no time and no
message, so what the ref cannot say (when, after which tool call) is appended to one small file in
the git directory, `tracetui-snapshots.jsonl`; without it snapshots still work, only unpaired. The
trail's history walk skips this namespace (and trees are not commits), so a snapshot never counts
as a commit someone made.

Where two consecutive snapshots of a session bracket a tool call, the trail takes that step's
diff from them (the exact change on disk, even where the log gave only strings).
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pygit2
from pygit2.enums import DeltaStatus, FileMode

from tracetui.errors import NotFound, TracetuiError
from tracetui.regular_file import discover_git_dir, keep_cache, read_regular
from tracetui.model import Session
from tracetui.trail.history import SNAPSHOT_NAMESPACE
from tracetui.trail.hunks import diff_hunks, hunk_lines, split_lines
from tracetui.trail.line_identity import count_before
from tracetui.trail.patch import Patch

_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")
META_FILE = "tracetui-snapshots.jsonl"
STAT_FILE = "tracetui-snapshot-stat.json"
# The most of our own files in the git directory read: a repository is anyone's (a tarball), and a
# FIFO or a link to /dev/zero planted there blocked every hook for ever or took the memory.
META_MOST = 64 << 20  # some 300,000 snapshots' lines
STAT_MOST = 256 << 20  # a work tree of some two million files


@dataclass(slots=True)
class Snapshot:
    ref: str
    number: int
    tree: str
    time: int  # epoch seconds; 0 when the metadata file does not know this snapshot
    session: str
    tool_use_id: str | None
    tool: str | None


def session_ref_prefix(session_id: str) -> str:
    # Ref names cannot hold every character an id might; keep ids readable and safe.
    clean = _SAFE_ID.sub("_", session_id).strip("._") or "session"
    return f"{SNAPSHOT_NAMESPACE}{clean}/"


def take_snapshot(
    repo_path: str | Path,
    session_id: str,
    tool_use_id: str | None = None,
    tool: str | None = None,
    now: int | None = None,
) -> Snapshot:
    """Record the work tree of the repository at (or above) `repo_path` as the session's next snapshot."""
    found = discover_git_dir(repo_path)  # a FIFO among its files blocked the open for ever
    if found is None:
        raise NotFound(f"no git repository at {repo_path}")
    repo = pygit2.Repository(found)
    if repo.workdir is None:
        raise TracetuiError(f"the repository at {repo_path} has no working tree to snapshot")
    stat_cache = _StatCache.load(repo)
    tree = _tree_from_disk(repo, repo.workdir.rstrip("/"), "", stat_cache)
    stat_cache.save()
    prefix = session_ref_prefix(session_id)
    when = int(now if now is not None else time.time())
    # Two hooks may fire at once (parallel tool calls): whoever loses the race takes the next number.
    for _ in range(20):
        number = 1 + max((s.number for s in snapshots(repo, session_id)), default=0)
        ref = f"{prefix}{number}"
        try:
            repo.references.create(ref, tree)
        except (pygit2.AlreadyExistsError, ValueError):
            continue
        snap = Snapshot(ref, number, str(tree), when, session_id, tool_use_id, tool)
        _append_meta(repo, snap)
        return snap
    raise TracetuiError(f"could not record a snapshot under {prefix}: too many at once")


def _append_meta(repo: pygit2.Repository, snap: Snapshot) -> None:
    line = orjson.dumps({"ref": snap.ref, "tree": snap.tree, "time": snap.time, "session": snap.session,
                         "tool_use_id": snap.tool_use_id, "tool": snap.tool})  # fmt: skip
    # One short append per snapshot (O_APPEND keeps concurrent hooks' lines whole), to a regular file
    # only: never through a link planted in its place (to a shell's startup file), nor to a FIFO.
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(os.path.join(repo.path, META_FILE), flags | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.write(fd, line + b"\n")
        finally:
            os.close(fd)
    except OSError:
        pass  # the times are a help, not the snapshot: without them it is taken, only unpaired


def _read_meta(repo: pygit2.Repository) -> dict[tuple[str, str], dict]:
    """Metadata by (ref, tree); a ref re-used after a deletion is told apart by its tree."""
    out: dict[tuple[str, str], dict] = {}
    try:
        data = read_regular(Path(repo.path, META_FILE), META_MOST)
    except (OSError, TracetuiError):  # none, a FIFO, a device or too large: no times
        return out
    for raw in data.splitlines():
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("ref"), str) and isinstance(doc.get("tree"), str):
            out[(doc["ref"], doc["tree"])] = doc
    return out


class _StatCache:
    """Blob ids of work-tree files by their stat, so a snapshot re-reads only files that changed.

    Kept in the git directory (never in the index). A file modified within two seconds of the
    cache being written is hashed again: its stat could hide a second change in the same tick.
    """

    RACY_NS = 2_000_000_000

    def __init__(self, path: str, old: dict[str, list], written_ns: int) -> None:
        self.path = path
        self.old = old
        self.written_ns = written_ns
        self.new: dict[str, list] = {}

    @classmethod
    def load(cls, repo: pygit2.Repository) -> _StatCache:
        path = os.path.join(repo.path, STAT_FILE)
        try:
            doc = orjson.loads(read_regular(path, STAT_MOST))
            return cls(path, dict(doc["files"]), int(doc["written_ns"]))
        except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError, TracetuiError):
            return cls(path, {}, 0)

    def blob(self, repo: pygit2.Repository, rel: str, full: str, st: os.stat_result) -> pygit2.Oid:
        key = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode]
        known = self.old.get(rel)
        if isinstance(known, list) and known[:4] == key and st.st_mtime_ns < self.written_ns - self.RACY_NS:
            try:
                oid = pygit2.Oid(hex=known[4])
            except (IndexError, TypeError, ValueError):  # a cache someone else wrote: read the file
                oid = None
            if oid is not None and oid in repo:
                self.new[rel] = known
                return oid
        oid = repo.create_blob_fromdisk(full)
        self.new[rel] = [*key, str(oid)]
        return oid

    def save(self) -> None:
        # Through a fresh temporary file (never through a link planted under a name one could guess);
        # where it cannot be written the next snapshot just reads every file again.
        keep_cache(self.path, orjson.dumps({"written_ns": time.time_ns(), "files": self.new}))


# Folders nested deeper are left out of a snapshot, as a capsule's patch to a path of more parts is
# refused (capsule/apply.py's MAX_PATH_PARTS). A work tree is anyone's (a clone, a tarball): 1,100
# nested folders stopped the hook with a RecursionError, and 2,000 (a 4 KB path) cost libgit2's
# ignore rules a minute a snapshot, each folder's look-up reading every folder above it.
MAX_DEPTH = 128


def _tree_from_disk(repo: pygit2.Repository, top: str, rel: str, cache: _StatCache) -> pygit2.Oid:
    builder = repo.TreeBuilder()
    folder = os.path.join(top, rel) if rel else top
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            name = entry.name
            if name == ".git":
                continue
            path = f"{rel}/{name}" if rel else name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                if path.count("/") >= MAX_DEPTH - 1:
                    continue  # its files would be deeper than MAX_DEPTH parts
                if repo.path_is_ignored(path + "/") or os.path.exists(os.path.join(entry.path, ".git")):
                    continue  # ignored, or a nested repository (its own history)
                sub = _tree_from_disk(repo, top, path, cache)
                if len(repo[sub].peel(pygit2.Tree)):
                    builder.insert(name, sub, FileMode.TREE)
            elif repo.path_is_ignored(path):
                continue
            elif stat.S_ISLNK(st.st_mode):
                blob = repo.create_blob(os.fsencode(os.readlink(entry.path)))
                builder.insert(name, blob, FileMode.LINK)
            elif stat.S_ISREG(st.st_mode):
                try:
                    blob = cache.blob(repo, path, entry.path, st)
                except (OSError, pygit2.GitError):
                    continue  # vanished or unreadable mid-walk: leave it out rather than fail the hook
                mode = FileMode.BLOB_EXECUTABLE if st.st_mode & 0o111 else FileMode.BLOB
                builder.insert(name, blob, mode)
    return builder.write()


def snapshots(repo: pygit2.Repository, session_id: str) -> list[Snapshot]:
    """The session's snapshots, oldest first."""
    prefix = session_ref_prefix(session_id)
    meta: dict[tuple[str, str], dict] | None = None
    found: list[Snapshot] = []
    for name in repo.references:
        if not name.startswith(prefix):
            continue
        tail = name[len(prefix) :]
        if not tail.isdigit():
            continue
        try:
            tree = repo.references[name].peel(pygit2.Tree)
        except (pygit2.GitError, KeyError, ValueError):
            continue
        if meta is None:
            meta = _read_meta(repo)
        m = meta.get((name, str(tree.id)), {})
        found.append(
            Snapshot(name, int(tail), str(tree.id), int(m.get("time") or 0), session_id,
                     m.get("tool_use_id"), m.get("tool"))
        )  # fmt: skip
    return sorted(found, key=lambda s: s.number)


def apply_snapshots(repo: pygit2.Repository, session: Session, patches: list[Patch]) -> list[Patch]:
    """The patches, with what the session's snapshots show.

    For a tool call with a snapshot before and after it: each of its patches takes its hunks from
    the diff between the two (the exact change on disk); and every other file that changed between
    them gets a patch of its own, attributed to that call (origin "snapshot"). Those are changes the
    log does not show: shell commands, formatters run by hooks, or the user, between two snapshots.
    """
    taken = snapshots(repo, session.id)
    if len(taken) < 2:
        return patches
    after_of: dict[str, tuple[Snapshot, Snapshot]] = {}
    for before, after in zip(taken, taken[1:]):
        if after.tool_use_id:
            after_of[after.tool_use_id] = (before, after)
    steps = {s.id: s for s in session.steps}
    call_of = {s.id: s.tool_call_id for s in session.steps if s.tool_call_id}
    covered: dict[str, set[str]] = {}
    for patch in patches:
        pair = after_of.get(call_of.get(patch.step_id) or "")
        if pair is None or not patch.inside:
            continue
        covered.setdefault(patch.step_id, set()).update({patch.path, patch.old_path or patch.path})
        old = _read(repo, pair[0].tree, patch.old_path or patch.path)
        new = _read(repo, pair[1].tree, patch.path)
        if old != new:
            _set_diff(patch, old, new)
    extra: dict[str, list[Patch]] = {}
    for step in session.steps:
        pair = after_of.get(step.tool_call_id or "")
        if pair is None:
            continue
        seen = covered.get(step.id, set())
        for path, old_exists, new_exists in _changed_files(repo, pair[0].tree, pair[1].tree):
            if path in seen:
                continue
            op = "create" if not old_exists else "delete" if not new_exists else "update"
            patch = Patch(step.id, path, op, [], [], [], timestamp=step.timestamp, tool=step.tool,
                          origin="snapshot", copied=step.copied)  # fmt: skip
            _set_diff(patch, _read(repo, pair[0].tree, path), _read(repo, pair[1].tree, path))
            extra.setdefault(step.id, []).append(patch)
    if not extra:
        return patches
    merged: list[Patch] = []
    order = {sid: i for i, sid in enumerate(steps)}
    # Keep step order: a call's snapshot-only patches follow its own patches.
    pending = sorted(extra, key=lambda sid: order.get(sid, 0))
    for patch in patches:
        while pending and order.get(pending[0], 0) < order.get(patch.step_id, 0):
            merged.extend(extra[pending.pop(0)])
        merged.append(patch)
    for sid in pending:
        merged.extend(extra[sid])
    for i, patch in enumerate(merged):
        patch.index = i
    return merged


def _set_diff(patch: Patch, old: str | None, new: str | None) -> None:
    before_lines, after_lines = split_lines(old or ""), split_lines(new or "")
    patch.hunks = diff_hunks(before_lines, after_lines)
    patch.added, patch.removed = hunk_lines(patch.hunks)
    patch.exact = True
    count_before(patch, old or "")


def _changed_files(repo: pygit2.Repository, old_tree: str, new_tree: str) -> list[tuple[str, bool, bool]]:
    """(path, existed before, exists after) of every blob that differs between two trees."""
    diff = repo.diff(old_tree, new_tree)
    out: list[tuple[str, bool, bool]] = []
    for delta in diff.deltas:
        if delta.is_binary:
            continue
        status = delta.status
        out.append((delta.new_file.path if status != DeltaStatus.DELETED else delta.old_file.path,
                    status != DeltaStatus.ADDED, status != DeltaStatus.DELETED))  # fmt: skip
    return out


def _read(repo: pygit2.Repository, tree_id: str, path: str) -> str | None:
    try:
        entry = repo[tree_id].peel(pygit2.Tree)[path]
    except (KeyError, ValueError):
        return None
    if entry.type_str != "blob":
        return None
    return repo[entry.id].peel(pygit2.Blob).data.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class HookInput:
    """What an agent hook sends `tracetui snapshot` on stdin, each field checked: a field of another
    type than the hook documents is taken as absent, never used as a path or an id."""

    session: str | None = None
    cwd: str | None = None
    tool_use_id: str | None = None
    tool: str | None = None


def hook_document(data: bytes) -> dict[str, Any] | None:
    """The JSON object an agent's hook sent (its stdin), None for another value; orjson's
    JSONDecodeError for what is no JSON. Read as a reader reads a log (`load_document`): a value in
    the tool's input nested past 1,024 levels, or a NaN, costs that value, not the snapshot."""
    from tracetui.sources.common.jsonl import load_document

    doc, _note = load_document(data)
    return doc if isinstance(doc, dict) else None


def hook_input(doc: dict[str, object]) -> HookInput:
    def text(key: str) -> str | None:
        value = doc.get(key)
        return value if isinstance(value, str) and value else None

    return HookInput(text("session_id"), text("cwd"), text("tool_use_id"), text("tool_name"))
