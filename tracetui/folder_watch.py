"""Watching the agents' log folders, which may hold what someone else put there: their own folders only.

watchfiles (the notify crate) watches a tree recursively by following its links: a link in a source
folder to /usr had its 15,500 folders watched, and a link to / asks for every folder of the machine,
the user's whole allowance of inotify watches (their editor's and dev servers' too) and minutes of
walking. Here each real folder is watched on its own, found by a walk that never enters a link
(folder_walk), and the watch is made again when a folder comes or goes; that batch is said as None,
the whole folders, since what was written in a new folder before it was watched has no name.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracetui.folder_walk import walk

# The most folders watched; past it the deepest are left to the sync's whole passes. An inotify
# watch costs the kernel about 1 KB, and older kernels allow 8,192 a user in all.
MAX_FOLDERS = 8192


def real_folders(roots: list[Path]) -> list[str]:
    """The folders under `roots` (each root as named, a link or not), never through a link, shallowest
    first, at most MAX_FOLDERS."""
    found: list[str] = []
    for root in roots:
        for folder, dirs, _ in walk(root):
            found.append(folder)
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    found.sort(key=lambda f: f.count(os.sep))
    return found[:MAX_FOLDERS]


def watch(roots: list[Path], stop: threading.Event | None) -> Iterator[set[tuple[Any, str]] | None]:
    """Each batch of changes under `roots` (watchfiles' sets of (change, path)), or None where folders
    came or went (the watch is made again), until `stop`."""
    import watchfiles

    while stop is None or not stop.is_set():
        folders = real_folders(roots)
        if not folders:
            return
        watched = set(folders)
        again = False
        for batch in watchfiles.watch(*folders, stop_event=stop, debounce=150, step=50, raise_interrupt=False,
                                      ignore_permission_denied=True, recursive=False):  # fmt: skip
            if any(_folder_moved(change, path, watched) for change, path in batch):
                again = True
                break
            yield batch
        if not again:
            return
        yield None


def _folder_moved(change: Any, path: str, watched: set[str]) -> bool:
    import watchfiles

    if change == watchfiles.Change.added:
        return os.path.isdir(path) and not os.path.islink(path)
    return change == watchfiles.Change.deleted and path in watched
