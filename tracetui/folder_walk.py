"""Walking a folder tree someone else made, however deep it nests.

Python 3.11's `os.walk`, `Path.rglob` and `shutil.rmtree` recurse once a level: a tree nested past
the recursion limit (about a thousand folders, which a path of 2 KB holds, and a clone, a tarball, an
export received or a check's own code can make) stopped them with a RecursionError and a traceback.
This walk keeps its own stack, as Python 3.12's `os.walk` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

Walked = tuple[str, list[str], list[str]]


def walk(top: str | os.PathLike[str], topdown: bool = True) -> Iterator[Walked]:
    """`os.walk(top, topdown)` without recursion: the same (folder, dirs, files) triples in the same
    order, links to folders listed in dirs and never entered, folders that cannot be listed left
    out. Top-down, the caller may prune `dirs` in place."""
    stack: list[str | Walked] = [os.fspath(top)]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            yield item  # bottom-up: every folder under it has been given
            continue
        try:
            with os.scandir(item) as listing:
                entries = list(listing)
        except OSError:
            continue
        dirs: list[str] = []
        files: list[str] = []
        into: list[str] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry.name)
            if is_dir and not topdown:
                try:
                    if not entry.is_symlink():
                        into.append(entry.path)
                except OSError:
                    pass
        if topdown:
            yield item, dirs, files
            # Read after the yield, so a caller's pruning counts; links are looked at then too.
            into = [p for p in (os.path.join(item, d) for d in dirs) if not os.path.islink(p)]
        else:
            stack.append((item, dirs, files))
        stack.extend(reversed(into))


def rmtree(top: str | os.PathLike[str]) -> None:
    """`shutil.rmtree(top, ignore_errors=True)` without recursion. Only names are removed (unlink,
    rmdir): a link inside is removed, never followed, `top` that is a link is left as rmtree leaves
    it, and what cannot be removed is left, silently."""
    if os.path.islink(top):
        return
    for folder, dirs, files in walk(top, topdown=False):
        for name in files:
            _quietly(os.unlink, os.path.join(folder, name))
        for name in dirs:
            path = os.path.join(folder, name)
            _quietly(os.unlink if os.path.islink(path) else os.rmdir, path)
    _quietly(os.unlink if os.path.islink(top) else os.rmdir, top)


def _quietly(remove: Callable[[str | os.PathLike[str]], None], path: str | os.PathLike[str]) -> None:
    try:
        remove(path)
    except OSError:
        pass
