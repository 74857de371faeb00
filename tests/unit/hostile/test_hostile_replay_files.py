"""A replay's clone is the capsule's to write between steps: the app runs the user's check after any
step (sandboxed, but the clone is writable), and the capsule's code may leave a FIFO or a huge file
where a later patch creates or edits one. Reading it blocked the apply worker for ever (and with it
the replay screen's lock) or read gigabytes into memory; the patch is now refused with a reason."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from tracetui.capsule.apply import MAX_FILE_BYTES, apply_patch


def _apply(root: Path, patch: dict[str, Any]) -> str | None:
    box: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: box.setdefault("reason", apply_patch(root, patch)), daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():
        try:  # release the blocked reader so the run can end
            os.close(os.open(root / str(patch["path"]), os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        pytest.fail("applying the patch blocked")
    return box["reason"]


CREATE = {"step": "s1", "path": "made.txt", "op": "create", "hunks": [{"lines": ["+hello"]}]}
UPDATE = {"step": "s1", "path": "made.txt", "op": "update", "old_start": 1,
          "hunks": [{"old_start": 1, "lines": ["-a", "+b"]}]}  # fmt: skip


@pytest.mark.parametrize("patch", [CREATE, {**CREATE, "op": "write"}], ids=["create", "write"])
def test_a_fifo_where_a_patch_creates_a_file_is_a_reason(tmp_path, patch):
    os.mkfifo(tmp_path / "made.txt")
    reason = _apply(tmp_path, patch)
    assert reason is not None and "regular file" in reason


@pytest.mark.parametrize("patch", [CREATE, UPDATE], ids=["create", "update"])
def test_a_huge_file_where_a_patch_reads_is_a_reason_not_gigabytes_read(tmp_path, patch):
    with open(tmp_path / "made.txt", "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk, only the memory of reading it (gigabytes as well)
    reason = _apply(tmp_path, patch)
    assert reason is not None and "too large" in reason
    assert (tmp_path / "made.txt").stat().st_size == MAX_FILE_BYTES + 1


def test_an_ordinary_file_is_still_patched(tmp_path):
    (tmp_path / "made.txt").write_text("a\n")
    assert _apply(tmp_path, UPDATE) is None
    assert (tmp_path / "made.txt").read_text() == "b\n"
