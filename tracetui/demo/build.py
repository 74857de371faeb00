"""Build the demo: a git repository, one session log per agent, and a bucket indexed from them."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracetui.demo import logs
from tracetui.demo.repo import build_repo
from tracetui.errors import TracetuiError
from tracetui.safe_text import safe_line


@dataclass(slots=True)
class Demo:
    root: Path
    repo: Path  # the demo git repository (the sessions' cwd)
    bucket: Path
    sources: dict[str, list[Path]]  # agent -> log folders, for Bucket.sync(sources=...)


def build(root: Path) -> Demo:
    """Write the demo under `root` (created; must be empty if it exists, and not a link).

    The folder may be one someone else prepared: a file or a FIFO there was a traceback, a link to
    nowhere had the demo create the folder it named, wherever that was, and a loop of links a
    traceback. A link in a parent folder (macOS's /tmp) is followed as ever."""
    given = Path(root)
    name = safe_line(str(given))
    if given.is_symlink():
        raise TracetuiError(f"{name} is a symbolic link; the demo needs a new or empty folder")
    try:
        root = given.resolve()
        if root.exists() and not root.is_dir():
            raise TracetuiError(f"{name} is not a folder; the demo needs a new or empty folder")
        if root.exists() and any(root.iterdir()):
            raise TracetuiError(f"{name} is not empty; the demo needs a new or empty folder")
        root.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links in a parent (Python 3.11)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "a loop of symbolic links"
        raise TracetuiError(f"{name} cannot hold the demo ({why})") from None
    repo = root / "demo-shop"
    build_repo(repo)
    logs_dir = root / "logs"
    cwd = str(repo)
    logs.claude_session(logs_dir / "claude", cwd)
    logs.codex_session(logs_dir / "codex", cwd)
    logs.pi_session(logs_dir / "pi", cwd)
    sources = {
        "claude": [logs_dir / "claude" / "projects"],
        "codex": [logs_dir / "codex" / "sessions"],
        "pi": [logs_dir / "pi" / "sessions"],
    }
    return Demo(root, repo, root / "bucket", sources)


def open_library(demo: Demo) -> Any:
    """The demo's bucket, synced."""
    from tracetui.bucket import Bucket

    bucket = Bucket.open(demo.bucket)
    bucket.sync(sources=demo.sources)
    return bucket


def memory_library(demo: Demo) -> Any:
    """The demo's sessions read straight from its logs, with no bucket in between."""
    from tracetui.sources import group, read_session
    from tracetui.library import MemoryLibrary

    sessions = []
    for agent, folders in demo.sources.items():
        paths = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())
        for files in group(agent, paths):
            sessions.append(read_session(files))
    return MemoryLibrary(sessions)


@contextmanager
def throwaway_demo() -> Iterator[Demo]:
    """A demo built in a fresh temporary folder, removed when the block ends."""
    sweep_stale_demos(Path(tempfile.gettempdir()))
    root = Path(tempfile.mkdtemp(prefix=f"{DEMO_PREFIX}{os.getpid()}-"))
    try:
        yield build(root / "demo")
    finally:
        shutil.rmtree(root, ignore_errors=True)


DEMO_PREFIX = "tracetui-demo-"


def sweep_stale_demos(tmp: Path) -> None:
    """Remove demo folders whose `tracetui demo` is gone.

    A demo removes its folder when it ends, but not when it is killed (a closed terminal window
    sends SIGHUP, and Python runs no `finally` then). Each folder is named after its process, so
    the next demo removes those whose process no longer runs, and only the user's own.
    """
    for folder in tmp.glob(f"{DEMO_PREFIX}*-*"):
        pid_text = folder.name[len(DEMO_PREFIX) :].split("-", 1)[0]
        try:
            if not pid_text.isdigit() or folder.is_symlink() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # alive under another user (PermissionError), or the folder just went
