"""The files of the bucket that sealing reads, planted as a FIFO or a link to a device: the capsule
key (`capsule.key`) and the second gate's memo (`cache/gate/*.json`). Each blocked `seal` for ever;
now the key is one line and the memo, a cache, is read as empty."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support.cli_zygote import forked_cli
from support.fixture_bucket import synced


def _tracetui(*args: str) -> subprocess.CompletedProcess[str]:
    """In a child: a read of a FIFO never returns, which the timeout turns into a failure. Forked from
    the worker's warm CLI (cli_zygote.py): what a new Python would do, without its imports."""
    return forked_cli(*args, timeout=60)


@pytest.fixture
def sealed_once(tmp_path):
    bucket = synced(tmp_path, lambda argv: _tracetui(*argv).returncode)
    assert _tracetui(*bucket, "seal", "33333333", "-o", str(tmp_path / "first.capsule")).returncode == 0
    return bucket, tmp_path / "b"


def _plant(path: Path, odd: str) -> None:
    path.unlink()
    if odd == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


@pytest.mark.parametrize("odd", ["fifo", "device"])
def test_a_capsule_key_that_is_no_file_is_one_line(sealed_once, tmp_path, odd):
    bucket, root = sealed_once
    _plant(root / "capsule.key", odd)
    out = _tracetui(*bucket, "seal", "33333333", "-o", str(tmp_path / "again.capsule"))
    assert out.returncode == 1, out.stderr[-300:]
    assert out.stderr.count("\n") == 1 and "capsule.key" in out.stderr
    assert not (tmp_path / "again.capsule").exists()


@pytest.mark.parametrize("odd", ["fifo", "device"])
def test_a_gate_memo_that_is_no_file_is_read_as_empty_and_the_seal_made(sealed_once, tmp_path, odd):
    bucket, root = sealed_once
    (memo,) = (root / "cache" / "gate").glob("*.json")
    _plant(memo, odd)
    out = _tracetui(*bucket, "seal", "33333333", "-o", str(tmp_path / "again.capsule"))
    assert out.returncode == 0, out.stderr[-300:]
    assert (tmp_path / "again.capsule").read_bytes() == (tmp_path / "first.capsule").read_bytes()
