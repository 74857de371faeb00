"""A plan file's digest vouched for by its stamp (`PlanStore.stamped_digest`): a re-export of 612
unchanged sessions read 68 MB of plans to learn nothing. The stamp must never stand for other bytes:
a file replaced, rewritten in place with its times set back, or too fresh to judge is read again."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tracetui import regular_file
from tracetui.redact import PlanStore

SID = "s-1"


@pytest.fixture
def store(tmp_path: Path) -> PlanStore:
    return PlanStore(tmp_path / "plans")


def _write(store: PlanStore, data: bytes) -> Path:
    path = store.path(SID)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled as soon as written: the tests cannot age a change time."""
    monkeypatch.setattr(regular_file, "SETTLE_NS", 0)


def _no_reads(monkeypatch: pytest.MonkeyPatch, store: PlanStore) -> None:
    def refuse(session_id: str) -> str | None:
        raise AssertionError("the plan was read")

    monkeypatch.setattr(store, "file_digest", refuse)


def test_an_unchanged_settled_plan_is_not_read_again(store, settled_at_once, monkeypatch) -> None:
    _write(store, b'{"plan": 1}')
    kept, digest = store.stamped_digest(SID, None)
    assert digest == _sha(b'{"plan": 1}') and kept is not None and kept[1] == digest
    _no_reads(monkeypatch, store)
    assert store.stamped_digest(SID, kept) == (kept, digest)


def test_a_plan_replaced_with_bytes_of_the_same_size_is_read_again(store, settled_at_once) -> None:
    path = _write(store, b'{"plan": 1}')
    kept, _ = store.stamped_digest(SID, None)
    fresh = path.with_suffix(".tmp")
    fresh.write_bytes(b'{"plan": 2}')
    os.replace(fresh, path)  # as save_plan writes: another inode
    assert store.stamped_digest(SID, kept)[1] == _sha(b'{"plan": 2}')


def test_a_plan_rewritten_in_place_with_its_times_set_back_is_read_again(store, settled_at_once) -> None:
    path = _write(store, b'{"plan": 1}')
    before = os.stat(path)
    kept, _ = store.stamped_digest(SID, None)
    time.sleep(0.03)  # past any file system clock's tick: the change time moves
    path.write_bytes(b'{"plan": 2}')  # same inode, same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a restored backup keeps times
    assert store.stamped_digest(SID, kept)[1] == _sha(b'{"plan": 2}')


def test_a_plan_changed_moments_ago_is_not_vouched_for(store) -> None:
    _write(store, b'{"plan": 1}')  # SETTLE_NS as shipped: written just now
    kept, digest = store.stamped_digest(SID, None)
    assert kept is None and digest == _sha(b'{"plan": 1}')


def test_no_plan_has_no_digest(store, settled_at_once) -> None:
    assert store.stamped_digest(SID, None) == (None, None)
    path = _write(store, b"{}")
    kept, _ = store.stamped_digest(SID, None)
    path.unlink()
    assert store.stamped_digest(SID, kept) == (None, None)


@pytest.mark.parametrize(
    "known",
    ["a string", 7, [], [None, "d"], [[1, 2], "d"], ["stamp", "digest"], [1, 2, 3], {"stamp": 1}],
    ids=repr,
)
def test_a_damaged_memo_costs_a_read_and_nothing_else(store, settled_at_once, known: Any) -> None:
    _write(store, b'{"plan": 1}')
    assert store.stamped_digest(SID, known)[1] == _sha(b'{"plan": 1}')


def test_a_memo_whose_digest_is_not_text_is_not_taken(store, settled_at_once) -> None:
    _write(store, b'{"plan": 1}')
    kept, _ = store.stamped_digest(SID, None)
    assert kept is not None
    assert store.stamped_digest(SID, [kept[0], 12345])[1] == _sha(b'{"plan": 1}')


def test_a_fifo_in_place_of_the_plan_neither_blocks_nor_has_a_digest(store, settled_at_once) -> None:
    path = store.path(SID)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    assert store.stamped_digest(SID, None) == (None, None)
