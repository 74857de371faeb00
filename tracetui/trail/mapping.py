"""Mapping a log onto a clone: which repository judges the trail, and which logged folder is its root.

A log names files as the agent saw them: absolute paths on the agent's machine
(`/home/alice/work/proj/src/a.py`), or paths relative to the step's cwd (which may be a subfolder of
the repository). The clone that judges them may live anywhere. The mapping finds the *logged root*,
the folder in the log's own namespace that is the clone's top level, so that every logged path
becomes repo-relative by cutting that prefix:

More in docs/internals/trail.md, `trail/mapping.py`.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pygit2

from tracetui.errors import NotFound, TracetuiError
from tracetui.regular_file import NotRegularFile, discover_git_dir, read_inside, stat_inside
from tracetui.model import Session, StepKind
from tracetui.safe_text import command_line
from tracetui.trail.clone_id import CloneId, folder_name, has_commit, logged_commit_id
from tracetui.trail.clone_id import remote_key, remote_keys
from tracetui.trail.content_evidence import BLOB_MAX, HISTORY_LOOKED_AT as FILE_HISTORY_LOOKED_AT
from tracetui.trail.content_evidence import HISTORY_BYTES, HISTORY_LOOKUPS
from tracetui.trail.content_evidence import WRITTEN_AGREEING, logged_lines, text_agrees, written_lines
from tracetui.trail.copied_in import copied_folder
from tracetui.trail.history import newest_commits, ref_tips
from tracetui.trail.paths import absolute_path, relative_path

TIPS_LOOKED_AT = 16  # branch tips whose trees are searched besides HEAD (branches first)
FILES_LOOKED_AT = 400  # distinct edited files scored (a session rarely touches more)
HISTORY_LOOKED_AT = 20_000  # commits whose changed names are read when no file is in the clone now
# Folders a file may lie below a candidate top (a repository's own depth): a log's path of 20,000
# folders made 20,000 candidates of 40 KB each, quadratic, and 400 such paths held the trail for hours.
DEPTH_LOOKED_AT = 128


@dataclass(slots=True)
class RepoMap:
    """The repository for a trail, and the folder of the log's paths that is its top level.

    `repo` is None when there is none (then `note` says why, in one line). `logged_root` is what
    the session's paths are made relative to; it is the work tree itself when the clone sits where
    the agent worked. `note` is also set when the log's folder is read in a clone elsewhere.
    """

    repo: pygit2.Repository | None
    logged_root: str | None = None
    note: str | None = None
    held: int = 0  # how many of the session's files the clone holds (0 when mapped as it stands)
    # the clone's folder that holds a copy of the logged root's files (`copied_in`), its top mapped to it
    copied_to: str | None = None

    @property
    def workdir(self) -> str | None:
        if self.repo is None or not self.repo.workdir:
            return None
        return self.repo.workdir.rstrip("/") or "/"

    @property
    def name(self) -> str | None:
        """The repository as the trail names it: its work tree, or its git folder when bare."""
        if self.repo is None:
            return None
        return self.workdir or self.repo.path.rstrip("/")


def map_repository(session: Session, repo: str | Path | None = None) -> RepoMap:
    """The repository that judges `session`'s patches and the logged folder that is its root.

    `repo` is a clone (any folder inside one, or a bare git folder); without it, the repository the
    session's cwd is in, when that cwd exists here. Raises NotFound when `repo` is given but is not
    a repository. Never raises for what the log says.
    """
    if repo is not None:
        return _match(session, open_clone(repo), given=str(repo))
    cwd = session.cwd
    found = judging_clone(cwd)
    if found is None:
        where = cwd or "(no cwd recorded)"
        return RepoMap(None, note=NOT_FOUND.format(where=where, hint=clone_hint(session.id)))
    return _match(session, found, given=None)


# The notes on where a session was judged, as templates: `export --check` reads a receipt's note back by
# them (`check_views`), its folders, paths and id read and these words left out.
NOT_FOUND = "repository not found for {where}: states are unknown{hint}"
CLONE_HINT = "; to judge them in a clone of its repository: {command} --repo PATH"
TRAIL_COMMAND = ("tracetui", "trail")  # the command the hint names, before the session's id
READ_IN = "paths under {logged} (as logged) are read in {clone}"
NONE_HELD = "{where} holds none of the session's files (looked for {n}, e.g. {path}): states are unknown"


def clone_hint(session_id: str) -> str:
    """What ends the note of a trail no clone judged: the command that names one (the app says its own)."""
    return CLONE_HINT.format(command=command_line(*TRAIL_COMMAND, session_id[:12]))


def judging_clone(cwd: str | None, repo: str | Path | None = None) -> pygit2.Repository | None:
    """The clone `map_repository` judges a session in, or None: `repo` when given, else the one the
    session's cwd lies in."""
    if repo is not None:
        return _open(str(repo))
    return _open(cwd) if cwd and _is_dir(cwd) else None


