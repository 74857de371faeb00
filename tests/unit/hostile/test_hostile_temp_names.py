"""Files the bucket writes whole are written to a temporary file, then renamed into place. The
temporary file was named `.<name>.<pid>.tmp` and opened with a plain open(): the bucket is anyone's
who has the folder, and a link planted under that name (a process id is easy to guess, and a
planter can lay one for each) was written through, to any file it named, and then renamed into the
bucket: the review key went to the planter's file and stayed a link to it. The temporary files are
made fresh now (mkstemp: never an existing name, never through a link)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PID = 4242


def _review_key(folder: Path) -> None:
    from tracetui.redact.plan import PlanStore
    from tracetui.redact.review import review_key

    review_key(PlanStore(folder))


def _sidecar_like(folder: Path) -> None:
    from tracetui.bucket.store import _atomic_write

    _atomic_write(folder / "abc.json", b"{}")


WRITERS = {
    "the review key": ("review.key", _review_key),
    "a sidecar (store._atomic_write)": ("abc.json", _sidecar_like),
}


@pytest.mark.parametrize("what", list(WRITERS))
def test_a_link_planted_under_the_temporary_name_is_never_written_through(tmp_path, monkeypatch, what):
    name, write = WRITERS[what]
    folder = tmp_path / "bucket"
    folder.mkdir()
    outside = tmp_path / "planter-reads-this"
    outside.write_text("")
    monkeypatch.setattr(os, "getpid", lambda: PID)
    (folder / f".{name}.{PID}.tmp").symlink_to(outside)
    write(folder)
    assert outside.read_text() == "", "written through the planted link"
    assert not (folder / name).is_symlink() and (folder / name).is_file()
