"""The caches of the trail's verdicts (`cache/trail/`) and of each session's cost per surviving line
(`cache/line-cost/`) are bucket files like the rest, anyone's who has the folder: each was read with
a plain read. A FIFO put in place of one blocked `show`, `trail` and `eval` for ever, and a sparse
file of gigabytes took the memory. A cache that is no regular file of a sane size is no cache now:
the figure is worked out again.

Each command runs in a child under a 1 GB address-space limit and a timeout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support.bounded_cli import bounded_cli
from support.fixture_bucket import EDITED, synced
from support.small_repo import one_file_repo

def _cli(tmp: Path, bucket: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return bounded_cli(tmp, "--bucket", str(bucket), *argv, timeout=60)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("caches")
    repo = one_file_repo(tmp, *EDITED)
    synced(tmp, lambda argv: bounded_cli(tmp, *argv, timeout=60).returncode, repo)
    bucket = tmp / "b"
    assert _cli(tmp, bucket, "trail", "33333333").returncode == 0
    return bucket


CASES = [(folder, kind) for folder in ("cache/trail", "cache/line-cost") for kind in ("fifo", "huge")]


@pytest.mark.parametrize(("folder", "kind"), CASES)
def test_a_cache_that_is_no_regular_file_is_none(made, tmp_path, folder, kind):
    bucket = tmp_path / "b"
    shutil.copytree(made, bucket, symlinks=True)
    found = sorted((bucket / folder).glob("*.json"))
    assert found, folder
    for path in found:
        path.unlink()
        if kind == "fifo":
            os.mkfifo(path)
        else:
            with open(path, "wb") as fh:
                fh.truncate(1536 << 20)
    for argv in (["show", "33333333"], ["trail", "33333333"], ["eval", "--by", "agent"], ["ls"], ["cost"]):
        out = _cli(tmp_path, bucket, *argv)  # a FIFO read never returns: the timeout fails the test
        assert out.returncode == 0 and "Traceback" not in out.stderr, (argv, out.stderr[-400:])
