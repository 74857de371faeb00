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
# How long the watcher waits for a change before it answers with none: its first answer tells the
# watch is made. An idle watch wakes this often, to no effect.
MADE_WITHIN_MS = 1000


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
    """Each batch of changes under `roots` (watchfiles' sets of (change, path)), or None for the
    whole folders: first once the watch is made (what was written between the caller's last sync
    and then is in no batch), and again each time folders came or went (the watch is made again),
    until `stop`."""
    import watchfiles

    while stop is None or not stop.is_set():
        folders = real_folders(roots)
        if not folders:
            return
        watched = set(folders)
        again = False
        made = False
        # The watch is made when the generator first runs, and its first answer (a batch, or the
        # empty set at the first timeout) comes after: the whole folders are synced then, before the
        # batch. `tracetui watch` said it was watching before, and a line written in between waited
        # for the next change (a test saw it miss on a loaded machine).
        for batch in watchfiles.watch(*folders, stop_event=stop, debounce=150, step=50, raise_interrupt=False,
                                      ignore_permission_denied=True, recursive=False,
                                      rust_timeout=MADE_WITHIN_MS, yield_on_timeout=True):  # fmt: skip
            if any(_folder_moved(change, path, watched) for change, path in batch):
                again = True
                break
            if not made:
                made = True
                yield None
            if batch:
                yield batch
        if not again:
            return


def _folder_moved(change: Any, path: str, watched: set[str]) -> bool:
    import watchfiles

    if change == watchfiles.Change.added:
        return os.path.isdir(path) and not os.path.islink(path)
    return change == watchfiles.Change.deleted and path in watched