def open_clone(repo: str | Path) -> pygit2.Repository:
    """The repository at `repo` (or the one a folder in it belongs to); NotFound when there is none."""
    found = _open(str(repo))
    if found is None:
        raise NotFound(f"no git repository at {repo}")
    return found


def belongs(session: Session, repo: str | Path) -> bool:
    """Whether `repo` is the session's own repository, so that one clone given for many sessions (the
    app's `--repo`, an eval's clones, a seal's base) judges its own sessions only. By the log's word
    (its commit is in the clone, or its remote is one of the clone's), where the agent worked (its
    cwd or an edited file lies in the clone's work tree), or as a clone elsewhere named as the folder
    the agent worked in (`owner+name/repo` counts as `name`) that holds the files it edited. Files of
    the same names alone are not enough: any clone holds a README.md or a package.json."""
    try:
        clone = open_clone(repo)
    except NotFound:
        return False
    return _belongs(session, clone, repo)


def _belongs(session: Session, clone: pygit2.Repository, repo: str | Path) -> bool:
    if _same_repository(session, clone):
        return True
    workdir = RepoMap(clone).workdir
    paths = [p for p in logged_paths(session) if _absolute(p)]
    if session.cwd:
        paths.append(absolute_path(session.cwd, None))
    if workdir is not None and any(relative_path(p, workdir)[1] for p in paths):
        return True
    ident = CloneId(repo, clone)
    folders = {n for p in paths for n in _folder_names(p)}
    if not (ident.names & folders or ident.begins(folders)):
        return False  # no folder the agent worked in bears the clone's name: no history to read
    found = _match(session, clone, given=str(repo))
    root = found.logged_root
    if not (found.held > 0 and root is not None):
        return False
    if ident.named_above(root):
        return holds_logged_text(session, clone, root)
    # A folder whose name only begins with the clone's: the text the session wrote must be there too.
    begun = ident.begins({folder_name(root)})
    return begun and holds_logged_text(session, clone, root) and holds_written_text(session, clone, root)


def holds_logged_text(session: Session, repo: pygit2.Repository, root: str) -> bool:
    """Whether the text the log kept of the files it edited under the logged `root` is in the clone's
    versions of them (`content_evidence`): what a clone taken by its name must show, for the trail
    (`belongs`) and for blame (`_Matcher`). A log that kept none has only its paths to go by."""
    lines = logged_lines(session)
    if not lines:
        return True
    clone = _Clone(repo, RepoMap(repo).workdir, _logged_commit(session, repo))
    return text_agrees(lines, root, clone.versions, lambda rels: file_history(repo, rels))


def holds_written_text(session: Session, repo: pygit2.Repository, root: str) -> bool:
    """Whether WRITTEN_AGREEING of the long lines the session wrote under the logged `root` are in the
    clone's versions of their files (`content_evidence.written_lines`): what a clone whose name only
    begins the folder's must show. A session that wrote no long line there shows nothing."""
    lines = {p: ls for p, ls in written_lines(session).items() if ls and relative_path(p, root)[1]}
    if not lines:
        return False
    clone = _Clone(repo, RepoMap(repo).workdir, _logged_commit(session, repo))
    history = lambda rels: file_history(repo, rels)  # noqa: E731
    return text_agrees(lines, root, clone.versions, history, share=WRITTEN_AGREEING)


def given_clone(session: Session, repo: str | Path | None) -> tuple[str | Path | None, str]:
    """The clone given for many sessions (the app's `--repo`, an export's or an eval's) where it is
    this session's own, else None, so that the session is judged where it ran; and, then, the words
    that say so, to open the trail's note. A `repo` that is no repository is given back: the trail
    says so, where judging elsewhere would hide the mistake."""
    if repo is None or not str(repo):
        return None, ""
    try:
        clone = open_clone(repo)
    except NotFound:
        return repo, ""
    if _belongs(session, clone, repo):
        return repo, ""
    return None, f"--repo {repo} is not this session's repository; "


