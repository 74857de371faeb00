"""Survival: where each patch landed in git, and what became of it at a reference revision.

For each patch: the *accepting commit* is the first commit, on any ref, made after the step
(allowing a minute of clock slack) whose version of the file holds at least half of the patch's
evidence lines (evidence.py). Then, at the reference revision (default HEAD):

More in docs/internals/trail.md, `trail/survival.py`.
"""

from __future__ import annotations

from pathlib import Path

import pygit2

from tracetui.errors import TracetuiError
from tracetui.line_cost import line_cost, of_fates, remember
from tracetui.model import Session
from tracetui.trail.fates import Fate, Trail
from tracetui.trail.git_read import (
    _AtTime,
    _base_reader,
    _clocks_agree,
    _named_commit,
    _reader,
    MissingObject,
    resolve_ref,
)
from tracetui.trail.judging import _collector_paused, _mark_superseded, judge
from tracetui.trail.mapping import map_repository
from tracetui.trail.patches import session_patches
from tracetui.trail.snapshot import apply_snapshots
from tracetui.trail.trail_cache import _cache_key, _cache_load, _cache_store


def trail(
    session: Session,
    repo: str | Path | None = None,
    ref: str = "HEAD",
    cache_dir: Path | None = None,
) -> Trail:
    """The session's trail: patches and their survival at `ref` in `repo` (found from the cwd by default).

    Raises TracetuiError when `repo` is given but is not a repository, or `ref` does not resolve.
    Without a repository the patches are still listed, with state "unknown" and a note saying why.
    """
    mapped = map_repository(session, repo)
    found = mapped.repo
    # A revision the repository lacks is the user's mistake whether or not it holds the session's files.
    ref_commit = resolve_ref(found, ref) if found is not None else None
    if found is None or mapped.logged_root is None:
        # No repository, or one that holds none of the session's files: list the patches unjudged.
        patches = session_patches(session)
        reason = "no repository" if found is None else "not in the repository"
        fates = [Fate(p, "unknown", reason=reason) for p in patches]
        _mark_superseded(fates)
        if repo is None:  # a clone given for other sessions (`export --repo`) says nothing of this one
            _remember(cache_dir, session, fates, ref)
        return Trail(mapped.name, ref, fates, note=mapped.note)
    # The logged folder that is the clone's top level (the work tree itself when the clone is there).
    root = mapped.logged_root
    repo_name = mapped.name or found.path.rstrip("/")
    with _collector_paused():
        base = _base_reader(found, session)
        patches = session_patches(session, root=root, base=base, at=_AtTime(found))
        patches = apply_snapshots(found, session, patches)
        key = _cache_key(found, session, patches, ref, ref_commit) if cache_dir is not None else None
        if key is not None and cache_dir is not None:
            cached = _cache_load(Path(cache_dir), key, patches)
            if cached is not None:
                _remember(cache_dir, session, cached, ref)
                return Trail(repo_name, ref, cached, note=mapped.note, ref_commit=ref_commit, cached=True, root=root)
        try:
            fates = judge(found, patches, ref_commit, branch=session.git.branch if session.git else None)
            if any(f.state in ("lost", "uncommitted") for f in fates) and not _clocks_agree(found, patches):
                _judge_without_clocks(found, session, root, ref_commit, fates)
        except (pygit2.GitError, MissingObject) as exc:
            raise TracetuiError(f"could not read the git history of {repo_name}: {exc}") from None
        _mark_superseded(fates)
    # A verdict the clone's missing objects left unknown changes when they arrive (a fetch moves no ref).
    if key is not None and cache_dir is not None and not any(f.partial for f in fates):
        _cache_store(Path(cache_dir), key, fates)
    _remember(cache_dir, session, fates, ref)
    return Trail(repo_name, ref, fates, note=mapped.note, ref_commit=ref_commit, root=root)


def _remember(cache_dir: Path | None, session: Session, fates: list[Fate], ref: str) -> None:
    """The session's cost per surviving line, kept for `ls` and `cost` where a trail at HEAD is judged."""
    if cache_dir is not None and ref == "HEAD":
        remember(Path(cache_dir), session, line_cost(session, of_fates(fates), ref))


def _judge_without_clocks(repo, session: Session, root, ref_commit, fates: list[Fate]) -> None:
    """Judge the patches no commit took again, trusting content only.

    When the log was written with another clock than the commits (all of them look older than the
    session), "the first commit after the step" finds nothing and a time-chosen base commit may
    already hold the session's work. Then the base is only the commit the log names (if any), and
    the accepting commit is the first one that holds the patch at whatever time.
    """
    named = _named_commit(repo, session)
    # No `at`: with clocks that disagree, "git at the step's time" would be a version holding the work itself.
    patches = session_patches(session, root=root or session.cwd, base=_reader(repo, named) if named else None)
    patches = apply_snapshots(repo, session, patches)
    if len(patches) != len(fates):
        return
    branch = session.git.branch if session.git else None
    again = judge(repo, patches, ref_commit, use_time=False, branch=branch)
    for i, fate in enumerate(fates):
        if fate.state in ("lost", "uncommitted") and again[i].commit is not None:
            fates[i] = again[i]
