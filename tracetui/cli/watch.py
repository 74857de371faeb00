"""watch: keep the bucket in sync from the command line while the agents write."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tracetui.cli import Commands, add_bucket_option, open_bucket
from tracetui.safe_text import safe_line
from tracetui.sources import registry
from tracetui.views.format import problems


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "watch",
        help="sync the bucket whenever an agent writes a log, until Ctrl-C",
        description="Watch the agents' log folders and sync each change into the bucket (the app does "
        "the same while it runs). One line per sync that found something; Ctrl-C stops.",
    )
    p.add_argument("--source", action="append", metavar="AGENT=PATH",
                   help=f"watch AGENT's logs ({registry.spoken_names()}) in PATH instead of the default folders")  # fmt: skip
    add_bucket_option(p)
    p.set_defaults(func=run_watch)


def run_watch(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    from tracetui.bucket import default_sources, parse_sources

    sources = parse_sources(args.source) or default_sources()
    folders = [p for p in watched_folders(sources) if p.is_dir()]
    with open_bucket(args, makes=True) as bucket:
        _report(bucket.sync(sources))
        if not folders:
            print("none of the agents' folders exists yet; pass --source AGENT=PATH", file=sys.stderr)
            return 1
        print("watching " + ", ".join(safe_line(str(f)) for f in folders) + " (Ctrl-C stops)", file=sys.stderr)
        # The watcher names the files that changed: only their sessions are synced (the whole
        # folders again where a change cannot be scoped so, e.g. a folder added or a log deleted).
        scope = Scope()
        for changes in watch_changes(folders, stop):
            _report(bucket.sync(sources, paths=scope.paths(changed_paths(changes))))
    return 0


WHOLE_EVERY = 600.0  # seconds between whole syncs while watching


class Scope:
    """What a watched sync is given: the paths the watcher names, and now and then None (the whole
    folders), for a change the watcher missed (its kernel queue overflowed, or it was starting)."""

    def __init__(self) -> None:
        self.last_whole = time.monotonic()

    def paths(self, changed: set[str] | None) -> set[str] | None:
        now = time.monotonic()
        if changed is None or now - self.last_whole >= WHOLE_EVERY:
            self.last_whole = now
            return None
        return changed


def watch_changes(folders: list[Path], stop: threading.Event | None) -> Iterator[set[tuple[Any, str]] | None]:
    """Each batch of changes under `folders` (watchfiles' sets of (change, path)), or None where the
    whole folders are to be synced, until `stop` (folder_watch: no link is followed)."""
    from tracetui.folder_watch import watch

    yield from watch(folders, stop)


def changed_paths(changes: Iterable[tuple[object, str]] | None) -> set[str] | None:
    return None if changes is None else {path for _, path in changes}


def _report(report) -> None:
    if report.new or report.updated or report.errors:
        when = time.strftime("%H:%M:%S")
        line = f"{when} {report.new} new, {report.updated} updated"
        if report.errors:
            line += ", " + problems(report.errors)
        print(line, flush=True)


def watched_folders(sources: dict[str, list[Path]] | None) -> list[Path]:
    """The folders a live app or `watch` follows: the given sources, else every agent's defaults."""
    from tracetui.bucket import default_sources

    return [p for paths in (sources or default_sources()).values() for p in paths]