def _folder_names(path: str) -> list[str]:
    """The names of the folders a logged path lies in (itself too: a cwd is one), lower-cased."""
    return [part.lower() for part in path.replace("\\", "/").split("/") if part]


def same_repository(session: Session, repo: str | Path) -> bool:
    """The log's own word that `repo` is the session's repository: its logged commit is there, or
    its remote is one of the clone's. Stricter than `belongs`, which also takes a clone that holds
    the files the session edited (any clone holds a README.md)."""
    try:
        clone = open_clone(repo)
    except NotFound:
        return False
    return _same_repository(session, clone)


def logged_paths(session: Session) -> list[str]:
    """The absolute paths (in the log's namespace, '/' form) of the files the session's edits touched."""
    seen: dict[str, None] = {}
    for step in session.steps:
        if step.kind != StepKind.TOOL_CALL or not step.edits:
            continue
        cwd = step.cwd or session.cwd
        for edit in step.edits:
            for name in (edit.path, edit.move_to):
                if name:
                    seen.setdefault(absolute_path(name, cwd), None)
    return list(seen)


def _open(path: str) -> pygit2.Repository | None:
    try:
        git_dir = discover_git_dir(path)  # a FIFO among its files blocked the open for ever
        return pygit2.Repository(git_dir) if git_dir else None
    except (ValueError, pygit2.GitError, OSError, NotRegularFile):
        return None  # a folder git cannot open is no repository for the trail


