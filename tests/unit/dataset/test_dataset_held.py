"""tracetui.dataset.held: a local dataset's listed files held open by descriptor while a read runs."""

from __future__ import annotations

import os

import pytest

from tracetui.dataset import held as held_module
from tracetui.dataset.held import held
from tracetui.errors import TracetuiError


def _files(root) -> list[str]:
    out = []
    for machine in ("a", "b"):
        for month in ("2026-01", "2026-02"):
            folder = root / "data" / "sessions" / f"machine={machine}" / f"month={month}"
            folder.mkdir(parents=True)
            (folder / "part-0.parquet").write_bytes(f"{machine}{month}".encode())
            out.append(str(folder / "part-0.parquet"))
    return out


def _open_now() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="Linux's /proc/self/fd")
def test_each_file_is_named_by_its_descriptor_until_the_block_ends(tmp_path):
    files = _files(tmp_path)
    before = _open_now()
    with held(str(tmp_path), [*files, "/elsewhere/own-cache.parquet"]) as names:
        assert all(n.startswith("/proc/self/fd/") for n in names[:-1])
        assert names[-1] == "/elsewhere/own-cache.parquet"  # not below the root: named as it is
        assert _open_now() == before + len(files)  # the files only: their folders are closed
        os.unlink(files[0])
        os.symlink("/etc/hostname", files[0])  # swapped once held: the file listed is still read
        with open(names[0], "rb") as fh:
            assert fh.read() == b"a2026-01"
    assert _open_now() == before


def test_a_link_where_a_folder_goes_is_refused_in_one_line(tmp_path):
    files = _files(tmp_path)
    month = tmp_path / "data" / "sessions" / "machine=b" / "month=2026-01"
    os.rename(month, tmp_path / "moved")
    os.symlink(tmp_path / "moved", month)
    with pytest.raises(TracetuiError) as caught, held(str(tmp_path), files):
        pass
    assert "machine=b/month=2026-01" in str(caught.value) and "\n" not in str(caught.value)


def test_a_path_climbing_out_of_the_root_is_refused(tmp_path):
    (tmp_path / "ds").mkdir()
    (tmp_path / "secret.parquet").write_bytes(b"x")
    with pytest.raises(TracetuiError, match="not a plain path"), held(str(tmp_path / "ds"),
                                                                    [f"{tmp_path}/ds/../secret.parquet"]):
        pass


def test_without_proc_the_files_are_checked_then_read_by_their_paths(tmp_path, monkeypatch):
    monkeypatch.setattr(held_module, "FD_FOLDER", str(tmp_path / "no-such-folder"))
    files = _files(tmp_path)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    with held(str(tmp_path), files) as names:
        assert names == files
        if os.path.isdir("/proc/self/fd"):
            assert len(os.listdir("/proc/self/fd")) == before  # checked and closed
    os.unlink(files[1])
    os.mkfifo(files[1])
    with pytest.raises(TracetuiError, match="not a regular file"), held(str(tmp_path), files):
        pass


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="Linux's memfd")
def test_every_block_reads_sealed_copies_within_one_budget_for_the_process(tmp_path, monkeypatch):
    files = _files(tmp_path)
    monkeypatch.setattr(held_module, "SNAPSHOT_BUDGET", sum(os.path.getsize(f) for f in files[:2]))
    with held(str(tmp_path), files[:2]) as first:
        with held(str(tmp_path), files[2:]) as second:  # another read at once: the budget is spent
            assert [os.readlink(n).startswith("/memfd:") for n in first + second] == [True] * 2 + [False] * 2
    with held(str(tmp_path), files[2:]) as third:  # given back as the blocks ended
        assert all(os.readlink(n).startswith("/memfd:tracetui-held") for n in third)
    assert held_module._COPIED == [0]
