"""The trail's on-disk cache: a session's fates by a key of its repository's refs, its patches
and the reference, the oldest dropped past CACHE_KEEP.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import orjson
import pygit2

from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.regular_file import CACHE_MOST, keep_cache, read_regular, stat_inside
from tracetui.trail.fates import CACHE_VERSION, Fate
from tracetui.trail.history import ref_tips
from tracetui.trail.patch import Patch


# -- cache ---------------------------------------------------------------------------------------


def _cache_key(repo: pygit2.Repository, session: Session, patches: list[Patch], ref: str, ref_commit: str | None,
               tips: list[tuple[str, str]] | None = None) -> str:  # fmt: skip
    """Results hold while the refs (`tips`, read here when not given), the reference, the patches and
    the touched work-tree files do."""
    h = hashlib.sha256()
    h.update(orjson.dumps([CACHE_VERSION, session.id, ref, ref_commit, ref_tips(repo) if tips is None else tips]))
    for p in patches:
        h.update(orjson.dumps([p.to_dict(), p.before_counts, p.inside], option=orjson.OPT_NON_STR_KEYS))
    if repo.workdir:
        real_workdir = os.path.realpath(repo.workdir)
        for path in sorted({p.path for p in patches if p.inside}):
            # A link out of the work tree stamps as no file, as the trail reads it: stamped by its
            # target, a link turned to a file inside of the same size and time kept the key.
            st = stat_inside(repo.workdir, path, real_workdir)
            h.update((f"{path}:{st.st_size}:{st.st_mtime_ns}" if st is not None else f"{path}:-").encode())
    return h.hexdigest()


def _cache_load(cache_dir: Path, key: str, patches: list[Patch]) -> list[Fate] | None:
    path = cache_dir / "trail" / f"{key}.json"
    try:
        # A regular file of a sane size only: a FIFO planted in its place blocked the trail for ever.
        rows = orjson.loads(read_regular(path, CACHE_MOST))
    except (OSError, orjson.JSONDecodeError, TracetuiError):
        return None
    if not isinstance(rows, list) or len(rows) != len(patches):
        return None
    try:
        return [
            Fate(
                p,
                r["state"],
                r["commit"],
                r["kept"],
                r["changed"],
                r["dropped"],
                list(r["commits"]),
                r["judged_at"],
                r["path_now"],
                r["superseded_by"],
                r.get("reason"),
                r["evidence"],
            )
            for p, r in zip(patches, rows)
        ]
    except (KeyError, TypeError):
        return None


def _cache_store(cache_dir: Path, key: str, fates: list[Fate]) -> None:
    folder = cache_dir / "trail"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Through a fresh temporary file: a FIFO or a link planted under a guessable name is never opened.
        keep_cache(folder / f"{key}.json", orjson.dumps([f.to_dict() for f in fates]))
        _prune(folder)
    except OSError:
        pass  # a cache that cannot be written only costs time


CACHE_KEEP = 500  # trails kept; every commit makes new keys, so old ones are dropped, oldest first


def _prune(folder: Path) -> None:
    entries = list(os.scandir(folder))
    if len(entries) <= CACHE_KEEP:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for entry in entries[: len(entries) - CACHE_KEEP]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass
