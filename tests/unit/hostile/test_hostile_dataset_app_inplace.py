"""The app's `--dataset` over a local dataset whose steps file is rewritten in place (the same inode,
by the member who wrote it) once it is held and before DuckDB reads it.

Found 2026-11-28: `sql --dataset` and `export --check` read each held file from a sealed copy made as
it is held, but the app's reads (dataset/library.py, DuckDB's read_parquet) were handed the held
descriptors themselves: a file rewritten in between was read as rewritten, and a larger one was not
watched at all. Now every reader goes through the one `held` (dataset/held.py), which seals a copy
of each file of up to 64 MiB and watches any other: the app reads the file as it was held, or says in
one line that it was rewritten."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from support.datasets import small_dataset

from tracetui.errors import TracetuiError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

from tracetui.dataset import held as held_module  # noqa: E402
from tracetui.dataset.files import locate  # noqa: E402
from tracetui.dataset.library import DatasetLibrary  # noqa: E402

STEPS = "data/steps/machine=x/agent=pi/month=2026-01/part-00000.parquet"


def _other() -> bytes:
    out = io.BytesIO()
    rows = {"session_id": ["s1"] * 3, "agent": ["pi"] * 3, "step_id": ["p", "q", "r"], "index": [0, 1, 2],
            "kind": ["user"] * 3, "text": ["REWRITTEN"] * 3}  # fmt: skip
    pq.write_table(pa.table(rows), out)
    return out.getvalue()


@pytest.fixture
def rewriting(tmp_path, monkeypatch) -> Path:
    """A small dataset whose steps file is rewritten in place while each read of it runs (once it
    is held), and written back as it was once the read ends: each read holds the file as written."""
    root = small_dataset(tmp_path / "ds")
    real, written = held_module.held, (root / STEPS).read_bytes()

    def write(data: bytes) -> None:
        with open(root / STEPS, "r+b") as f:  # the same inode: the held descriptor sees it
            f.write(data)
            f.truncate()

    @contextlib.contextmanager
    def rewritten(base, paths):
        with real(base, paths) as names:
            if not any(p.endswith(STEPS) for p in paths):
                yield names
                return
            write(_other())
            try:
                yield names
            finally:
                write(written)

    monkeypatch.setattr(held_module, "held", rewritten)
    return root


def test_the_app_reads_a_steps_file_rewritten_in_place_as_it_was_held(rewriting):
    library = DatasetLibrary(locate(str(rewriting)))
    try:
        steps = library.session("s1").steps
        assert [s.text for s in steps] == ["hi"]
    finally:
        library.close()


def test_a_file_read_in_place_and_rewritten_so_is_refused_in_one_line(rewriting, monkeypatch):
    monkeypatch.setattr(held_module, "SNAPSHOT_MOST", 0)  # every file read where it is
    library = DatasetLibrary(locate(str(rewriting)))
    try:
        with pytest.raises(TracetuiError) as caught:
            library.session("s1")
        said = str(caught.value)
        assert "\n" not in said and "part-00000.parquet: rewritten while it was read" in said
    finally:
        library.close()
