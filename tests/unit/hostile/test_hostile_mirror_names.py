"""A remote dataset's object keys become local paths when `sql --dataset` copies its tables into the
cache folder (tracetui.dataset.mirror). Only `/` was taken for a separator: on POSIX a backslash is a
character of a name (test_hostile_dataset_s3 reads `..\\..\\x.parquet` as one file, by design), but
on Windows it separates, so that key climbed out of the cache folder there, and `C:\\…` named
another drive. A key whose parts the local file system reads otherwise than `/` does is
refused now, in one line; on POSIX nothing changes."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pytest

from tracetui.dataset import mirror
from tracetui.dataset.location import open_location
from tracetui.errors import TracetuiError

PART = "data/sessions/machine=x/agent=pi/month=2026-01"
KEYS = [
    f"{PART}/..\\..\\..\\..\\..\\..\\escape.parquet",
    f"{PART}/C:\\Windows\\escape.parquet",
    f"{PART}/\\\\server\\share\\escape.parquet",
]


@pytest.mark.parametrize("rel", KEYS)
def test_a_key_windows_reads_as_other_parts_is_refused_there(tmp_path, monkeypatch, rel):
    location = open_location(str(tmp_path))
    monkeypatch.setattr(mirror, "PurePath", PureWindowsPath, raising=False)  # the local flavour
    with pytest.raises(TracetuiError, match="no local path") as caught:
        mirror._check_rel(location, rel)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("rel", KEYS)
def test_on_posix_such_a_key_stays_one_name(tmp_path, monkeypatch, rel):
    location = open_location(str(tmp_path))
    monkeypatch.setattr(mirror, "PurePath", PurePosixPath, raising=False)
    mirror._check_rel(location, rel)  # a backslash and a colon are characters of a POSIX name
