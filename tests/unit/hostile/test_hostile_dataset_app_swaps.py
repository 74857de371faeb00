"""The app's `--dataset` over a local dataset whose Parquet file is swapped, after the listing and
before the read, for a link to a file of the reader's or for a FIFO (a member of a shared folder can).

Found 2026-11-28: the library (dataset/library.py) listed the files (files.locate), then DuckDB's
read_parquet opened each by its path: a link swapped in was followed (the reader's own rows listed as
the dataset's sessions, or shown as a session's steps), a FIFO held the app's worker for ever. Now
each file is opened by descriptor first (dataset/held.py): a sessions file refused is left out and
named in the status line, a session's steps refused are one error line."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from support.datasets import small_dataset

from tracetui.errors import TracetuiError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

from tracetui.dataset.files import Layout, locate  # noqa: E402
from tracetui.dataset.library import DatasetLibrary  # noqa: E402

SECRET = "SECRET-7f3a-private-row"
PART = "month=2026-01/part-00000.parquet"


def _swap(path: Path, secret: Path, how: str) -> None:
    path.unlink()
    if how == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(secret)


def _within(seconds: float, work: Any) -> Any:
    """`work()`'s value or exception, failing the test where it has not returned (a FIFO's wait)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the read still waits (a FIFO opened by its path)"
    if "error" in out:
        raise out["error"]
    return out["value"]


@pytest.fixture
def dataset(tmp_path) -> tuple[Path, Path]:
    """A small dataset with a second machine's sessions file, and outside it a Parquet file of the
    reader's holding a secret row (a session's columns and a step's)."""
    root = small_dataset(tmp_path / "ds")
    other = root / "data" / "sessions" / "machine=y" / "agent=pi" / "month=2026-01"
    other.mkdir(parents=True)
    three = pa.table({"session_id": ["s3"], "agent": ["pi"], "title": ["three"]})
    pq.write_table(three, other / "part-00000.parquet")
    secret = tmp_path / "private" / "mine.parquet"
    secret.parent.mkdir()
    pq.write_table(pa.table({"session_id": ["s1", SECRET], "agent": ["pi", "pi"], "title": [SECRET, SECRET],
                             "step_id": ["z", "y"], "index": [0, 1], "kind": ["user", "user"],
                             "text": [SECRET, SECRET]}), secret)  # fmt: skip
    return root, secret


@pytest.mark.parametrize("how", ["link", "fifo"])
def test_a_sessions_file_swapped_after_the_listing_is_left_out_and_named(dataset, how):
    root, secret = dataset
    layout = locate(str(root))
    _swap(root / "data" / "sessions" / "machine=x" / "agent=pi" / PART, secret, how)
    library = _within(30, lambda: DatasetLibrary(layout))
    try:
        listed = library.list_sessions()
        assert sorted(s.id for s in listed) == ["s3"]  # the other machine's, none of the secret's
        assert not any(SECRET in repr(s) for s in listed)
        note = library.loading() or ""
        assert "machine=x/agent=pi/month=2026-01/part-00000.parquet" in note and "\n" not in note
        assert ("a symbolic link" if how == "link" else "not a regular file") in note
    finally:
        library.close()


@pytest.mark.parametrize("how", ["link", "fifo"])
def test_a_sessions_steps_swapped_after_the_listing_are_one_error_line(dataset, how, monkeypatch):
    root, secret = dataset
    library = DatasetLibrary(locate(str(root)))
    try:
        assert len(library.session("s1").steps) == 1  # as written, before the swap
        listed = Layout.of

        def swapped(layout: Layout, table: str, partition: str | None = None) -> list[str]:
            out = listed(layout, table, partition)  # the steps folder is listed as the session opens
            if table == "steps":
                _swap(root / "data" / "steps" / "machine=x" / "agent=pi" / PART, secret, how)
            return out

        monkeypatch.setattr(Layout, "of", swapped)
        with pytest.raises(TracetuiError) as caught:
            shown = _within(30, lambda: library.session("s1"))
            assert SECRET not in repr(shown.steps)
        said = str(caught.value)
        assert SECRET not in said and "\n" not in said
        assert "part-00000.parquet" in said
    finally:
        library.close()
