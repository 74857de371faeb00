"""An export folder is someone else's as often as ours (a dataset cloned to add to, an export
received to `--check`): its `manifest.json` was read whole, and a sparse file of 1.5 GB in its place
made `export --check` and an export into the folder die of a MemoryError with a traceback (under a
1 GB address limit). It is read up to the 256 MB a dataset's manifests are read to now (a manifest of a
million files is about 200 MB), and one past that is one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support.bounded_cli import bounded_cli
from support.fixture_bucket import synced

def _cli(tmp: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return bounded_cli(tmp, *argv, timeout=120)


@pytest.mark.parametrize("command", ["check", "export into"])
def test_a_huge_export_manifest_is_one_line(tmp_path, command):
    bucket = synced(tmp_path, lambda argv: _cli(tmp_path, *argv).returncode)
    dest = tmp_path / "out"
    assert _cli(tmp_path, *bucket, "export", "--format", "atif", "--accept-suggested", str(dest)).returncode == 0
    with open(dest / "manifest.json", "ab") as fh:
        fh.truncate(1536 << 20)
    if command == "check":
        out = _cli(tmp_path, "export", "--check", str(dest))
    else:
        out = _cli(tmp_path, *bucket, "export", "--format", "atif", "--accept-suggested", str(dest))
    assert "Traceback" not in out.stderr and "MemoryError" not in out.stderr, out.stderr[-400:]
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "manifest" in out.stderr, out.stderr[-400:]
