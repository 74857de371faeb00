"""`tracetui watch` syncs what the watcher saw change: one log written among many is one group read."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import orjson
import pytest

import tracetui.cli.watch as watch
import tracetui.sources as readers
from shared_data import FIXTURES
from tracetui.bucket import Bucket
from tracetui.bucket import store as store_mod

PI_ID = "7d1e5b3a-2c4f-4e8a-9b6d-0f1a2b3c4d5e"


def _pi_logs(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    src = next((FIXTURES / "bucket" / "pi").glob("*.jsonl"))
    data = src.read_bytes()
    out = []
    for i in range(count):
        sid = f"{i:08x}" + PI_ID[8:]
        path = folder / src.name.replace(PI_ID, sid)
        path.write_bytes(data.replace(PI_ID.encode(), sid.encode()))
        out.append(path)
    return out


def _line(text: str) -> bytes:
    rec = {"type": "message", "id": "w1", "parentId": "e2", "timestamp": "2026-01-06T09:01:00.000Z",
           "message": {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 1767690060000}}  # fmt: skip
    return orjson.dumps(rec) + b"\n"


def _spy_reads(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[int]]:
    """The logs whose session is read, and how many sidecars are loaded, from here on."""
    read: list[str] = []
    sidecars = [0]
    real_reader, load, load_all = readers.reader, store_mod.Store.load, store_mod.Store.load_all

    class Spy:
        def __init__(self, real):
            self._real = real

        def __getattr__(self, name):
            return getattr(self._real, name)

        def read(self, main, companions):
            read.append(main.path)
            return self._real.read(main, companions)

        def resume(self, previous, main, companions):
            read.append(main.path)
            return self._real.resume(previous, main, companions)

    def counted_load(store, agent, path):
        sidecars[0] += 1
        return load(store, agent, path)

    def counted_load_all(store):
        got = load_all(store)
        sidecars[0] += len(got)
        return got

    monkeypatch.setattr(readers, "reader", lambda agent: Spy(real_reader(agent)))
    monkeypatch.setattr(store_mod.Store, "load", counted_load)
    monkeypatch.setattr(store_mod.Store, "load_all", counted_load_all)
    return read, sidecars


def test_watch_reads_only_the_group_of_the_path_the_watcher_names(tmp_path, monkeypatch, capsys):
    logs = _pi_logs(tmp_path / "pi", 40)
    bucket_dir = tmp_path / "bucket"
    with Bucket.open(bucket_dir) as bucket:
        bucket.sync({"pi": [tmp_path / "pi"]}, workers=1)  # the first sync was done before
    changed = logs[11]
    counts: dict[str, Any] = {}

    def fake_watcher(folders, stop):
        assert folders == [tmp_path / "pi"]
        # What watchfiles reports after the debounce: a set of (change, path), here one log written.
        with open(changed, "ab") as fh:
            fh.write(_line("one line among forty logs"))
        read, sidecars = _spy_reads(monkeypatch)
        counts["read"], counts["sidecars"] = read, sidecars
        yield {(2, str(changed))}
        counts["after"] = (list(read), sidecars[0])

    monkeypatch.setattr(watch, "watch_changes", fake_watcher)
    args = argparse.Namespace(bucket=str(bucket_dir), source=[f"pi={tmp_path / 'pi'}"])
    assert watch.run_watch(args) == 0
    read, loaded = counts["after"]
    assert read == [str(changed)]  # one group re-read, not forty
    assert loaded == 1  # and one sidecar looked at
    out = capsys.readouterr().out.splitlines()
    assert out and out[-1].endswith("0 new, 1 updated")
    with Bucket.open(bucket_dir) as bucket:
        steps = bucket.session(f"{11:08x}" + PI_ID[8:]).steps
        assert steps[-1].text == "one line among forty logs"


def test_a_watched_sync_is_whole_now_and_then_for_changes_the_watcher_missed(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(watch.time, "monotonic", lambda: clock[0])
    scope = watch.Scope()
    assert scope.paths({"/a.jsonl"}) == {"/a.jsonl"}
    assert scope.paths(None) is None  # a sync on request is whole
    clock[0] += watch.WHOLE_EVERY - 1
    assert scope.paths({"/a.jsonl"}) == {"/a.jsonl"}
    clock[0] += 1
    assert scope.paths({"/a.jsonl"}) is None  # ten minutes since the last whole sync
    assert scope.paths({"/b.jsonl"}) == {"/b.jsonl"}


def test_a_line_written_before_the_watch_is_made_is_synced_once_it_is(tmp_path):
    """`tracetui watch` syncs, says it is watching, then makes the watch: a line written in between
    named no change, and waited for the next one. The watch's first answer is now the whole folders."""
    import threading
    import time

    from tracetui.folder_watch import watch as folder_watch

    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(_line("synced"))
    stop = threading.Event()
    answers = folder_watch([folder], stop)
    (folder / "a.jsonl").write_bytes(_line("written before the watch was made"))
    timer = threading.Timer(10, stop.set)  # a watch that never answers ends the test, not the run
    timer.start()
    started = time.monotonic()
    try:
        first = next(answers, "no answer")
    finally:
        stop.set()
        timer.cancel()
    assert first is None, first  # the whole folders
    assert time.monotonic() - started < 9
