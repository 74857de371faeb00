"""The bucket's own files when someone else wrote them: each replaced by a FIFO (a plain open() would
wait for a writer for ever), by garbage, or by a symlink to a file outside. Every command ends, in
one clear line where it must say something, the session stays listed, and nothing outside the
bucket is written."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from shared_data import FIXTURES
from support.cli_zygote import forked_cli

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
SID = "0199aaaa-1111-7222-8333-444455556666"


def _cli(bucket: Path, *argv: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    # A child process, so that a read that blocks fails the test instead of hanging the run.
    return forked_cli("--bucket", str(bucket), *argv, timeout=timeout)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("own")
    src = tmp / "src"
    src.mkdir()
    shutil.copy(FIXTURES / "codex" / "current.jsonl", src / "rollout-2025-10-01T09-00-00-0199aaaa.jsonl")
    bucket = tmp / "b"
    assert _cli(bucket, "sync", "--source", f"codex={src}").returncode == 0
    assert _cli(bucket, "review").returncode == 0  # plans, the review key, the scan cache
    return bucket, src


def _fresh(made: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    bucket, src = made
    shutil.copytree(bucket, tmp_path / "b", symlinks=True)
    return tmp_path / "b", src


def _one(bucket: Path, pattern: str) -> Path:
    found = sorted(bucket.glob(pattern))
    assert found, pattern
    return found[0]


COMMANDS = [["ls"], ["show", SID[:8]], ["search", "todo"], ["doctor"], ["sync"], ["ls"]]
OWN = [
    "raw/*.json", "raw/*.zst", "resume/*.zst", "staged/codex/zst-state.json", "removed.json", "steps-*.sqlite"
]
REDACT = ["plans/*.plan.json", "plans/review.key", "cache/scan-cache/*.json"]


@pytest.mark.parametrize("pattern", OWN)
def test_a_fifo_in_place_of_a_bucket_file_blocks_no_command(made, tmp_path, pattern):
    bucket, src = _fresh(made, tmp_path)
    target = bucket / pattern if "*" not in pattern else _one(bucket, pattern)
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    for argv in COMMANDS:
        argv = [*argv, "--source", f"codex={src}"] if argv == ["sync"] else argv
        done = _cli(bucket, *argv)
        assert "Traceback" not in done.stderr, (argv, done.stderr[-500:])
        assert len(done.stderr.splitlines()) <= 3, (argv, done.stderr)
    assert SID in _cli(bucket, "ls").stdout


@pytest.mark.parametrize("pattern", REDACT)
def test_a_fifo_in_place_of_a_redaction_file_blocks_no_review(made, tmp_path, pattern):
    bucket, _ = _fresh(made, tmp_path)
    target = _one(bucket, pattern)
    target.unlink()
    os.mkfifo(target)
    try:
        done = _cli(bucket, "review", timeout=8)
    except subprocess.TimeoutExpired:
        pytest.fail("review waited on a FIFO")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("how", ["garbage", "symlink out", "symlink to /dev/zero"])
@pytest.mark.parametrize("pattern", ["steps-*.sqlite", "index.sqlite", "raw/*.json"])
def test_a_bucket_file_replaced_by_garbage_or_a_symlink_is_healed_without_touching_its_target(
    made, tmp_path, pattern, how
):
    bucket, src = _fresh(made, tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    target = _one(bucket, pattern)
    target.unlink()
    if how == "garbage":
        target.write_bytes(os.urandom(5000))
    else:
        target.symlink_to(victim if how == "symlink out" else Path("/dev/zero"))
    for argv in (["ls"], ["search", "todo"], ["sync", "--source", f"codex={src}"], ["doctor"]):
        done = _cli(bucket, *argv)
        assert "Traceback" not in done.stderr, (argv, done.stderr[-500:])
    assert SID in _cli(bucket, "ls").stdout
    assert victim.read_text() == "precious\n"
