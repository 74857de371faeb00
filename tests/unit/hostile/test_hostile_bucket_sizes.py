"""The bucket's own files when someone else wrote them (a bucket copied from another machine, a
shared one): each replaced by a sparse file of 1.5 GB, which costs no disk. They were read whole,
and `ls`, `review`, `seal`, `sync` and `doctor` died of a MemoryError with a traceback (under a 1 GB
address limit; the machine's memory without one). Now each is read up to a size its kind never
reaches: a cache or a state past it is none, anything else is damage said in one line.

tests/unit/hostile/test_hostile_bucket_files.py does the same for FIFOs, garbage and links."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from shared_data import FIXTURES
from support.bounded_cli import bounded_cli

SID = "0199aaaa-1111-7222-8333-444455556666"
def _cli(tmp: Path, bucket: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return bounded_cli(tmp, "--bucket", str(bucket), *argv, timeout=120)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("sizes")
    src = tmp / "src"
    src.mkdir()
    shutil.copy(FIXTURES / "codex" / "current.jsonl", src / "rollout-2025-10-01T09-00-00-0199aaaa.jsonl")
    bucket = tmp / "b"
    assert _cli(tmp, bucket, "sync", "--source", f"codex={src}").returncode == 0
    assert _cli(tmp, bucket, "review").returncode == 0
    assert _cli(tmp, bucket, "rate", SID[:8], "good").returncode == 0
    assert _cli(tmp, bucket, "seal", SID[:8], "--accept-suggested", "-o", str(tmp / "c.capsule")).returncode == 0
    assert _cli(tmp, bucket, "rm", SID[:8], "--yes").returncode == 0
    assert _cli(tmp, bucket, "sync", "--source", f"codex={src}").returncode == 0
    (bucket / "removed.json").write_text("[]")  # the session back, its record of removal kept
    assert _cli(tmp, bucket, "sync", "--source", f"codex={src}").returncode == 0
    assert _cli(tmp, bucket, "export", "--format", "parquet", "--accept-suggested", str(tmp / "x")).returncode == 0
    return bucket, src


FILES = [
    "cache/gate/*.json", "cache/scan-cache/pending/*.json", "capsule.key", "plans/*.plan.json",
    "plans/review.key", "ratings.jsonl", "raw/*.json", "staged/codex/zst-state.json", "removed.json",
    "cache/cards/*.md",
]  # fmt: skip


@pytest.mark.parametrize("pattern", FILES)
def test_a_huge_bucket_file_is_never_read_whole(made, tmp_path, pattern):
    source, src = made
    bucket = tmp_path / "b"
    shutil.copytree(source, bucket, symlinks=True)
    found = sorted(bucket.glob(pattern))
    assert found, pattern
    with open(found[0], "wb") as fh:
        fh.truncate(1536 << 20)
    commands = [["ls"], ["show", SID[:8]], ["review"], ["doctor"], ["sync", "--source", f"codex={src}"],
                ["seal", SID[:8], "--accept-suggested", "-o", str(tmp_path / "d.capsule")],
                ["export", "--format", "parquet", "--accept-suggested", str(tmp_path / "e")]]  # fmt: skip
    for argv in commands:
        out = _cli(tmp_path, bucket, *argv)
        assert "Traceback" not in out.stderr and "MemoryError" not in out.stdout + out.stderr, (argv, out.stderr[-400:])
        assert out.returncode in (0, 1), (argv, out.returncode, out.stderr[-400:])
        if out.returncode == 1:
            assert out.stderr.count("\n") <= 2, (argv, out.stderr[-400:])  # a line, and the findings' hint
