"""A link in a watched source folder. `tracetui watch` and the live app watched the agents' folders
with watchfiles, which follows links down: a link in a source folder to /usr had all 15,500 of its
folders watched, and a link to / asks for every folder of the machine, the user's whole allowance of
inotify watches (their editor and dev servers share it) and minutes of walking, on every start. The
sync already refuses a log linked out of its folder; the watch now follows no link either, and still
sees a folder made after it started."""

from __future__ import annotations

import glob
import os
import threading
import time
from pathlib import Path

import pytest

from tracetui.cli import watch as cli_watch


def _inotify_watches() -> int:
    count = 0
    for fd in glob.glob("/proc/self/fd/*"):
        try:
            if os.readlink(fd) == "anon_inode:inotify":
                with open(f"/proc/self/fdinfo/{os.path.basename(fd)}") as fh:
                    count += fh.read().count("inotify wd:")
        except OSError:
            continue
    return count


def _elsewhere(top: Path, folders: int) -> Path:
    for i in range(folders):
        (top / f"d{i}" / "deeper").mkdir(parents=True)
    return top


@pytest.fixture
def source(tmp_path):
    source = tmp_path / "projects"
    (source / "shop").mkdir(parents=True)
    (source / "shop" / "s.jsonl").write_text("{}\n")
    os.symlink(_elsewhere(tmp_path / "elsewhere", 300), source / "shop" / "link")
    return source


def _watching(source: Path, seen: list, stop: threading.Event) -> threading.Thread:
    def run() -> None:
        for batch in cli_watch.watch_changes([source], stop):
            seen.append(batch)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_watch_follows_no_link_out_of_a_source_folder(source):
    before = _inotify_watches()
    seen: list = []
    stop = threading.Event()
    thread = _watching(source, seen, stop)
    try:
        time.sleep(1.5)
        watches = _inotify_watches() - before
        assert 0 < watches < 10, f"{watches} inotify watches for a source of two folders"
    finally:
        stop.set()
        thread.join(10)


def test_a_folder_made_while_watching_is_watched_too(source):
    seen: list = []
    stop = threading.Event()
    thread = _watching(source, seen, stop)
    try:
        time.sleep(1.0)
        (source / "new").mkdir()
        time.sleep(1.5)
        (source / "new" / "t.jsonl").write_text("{}\n")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            b and any(p.endswith("t.jsonl") for _, p in b) for b in seen
        ):
            time.sleep(0.1)
        assert any(b and any(p.endswith("t.jsonl") for _, p in b) for b in seen), seen
        assert None in seen  # the folder's coming was a whole sync's cue
    finally:
        stop.set()
        thread.join(10)
