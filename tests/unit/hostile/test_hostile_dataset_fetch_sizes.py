"""A machine exporting into a team dataset from a new staging folder (a wiped cache, another clone)
first fetches its part from the dataset, as the dataset's manifest for it lists it. Every member can
write that manifest: it named files of any size and the fetch copied each whole into the user's cache
folder, however large (a file longer than its manifest said was copied whole too, then found
changed). The fetch now refuses, in one line and before a byte is copied, a file over 2 GiB, over
16 GiB in all, or more than the cache's disk can spare, and stops a file past the size its manifest
states. Found 2026-11-28 by a red team with a forged manifest."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import tracetui.dataset.publish  # noqa: F401 (the module: `tracetui.dataset.publish` is a function)
from tracetui.dataset.location import open_location
from tracetui.errors import TracetuiError
from tracetui.export.manifest import FORMAT

publish = sys.modules["tracetui.dataset.publish"]
MACHINE = "alpha"
PART = "data/sessions/machine=alpha/agent=pi/month=2026-05/part-{:05d}.parquet"


def _dataset(root: Path, files: dict[str, bytes], sizes: dict[str, int]) -> bytes:
    """A dataset folder holding `files` for machine alpha and a manifest stating `sizes` for them."""
    entries = {}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        entries[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": sizes.get(rel, len(data))}
    manifest = json.dumps({"format": FORMAT, "files": entries, "sessions": {}, "groups": {}}).encode()
    (root / "machines" / MACHINE).mkdir(parents=True)
    (root / "machines" / MACHINE / "manifest.json").write_bytes(manifest)
    return manifest


def _refused(root: Path, staging: Path, manifest: bytes) -> str:
    with pytest.raises(TracetuiError) as caught:
        publish._align(open_location(f"file://{root}"), MACHINE, staging, manifest)
    assert "\n" not in str(caught.value) and "nothing fetched" in str(caught.value)
    assert not staging.exists() or not any(p.is_file() and p.suffix == ".parquet" for p in staging.rglob("*"))
    return str(caught.value)


def test_a_file_stated_past_the_bound_is_refused_before_a_byte_is_copied(tmp_path):
    rel = PART.format(0)
    manifest = _dataset(tmp_path / "ds", {rel: b"PAR1 small PAR1"}, {rel: 3 << 30})
    assert "2 GiB a file" in _refused(tmp_path / "ds", tmp_path / "staging", manifest)


def test_files_stated_past_the_total_are_refused_before_a_byte_is_copied(tmp_path):
    files = {PART.format(n): b"PAR1 small PAR1" for n in range(9)}  # 9 of 2 GiB: 18 GiB
    manifest = _dataset(tmp_path / "ds", files, dict.fromkeys(files, 2 << 30))
    assert "16 GiB in all" in _refused(tmp_path / "ds", tmp_path / "staging", manifest)


def test_a_file_longer_than_its_manifest_says_is_not_copied_past_it(tmp_path, monkeypatch):
    rel, ok = PART.format(0), PART.format(1)
    manifest = _dataset(tmp_path / "ds", {rel: b"x" * (4 << 20), ok: b"PAR1 fine PAR1"}, {rel: 10})
    read: list[int] = []
    kind = type(open_location(f"file://{tmp_path}"))
    real_open = kind.open_read

    class Counted:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def __enter__(self) -> Counted:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def read(self, n: int = -1) -> bytes:
            data: bytes = self.fh.read(n)
            read.append(len(data))
            return data

    monkeypatch.setattr(kind, "open_read", lambda self, name: Counted(real_open(self, name)))
    staging = tmp_path / "staging"
    fetched = publish._align(open_location(f"file://{tmp_path / 'ds'}"), MACHINE, staging, manifest)
    assert fetched == 1 and (staging / ok).is_file() and not (staging / rel).exists()
    assert sum(read) < (1 << 20), sum(read)  # the 4 MiB file was read no further than past its 10 bytes
