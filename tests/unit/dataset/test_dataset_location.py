"""A dataset's place and a machine's id (docs/dataset.md): URLs open or say in one line what is
missing, the id is stable and never the host's name, and a machine writes only under its own prefixes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tracetui.dataset import is_url, machine_id, open_location
from tracetui.dataset.publish import remote_rel
from tracetui.errors import TracetuiError


def test_urls_and_folders_open_on_their_filesystem(tmp_path):
    local = open_location(tmp_path / "ds")
    assert local.local and local.root == str(tmp_path / "ds")
    assert open_location(f"file://{tmp_path}/ds").root == str(tmp_path / "ds")
    assert local.table_glob("steps") == f"{tmp_path}/ds/data/steps/machine=*/*/*/*.parquet"
    assert is_url("s3://b/x") and is_url("hf://datasets/a/b") and not is_url(str(tmp_path))
    with pytest.raises(TracetuiError, match="unknown table"):
        local.table_glob("secrets")


def test_a_url_whose_filesystem_is_missing_says_which_extra(monkeypatch):
    import fsspec.core

    def missing(url, **kw):
        raise ImportError("Install gcsfs to access Google Storage")

    monkeypatch.setattr(fsspec.core, "url_to_fs", missing)
    with pytest.raises(TracetuiError) as caught:
        open_location("gs://team/ds")
    assert str(caught.value) == "gs:// datasets need gcsfs (pip install 'tracetui[gcs]')"


def test_a_url_naming_no_folder_is_refused():
    with pytest.raises(TracetuiError, match="names no folder"):
        open_location("memory://")


def test_the_machine_id_is_stable_hashed_and_never_the_host_name(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("TRACETUI_MACHINE", raising=False)
    monkeypatch.setattr(socket, "gethostname", lambda: "alices-laptop")
    first = machine_id()
    assert first.startswith("m-") and len(first) == 14 and "alice" not in first
    monkeypatch.setattr(socket, "gethostname", lambda: "renamed")
    assert machine_id() == first  # kept in the state folder: the partition never moves
    # Another account on the same host: its own state folder, its own id (its own partition).
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "bob-state"))
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "bob"))
    assert machine_id() not in (first, "")
    assert machine_id("build-7") == "build-7"
    monkeypatch.setenv("TRACETUI_MACHINE", "ci.runner_2")
    assert machine_id() == "ci.runner_2"
    for bad in ("../x", "Alice", "a/b", "x" * 65, "a\x1bb"):
        with pytest.raises(TracetuiError, match="machine name"):
            machine_id(bad)


def test_a_machine_writes_only_under_its_own_prefixes():
    assert remote_rel("data/sessions/machine=me/agent=pi/month=2026-01/part-00000.parquet", "me").startswith("data/")
    assert remote_rel("manifest.json", "me") == "machines/me/manifest.json"
    assert remote_rel("receipts/pi/x.json", "me") == "machines/me/receipts/pi/x.json"
    for rel in ("data/sessions/machine=other/agent=pi/month=2026-01/part-00000.parquet",
                "data/sessions/agent=pi/month=2026-01/part-00000.parquet", "data/secrets/machine=me/a/b.parquet"):
        with pytest.raises(TracetuiError, match="not under this machine's partition"):
            remote_rel(rel, "me")
