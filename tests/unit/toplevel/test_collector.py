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


def _frozen(obj: object) -> bool:
    """Whether the collector has `obj` frozen: tracked, yet in none of its generations."""
    return gc.is_tracked(obj) and all(o is not obj for o in gc.get_objects())


def test_a_sync_leaves_a_kept_out_session_frozen_and_freezes_nothing_more(tmp_path, monkeypatch, collector_on):
    """Before, a sync that followed a kept-out session froze everything alive for good: a long-lived
    process's frozen generation grew with every sync, and counting it cost each sync a walk of it."""
    monkeypatch.setattr(collector, "FREEZE_FROM", 1)
    keep = [[i] for i in range(1000)]  # stands for a big session the app shows, frozen when read
    collector.keep_out(len(keep))
    made_after = [[0]]  # alive across the sync, made after the session was kept out
    try:
        src = FIXTURES / "claude" / "projects"
        for _ in range(2):
            assert main(["--bucket", str(tmp_path / "bucket"), "sync", "--source", f"claude={src}"]) == 0
        assert _frozen(keep), "the kept-out session was handed back to the full collections"
        assert not _frozen(made_after), "a sync froze what was alive for good"
    finally:
        gc.unfreeze()
        monkeypatch.setattr(collector, "_kept_out", False)


def test_a_sync_thaws_what_it_froze_when_nothing_was_kept_out(tmp_path, collector_on):
    alive = [[0]]
    src = FIXTURES / "claude" / "projects"
    assert main(["--bucket", str(tmp_path / "bucket"), "sync", "--source", f"claude={src}"]) == 0
    assert not _frozen(alive) and gc.get_freeze_count() == 0
