"""Survival: where each patch landed in git, and what became of it at a reference revision.

For each patch: the *accepting commit* is the first commit, on any ref, made after the step
(allowing a minute of clock slack) whose version of the file holds at least half of the patch's
evidence lines (evidence.py). Then, at the reference revision (default HEAD):

More in docs/internals/trail.md, `trail/survival.py`.
"""

from __future__ import annotations

from pathlib import Path

from tracetui.model import Session
from tracetui.trail.by_file import TrailByFile
from tracetui.trail.fates import Trail


def trail(
    session: Session,
    repo: str | Path | None = None,
    ref: str = "HEAD",
    cache_dir: Path | None = None,
    own_only: bool = False,
) -> Trail:
    """The session's trail: patches and their survival at `ref` in `repo` (found from the cwd by default).

    Raises TracetuiError when `repo` is given but is not a repository, or `ref` does not resolve.
    Without a repository the patches are still listed, with state "unknown" and a note saying why.
    Every file's patches are judged in one pass, each file's cached fates taken where its patches
    have not changed (a live session's new edits judge only their own files). `own_only`: the caller
    reads only the session's own patches (`Trail.own`), so a fork with none is not judged at all.
    """
    return TrailByFile(session, repo, ref, cache_dir, own_only).whole()
