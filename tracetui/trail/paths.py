"""Paths as logs give them: made absolute against a step's cwd, relative to a root, resolved."""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import threading
from collections.abc import Iterator

_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")
PATH_MAX = 4096  # Linux's longest path (macOS's is 1024); a longer one names no file
DEEPEST = 256  # folders of a path resolved: realpath makes a system call for each


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
        # The resolved path first: a name that is a link inside the work tree (`link.py` -> `a.py`) is
        # the file git tracks under the target's name; a path that does not resolve is as logged.
        for p in (_realpath(abs_path) if abs_path.startswith("/") else abs_path, abs_path):
            if p == r:
                return ".", True
            prefix = r.rstrip("/") + "/"
            if _same_prefix(p, prefix):
                return p[len(prefix) :], True
    return abs_path, False


def _realpath(path: str) -> str:
    kept: dict[str, str] | None = getattr(_resolved, "paths", None)
    found = kept.get(path) if kept is not None else None
    if found is None and (len(path) > PATH_MAX or path.count("/") > DEEPEST):
        # No system opens it, and realpath's lstat of each of its folders' prefixes is quadratic: a log's
        # paths of thousands of folders held the trail for minutes. Compared as logged.
        found = path
    if found is None:
        # Log paths are untrusted text: a NUL byte or an unreadable parent must not stop the trail.
        try:
            found = os.path.realpath(path)
        except (ValueError, OSError):
            found = path
        if kept is not None:
            kept[path] = found
    return found


_resolved = threading.local()


@contextlib.contextmanager
def paths_resolved_once() -> Iterator[None]:
    """Within it, each path is resolved against the file system once (on this thread): a session's
    patches name the same few files and root hundreds of times, and each `realpath` costs a system
    call per folder of the path. Outside it, every call asks the file system again (the app lives
    long, and a link may change)."""
    outer = getattr(_resolved, "paths", None)
    if outer is None:
        _resolved.paths = {}
    try:
        yield
    finally:
        if outer is None:
            _resolved.paths = None


def _same_prefix(path: str, prefix: str) -> bool:
    # Windows paths compare case-insensitively (the corpus has c:\ and C:\ for one machine).
    if _WINDOWS_ABS.match(prefix):
        return path.lower().startswith(prefix.lower())
    return path.startswith(prefix)
