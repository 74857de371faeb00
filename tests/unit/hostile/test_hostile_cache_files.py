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
from shared_data import FIXTURES
from support.bounded_cli import bounded_cli

def _cli(tmp: Path, bucket: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return bounded_cli(tmp, "--bucket", str(bucket), *argv, timeout=60)


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@b"}  # fmt: skip
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("caches")
    repo = tmp / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.ts").write_text("const b = 2;\n")
    _git(repo, "add", "a.ts")
    _git(repo, "commit", "-qm", "init")
    src = tmp / "src"
    src.mkdir()
    log = (FIXTURES / "pi" / "v3_tree.jsonl").read_text()
    (src / "a.jsonl").write_text(log.replace("/work/proj", str(repo)).replace("src/a.ts", "a.ts"))
    bucket = tmp / "b"
    assert _cli(tmp, bucket, "sync", "--source", f"pi={src}").returncode == 0
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