def _is_dir(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except (ValueError, OSError):
        return False


def _match(session: Session, repo: pygit2.Repository, given: str | None) -> RepoMap:
    found = RepoMap(repo)
    workdir = found.workdir
    paths = [p for p in logged_paths(session) if _absolute(p)]
    cwd = absolute_path(session.cwd, None) if session.cwd else None
    inside = [*paths, cwd] if cwd is not None else paths
    if workdir is not None and any(relative_path(p, workdir)[1] for p in inside):
        found.logged_root = workdir  # the clone is where the agent worked: paths map as they stand
        return found
    if not paths:
        # Nothing to place: an edit-free session (or relative names with no cwd) reads as before.
        found.logged_root = workdir or session.cwd
        return found
    clone = _Clone(repo, workdir, _logged_commit(session, repo))
    files, folders = _score(paths[:FILES_LOOKED_AT], clone.has_file, clone.has_folder)
    distinct = len(set(paths[:FILES_LOOKED_AT]))
    held_now = max(files.values(), default=0)
    if 2 * held_now < distinct:
        # Few or none of the files are in the clone now (moved, split or deleted since): look in its
        # history too. A generic name the clone has now (a README.md at its top) must not outweigh
        # the folder under which commits held nearly every file (an app moved into a monorepo's apps/
        # since); a history that holds only some of them does not overrule what the clone has now.
        names = history_names(repo)
        past, _ = _score(paths[:FILES_LOOKED_AT], names.__contains__, lambda rel: False)
        held_then = max(past.values(), default=0)
        if held_then > held_now and (not held_now or 4 * held_then >= 3 * distinct):
            files = past
    candidates = set(files) | set(folders)
    if cwd is not None and _same_repository(session, repo):
        # The log's git facts are its cwd's: the cwd lay in this repository's work tree, so the top is
        # the cwd or a folder above it. A folder below it whose names the clone holds now (a package
        # moved to the top since) is not where the session worked when the cwd's own files are there.
        above = {r for r in candidates if relative_path(cwd, r)[1]}
        if any(files[r] for r in above):
            candidates = above
    where = given if given is not None else (workdir or repo.path)
    if candidates:
        best = max(candidates, key=lambda r: (files[r], folders[r], -len(r)))
        if files[best] or _same_repository(session, repo):
            found.logged_root = best
            found.held = files[best]
            found.note = READ_IN.format(logged=best, clone=workdir or repo.path.rstrip("/"))
            return found
    if cwd is not None and _same_repository(session, repo):
        # The log names this repository, but none of its files is in the clone (all made by the
        # session and never committed): it worked in its cwd, a folder of the clone or its top.
        found.logged_root = _cwd_root(cwd, clone)
        read_in = workdir or repo.path.rstrip("/")
        found.note = READ_IN.format(logged=found.logged_root, clone=read_in)
        return found
    copied = copied_folder(session, repo, paths[:FILES_LOOKED_AT], clone.versions)
    if copied is not None:
        # A folder copied in without its history: the logged root read as the clone's top, so that each
        # patch is looked for where the first commits after it put its lines (trail.md, copied_in.py).
        found.logged_root, found.copied_to = copied.root, copied.folder
        found.note = READ_IN.format(logged=copied.root, clone=workdir or repo.path.rstrip("/"))
        return found
    found.logged_root = None
    found.note = NONE_HELD.format(where=where, n=len(paths), path=paths[0])
    return found


def _cwd_root(cwd: str, clone: _Clone) -> str:
    """The logged folder that is the clone's top, from the cwd alone: the highest one below which the
    cwd's path is a folder of the clone (a session run in a subfolder), else the cwd itself."""
    parts = cwd.rstrip("/").split("/")
    windows = bool(_WINDOWS.match(cwd))
    for i in range(1, len(parts)):
        if clone.has_folder("/".join(parts[i:])):
            root = "/".join(parts[:i]) or "/"
            return root.lower() if windows else root
    return cwd.lower() if windows else cwd


def _score(
    paths: list[str], has_file: Callable[[str], bool], has_folder: Callable[[str], bool]
) -> tuple[Counter[str], Counter[str]]:
    """For each candidate root (an ancestor of a logged path): how many files, and how many folders of
    files not found, the clone holds under their names relative to it."""
    files: Counter[str] = Counter()
    folders: Counter[str] = Counter()
    for path in paths:
        parts = path.split("/")
        windows = bool(_WINDOWS.match(path))
        start = max(1, len(parts) - DEPTH_LOOKED_AT)
        cut = sum(map(len, parts[:start])) + start - 1  # where "/" + parts[start] begins
        for i in range(start, len(parts)):
            # Cut from the path, not joined from its parts: each join was as long as the path.
            root = path[:cut] or "/"
            if windows:
                root = root.lower()  # c:\ and C:\ are one folder; patches compare them so too
            rel = path[cut + 1 :]
            if has_file(rel):
                files[root] += 1
            elif i < len(parts) - 1 and has_folder(rel[: len(rel) - len(parts[-1]) - 1]):
                folders[root] += 1
            cut += len(parts[i]) + 1
    return files, folders


def history_names(repo: pygit2.Repository, limit: int = HISTORY_LOOKED_AT) -> set[str]:
    """Every file name that some commit (of the newest `limit`, on any ref) added or changed."""
    names: set[str] = set()
    try:
        for commit in newest_commits(repo, limit):
            # Against the first parent (the root commit: against nothing) the new side names the files.
            parents = commit.parents
            tree = commit.tree
            diff = parents[0].tree.diff_to_tree(tree) if parents else tree.diff_to_tree(swap=True)
            names.update(d.new_file.path for d in diff.deltas)
    except (pygit2.GitError, KeyError, ValueError):
        pass  # what was read so far still counts
    return names


def file_history(repo: pygit2.Repository, rels: list[str]) -> Iterator[tuple[str, bytes]]:
    """(name, text) of each distinct version of the files that some commit (of the newest
    content_evidence.HISTORY_LOOKED_AT, on any ref) held, newest first, within the HISTORY_BYTES
    and HISTORY_LOOKUPS bounds."""
    if not rels:
        return
    seen: set[str] = set()
    left = HISTORY_BYTES
    try:
        for commit in newest_commits(repo, min(FILE_HISTORY_LOOKED_AT, max(1, HISTORY_LOOKUPS // len(rels)))):
            tree = commit.tree
            for rel in rels:
                blob = _new_blob(tree, rel, seen)
                if blob is None or blob.size > BLOB_MAX:
                    continue
                if blob.size > left:
                    return  # the bytes' bound reached: what was read stands
                left -= blob.size
                yield rel, blob.data
    except (pygit2.GitError, KeyError, ValueError):
        return  # what was read so far still counts


def _new_blob(tree: pygit2.Tree, rel: str, seen: set[str]) -> pygit2.Blob | None:
    """The file `rel` of `tree` where it is a file whose version is not in `seen` (it is added)."""
    try:
        blob = tree[rel]
    except (KeyError, ValueError, TypeError):
        return None
    if not isinstance(blob, pygit2.Blob) or str(blob.id) in seen:
        return None
    seen.add(str(blob.id))
    return blob


_WINDOWS = re.compile(r"^[A-Za-z]:/")


def _absolute(path: str) -> bool:
    return path.startswith("/") or bool(_WINDOWS.match(path))


class _Clone:
    """What a clone holds: names at HEAD and a few branch tips, and in its work tree; and at the
    commit the log says the session started from, where the clone has it (files the session edited
    may have moved since: a folder of them now at the root must not read as where it worked)."""

    def __init__(self, repo: pygit2.Repository, workdir: str | None, start: str | None = None) -> None:
        self.workdir = workdir
        self._real_workdir = os.path.realpath(workdir) if workdir is not None else None
        self.trees: list[pygit2.Tree] = []
        seen: set[str] = set()
        tips = [tip for _, tip in ref_tips(repo)[: TIPS_LOOKED_AT + 1]]
        for tip in [start, *tips] if start else tips:
            try:
                tree = repo[tip].peel(pygit2.Commit).tree
            except (KeyError, ValueError, pygit2.GitError):
                continue
            if str(tree.id) not in seen:
                seen.add(str(tree.id))
                self.trees.append(tree)
        self._cache: dict[tuple[str, bool], bool] = {}

    def has_file(self, rel: str) -> bool:
        return self._has(rel, folder=False)

    def has_folder(self, rel: str) -> bool:
        return self._has(rel, folder=True)

    def _has(self, rel: str, folder: bool) -> bool:
        key = (rel, folder)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._look(rel, folder)
            self._cache[key] = hit
        return hit

    def versions(self, rel: str) -> Iterator[bytes]:
        """The file's texts in the clone: in each tree looked at, then in the work tree."""
        if not rel or rel == ".." or rel.startswith("../") or ".git" in rel.split("/"):
            return
        seen: set[str] = set()
        for tree in self.trees:
            blob = _new_blob(tree, rel, seen)
            if blob is not None:
                yield blob.data if blob.size <= BLOB_MAX else b""
        if self.workdir is not None:
            yield from _work_tree_text(self.workdir, rel)

    def _look(self, rel: str, folder: bool) -> bool:
        if not rel or rel.startswith("../") or rel == "..":
            return False
        want = pygit2.enums.ObjectType.TREE if folder else pygit2.enums.ObjectType.BLOB
        for tree in self.trees:
            try:
                if tree[rel].type == want:
                    return True
            except (KeyError, ValueError, TypeError):
                continue
        if self.workdir is None or ".git" in rel.split("/"):
            return False  # git's own files are no file of the project (every clone has .git/config)
        # A link out of the work tree (to a file elsewhere on the machine) is no file the clone holds.
        st = stat_inside(self.workdir, rel, self._real_workdir)
        if st is None:
            return False
        return stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)


def _work_tree_text(workdir: str, rel: str) -> Iterator[bytes]:
    """The work tree's text of a file, where it is a regular file inside the work tree: a link out of
    it (to /etc/passwd, whose lines every machine has) is no text of the project, and a FIFO swapped
    in after a look would block the read (`read_inside` opens without waiting and checks the fstat)."""
    try:
        data = read_inside(workdir, rel, BLOB_MAX)
    except (ValueError, OSError, TracetuiError):  # none, a folder, a FIFO, too large, a link out
        return
    yield data


def _logged_commit(session: Session, repo: pygit2.Repository) -> str | None:
    """The commit the log says the session started from (Codex's and Copilot's git info), where
    the clone has it."""
    commit = session.git.commit if session.git is not None else None
    return logged_commit_id(commit) if has_commit(repo, commit) else None


def _same_repository(session: Session, repo: pygit2.Repository) -> bool:
    """The log's own word that this is its repository: its commit is here, or its remote is one of ours."""
    git = session.git
    if git is None:
        return False
    remote = git.remote
    return has_commit(repo, git.commit) or bool(remote) and remote_key(remote or "") in remote_keys(repo)


_remote_key = remote_key  # (the name the mapping's tests know it by)
