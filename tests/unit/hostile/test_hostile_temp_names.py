"""Files the bucket writes whole are written to a temporary file, then renamed into place. The
temporary file was named `.<name>.<pid>.tmp` and opened with a plain open(): the bucket is anyone's
who has the folder, and a link planted under that name (a process id is easy to guess, and a
planter can lay one for each) was written through, to any file it named, and then renamed into the
bucket: the review key went to the planter's file and stayed a link to it. The temporary files are
made fresh now (mkstemp: never an existing name, never through a link)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from shared_data import FIXTURES

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


# SQLite files and folders the bucket makes under a name: the same guessable `<pid>` names, and the
# same fix. A planter racing the writer lays its links just before each connect; `outside` is where
# they point, and nothing may ever be made there.
def _guessable(folder: Path) -> list[Path]:
    return [folder / f".steps-0.sqlite.build.{PID}.tmp", folder / f".steps-0.sqlite.{PID}.tmp"]


@pytest.mark.parametrize("how", ["built whole (build)", "made empty (_make)"])
def test_a_shard_is_never_made_through_a_planted_link(tmp_path, monkeypatch, how):
    import sqlite3

    from tracetui.bucket import shards

    folder = tmp_path / "bucket"
    folder.mkdir()
    outside = tmp_path / "planter-reads-this.sqlite"
    real_connect = sqlite3.connect

    def racing_connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        for name in _guessable(folder):
            name.unlink(missing_ok=True)
            name.symlink_to(outside)
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(os, "getpid", lambda: PID)
    monkeypatch.setattr(sqlite3, "connect", racing_connect)
    if how.startswith("built"):
        conn, temp = shards.build(folder, 0)
        conn.close()
    else:
        shards.connect(folder, 0).close()
    monkeypatch.undo()
    assert not outside.exists(), "SQLite wrote through the planted link"
    if how.startswith("made"):
        assert shards.path(folder, 0).is_file() and not shards.path(folder, 0).is_symlink()


def test_the_write_probe_never_touches_through_a_planted_link(tmp_path, monkeypatch):
    from tracetui.bucket.connections import _writable

    folder = tmp_path / "bucket"
    folder.mkdir()
    outside = tmp_path / "planter-made-this"
    monkeypatch.setattr(os, "getpid", lambda: PID)
    (folder / f".write-probe.{PID}").symlink_to(outside)
    assert _writable(folder)
    assert not outside.exists(), "the probe was made through the planted link"


def test_the_opencode_database_copy_goes_to_a_fresh_folder(tmp_path, monkeypatch):
    """`.copy-<pid>-<n>` held a planted link: removing it failed quietly, and making the folder
    stopped the stage (and the sync) with FileExistsError."""
    import sqlite3

    from support.opencode_db import fill, schema

    from tracetui.sources.opencode import stage

    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "opencode.db")
    schema(conn)
    fill(conn, FIXTURES / "opencode" / "storage")
    conn.commit()
    conn.close()
    folder = tmp_path / "staged"
    folder.mkdir()
    elsewhere = tmp_path / "planter-reads-this"
    elsewhere.mkdir()
    monkeypatch.setattr(os, "getpid", lambda: PID)
    for n in range(stage.COPY_TRIES):
        (folder / f".copy-{PID}-{n}").symlink_to(elsewhere)
    staged, problems = stage.stage([data / "opencode.db"], folder)
    assert problems == [] and len(staged) == 1, problems
    assert list(elsewhere.iterdir()) == [], "the copy went through the planted link"
