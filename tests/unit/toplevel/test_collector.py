"""The cyclic garbage collector is kept out of the way of a big session being read: reading it
leaves the collector as it was and freezes the steps out of later full collections (a million steps
read in the app's worker set off full collections of up to 5 s each, every one freezing the UI)."""

from __future__ import annotations

import gc
import threading

from shared_data import FIXTURES

from tracetui import collector
from tracetui.bucket import Bucket
from tracetui.cli import main


def test_paused_nests_across_threads_and_puts_the_collector_back_as_it_was(collector_on):
    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with collector.paused():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    with collector.paused():
        thread.start()
        inside.wait(5)
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's work is still under way
    leave.set()
    thread.join()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()


def test_a_session_read_whole_is_frozen_out_of_full_collections(tmp_path, monkeypatch, collector_on):
    bucket_dir = tmp_path / "bucket"
    src = FIXTURES / "claude" / "projects"
    assert main(["--bucket", str(bucket_dir), "sync", "--source", f"claude={src}"]) == 0
    bucket = Bucket.open(bucket_dir)
    [row, *_] = sorted(bucket.list_sessions(), key=lambda r: -r.steps)
    monkeypatch.setattr(collector, "FREEZE_FROM", 1)  # the fixture's few steps stand for a million
    gc.unfreeze()
    collections: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        session = bucket.session(row.id)
        frozen = gc.get_freeze_count()
    finally:
        gc.callbacks.remove(seen)
        gc.unfreeze()
    assert session.steps and gc.isenabled()
    assert frozen >= len(session.steps), "the steps read stay in the collector's generations"
    assert collections == [], "a collection ran while the steps were made"


def test_a_sync_leaves_frozen_what_was_frozen_before_it(tmp_path, collector_on):
    gc.unfreeze()
    keep = [[i] for i in range(1000)]  # stands for a big session the app shows, frozen when read
    gc.freeze()
    before = gc.get_freeze_count()
    try:
        src = FIXTURES / "claude" / "projects"
        assert main(["--bucket", str(tmp_path / "bucket"), "sync", "--source", f"claude={src}"]) == 0
        assert gc.get_freeze_count() >= before and keep
    finally:
        gc.unfreeze()
