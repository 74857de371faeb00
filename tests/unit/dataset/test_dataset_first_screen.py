"""`tracetui --dataset URL` on a big dataset (issue 37): the first screen is drawn from the newest
months' sessions files, the rest read by a thread (its progress said, the list growing as it reads),
and what needs every session (a cost order, an old session's id) waits for it. A synthetic dataset
of many machines and months, made up here."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from support.datasets import months_dataset

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")
from support.narrow import present

from tracetui.dataset import library as dataset_library  # noqa: E402
from tracetui.dataset import open_dataset  # noqa: E402

MACHINES = ("m-one", "m-two", "m-three")
AGENTS = ("claude", "codex")
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]  # twelve months
PER_FILE = 3  # sessions in each (machine, agent, month) file


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("months") / "dataset"
    return root, months_dataset(root, MACHINES, AGENTS, MONTHS, PER_FILE)


@pytest.fixture
def held(monkeypatch):
    """The background read waits for `release.set()`: what the first screen has is seen alone."""
    release = threading.Event()
    original = dataset_library.DatasetLibrary._read_rest

    def read_rest(self, chunks, kept):
        release.wait(10)
        original(self, chunks, kept)

    monkeypatch.setattr(dataset_library.DatasetLibrary, "_read_rest", read_rest)
    monkeypatch.setattr(dataset_library, "FIRST_ROWS", 20)
    monkeypatch.setattr(dataset_library, "CHUNK_FILES", 4)
    return release


def test_the_first_screen_is_the_newest_months_then_the_rest_fills_in(dataset, held, tmp_path):
    root, total = dataset
    whole = open_dataset(str(root))
    expected = [r.id for r in whole.list_sessions()]
    assert whole.count_sessions() == total and whole.loading() is None
    whole.close()

    library = open_dataset(str(root), cache=tmp_path / "cache", background=True)
    try:
        # One month holds 18 sessions, two the 20 asked: the first page is the whole dataset's first page.
        first = library.count_sessions()
        assert first == 2 * len(MACHINES) * len(AGENTS) * PER_FILE
        assert [r.id for r in library.list_sessions(limit=first)] == expected[:first]
        assert library.loading() == f"reading the dataset: 12 of {len(MACHINES) * len(AGENTS) * 12} sessions files"
        # The machines and agents come from the folders: whole before the rows are.
        assert library.machines() == sorted(MACHINES) and library.agents() == sorted(AGENTS)
        before = library.version()
        held.set()
        assert library.wait_loaded(10)
        assert library.count_sessions() == total
        assert [r.id for r in library.list_sessions()] == expected
        assert library.loading() is None and library.version() != before
        assert library.resolve(expected[-1]) == expected[-1]
        present(library._loader).join(10)  # the listings are written after the read ends
    finally:
        library.close()
    # The whole listing was kept, a file per machine: the next open reads them, with no background read.
    kept = list((tmp_path / "cache").glob("listing-*.parquet"))
    assert len(kept) == len(MACHINES)
    again = open_dataset(str(root), cache=tmp_path / "cache", background=True)
    try:
        assert again.loading() is None and again.count_sessions() == total
        assert [r.id for r in again.list_sessions()] == expected
    finally:
        again.close()


def test_a_machine_that_exports_again_is_the_only_one_read_again(dataset, tmp_path, monkeypatch):
    import shutil

    root, total = dataset
    copy = tmp_path / "ds"
    shutil.copytree(root, copy)
    cache = tmp_path / "cache"
    open_dataset(str(copy), cache=cache).close()
    # m-two exports again: one of its files is written anew (the same rows, another time).
    again = copy / "data" / "sessions" / f"machine={MACHINES[1]}" / f"agent={AGENTS[0]}" / f"month={MONTHS[0]}"
    (again / "part-00000.parquet").write_bytes((again / "part-00000.parquet").read_bytes())
    import os

    os.utime(again / "part-00000.parquet", ns=(1, 1))
    read: list[str] = []
    original = dataset_library.DatasetLibrary._insert

    def insert(self, files):
        read.extend(f.key("machine") for f in files)
        original(self, files)

    monkeypatch.setattr(dataset_library.DatasetLibrary, "_insert", insert)
    library = open_dataset(str(copy), cache=cache, background=True)
    try:
        assert library.wait_loaded(10) and library.count_sessions() == total
        assert library.loading() is None
        assert set(read) == {MACHINES[1]} and len(read) == len(AGENTS) * len(MONTHS)
        whole = open_dataset(str(copy))
        assert [r.id for r in library.list_sessions()] == [r.id for r in whole.list_sessions()]
        whole.close()
    finally:
        library.close()


def test_an_old_session_and_the_cost_order_wait_for_the_whole_listing(dataset, held):
    root, total = dataset
    library = open_dataset(str(root), background=True)
    try:
        oldest = f"{MACHINES[0]}-{AGENTS[0]}-{MONTHS[0]}-0"
        found: list[str] = []
        asked = threading.Thread(target=lambda: found.append(library.resolve(oldest)))
        asked.start()
        asked.join(0.3)
        assert asked.is_alive() and not found  # not listed yet: it waits rather than says "no session"
        held.set()
        asked.join(10)
        assert found == [oldest]
        assert len(library.list_sessions(order="cost")) == total
    finally:
        library.close()


def test_closing_during_the_background_read_stops_it(dataset, held):
    root, _ = dataset
    library = open_dataset(str(root), background=True)
    loader = library._loader
    assert loader is not None and loader.is_alive()
    held.set()
    library.close()
    assert not loader.is_alive()


def test_a_broken_older_file_is_said_in_the_status_and_the_newest_stay(dataset, held, tmp_path):
    import shutil

    root, _ = dataset
    copy = tmp_path / "broken"
    shutil.copytree(root, copy)
    old = copy / "data" / "sessions" / f"machine={MACHINES[0]}" / f"agent={AGENTS[0]}" / f"month={MONTHS[0]}"
    (old / "part-00000.parquet").write_bytes(b"PAR1 not parquet at all PAR1")
    library = open_dataset(str(copy), background=True)
    try:
        shown = library.count_sessions()
        held.set()
        assert library.wait_loaded(10)
        note = library.loading()
        assert note is not None and "cannot be read" in note and "\n" not in note
        assert library.count_sessions() >= shown
    finally:
        library.close()


def _broken(root: Path, tmp_path: Path, months: list[str]) -> Path:
    """A copy of the dataset where the first machine's first agent's file of each of `months` is damaged."""
    import shutil

    copy = tmp_path / "damaged"
    shutil.copytree(root, copy)
    for month in months:
        part = copy / "data" / "sessions" / f"machine={MACHINES[0]}" / f"agent={AGENTS[0]}" / f"month={month}"
        (part / "part-00000.parquet").write_bytes(b"PAR1 not parquet at all PAR1")
    return copy


@pytest.mark.parametrize("background", [False, True])
@pytest.mark.parametrize("month", [MONTHS[-1], MONTHS[0]], ids=["newest", "oldest"])
def test_one_machine_s_damaged_file_leaves_every_other_session_listed(dataset, tmp_path, background, month):
    # A team dataset is written by many machines: one damaged file stopped the open (or, in the
    # background, every file read after it), hiding everyone's sessions.
    root, total = dataset
    copy = _broken(root, tmp_path, [month])
    for _ in range(2):  # the second open reads the cache: the damaged machine's file is said again
        library = open_dataset(str(copy), cache=tmp_path / "cache", background=background)
        try:
            assert library.wait_loaded(10)
            assert library.count_sessions() == total - PER_FILE
            note = library.loading()
            assert note is not None and note.startswith("1 unreadable sessions file left out;") and "\n" not in note
            assert "cannot be read" in note
        finally:
            library.close()


def test_a_dataset_none_of_whose_files_can_be_read_is_one_error(dataset, tmp_path):
    import shutil

    from tracetui.errors import TracetuiError

    root, _ = dataset
    copy = tmp_path / "all-damaged"
    shutil.copytree(root, copy)
    for part in copy.rglob("data/sessions/**/*.parquet"):
        part.write_bytes(b"PAR1 not parquet at all PAR1")
    with pytest.raises(TracetuiError) as caught:
        open_dataset(str(copy))
    assert "cannot be read" in str(caught.value) and "\n" not in str(caught.value)
