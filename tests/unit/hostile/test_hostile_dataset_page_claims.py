"""A Parquet file of a team dataset whose pages claim to inflate to far more than the file holds.

Found 2026-11-28: each page header says how many bytes its page inflates to, and pyarrow allocates
that much before it inflates it, outside DuckDB's memory limit. An 86 KB file of three zstd pages each
claiming 900 MB took 1.1 GB of a `sql --dataset` (eight of 2 GB: 2.3 GB) and answered three empty
rows. Now every page header is read first (dataset/page_claims.py) and such a file refused in one line.
"""

from __future__ import annotations

import os
import random
import struct
import sys
from pathlib import Path
from typing import Any

import pytest
from shared_data import FIXTURES
from support.datasets import small_dataset

from tracetui.dataset.page_claims import check_pages
from tracetui.errors import TracetuiError

sys.path.insert(0, str(FIXTURES))
from parquet_forge import lying_parquet  # noqa: E402

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

STEPS = "data/steps/machine=x/agent=pi/month=2026-01"


def _query(root: Path, sql: str) -> list[tuple[object, ...]]:
    from tracetui.dataset.query import query

    return query(sql, dataset=str(root)).rows


def test_sql_refuses_pages_claiming_to_inflate_past_the_file_in_one_line(tmp_path: Path) -> None:
    root = small_dataset(tmp_path / "ds")
    (root / STEPS / "part-00001.parquet").write_bytes(lying_parquet(900 << 20, 900 << 20, 3))
    with pytest.raises(TracetuiError) as caught:
        _query(root, "SELECT max(length(text)) FROM steps")
    message = str(caught.value)
    assert "part-00001.parquet" in message and "inflate" in message and "\n" not in message


def test_pages_that_inflate_to_what_they_say_within_the_ratio_are_read(tmp_path: Path) -> None:
    root = small_dataset(tmp_path / "ds")
    (root / STEPS / "part-00001.parquet").write_bytes(lying_parquet(1 << 20, 1 << 20, 2))
    # (each forged page holds one empty value: its first four bytes, a length of 0)
    assert _query(root, "SELECT count(*) FROM steps WHERE text = ''") == [(2,)]


def test_a_real_export_passes_and_its_claims_are_summed(tmp_path: Path, monkeypatch) -> None:
    from tracetui.dataset import page_claims

    path = tmp_path / "t.parquet"
    text = [f"{i} " + "some words of a tool's output " * 30 for i in range(2000)]
    pq.write_table(pa.table({"id": list(range(2000)), "text": text}), path, compression="zstd",
                   data_page_size=64 << 10)  # fmt: skip
    meta, size = pq.read_metadata(path), path.stat().st_size
    check_pages(str(path), meta, size, "t.parquet")
    monkeypatch.setattr(page_claims, "FLOOR", 0)
    monkeypatch.setattr(page_claims, "RATIO", 2)  # its text inflates to well over twice the file
    with pytest.raises(TracetuiError, match=r"^t\.parquet: its pages claim to inflate to more than"):
        check_pages(str(path), meta, size, "t.parquet")


def _pages_of(path: Path) -> list[tuple[int, int]]:
    """Where each column chunk lies: (start, end)."""
    meta = pq.read_metadata(path)
    out = []
    for g in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            col = meta.row_group(g).column(c)
            start = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
            out.append((start, start + col.total_compressed_size))
    return out


def test_any_header_bytes_give_a_verdict_or_a_one_line_refusal(tmp_path: Path) -> None:
    """Headers mangled at random (bytes flipped, cut, nested without end): never another exception,
    never a hang."""
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"a": list(range(300)), "b": [f"v{i}" * 5 for i in range(300)]}), path,
                   data_page_size=512)  # fmt: skip
    meta, good = pq.read_metadata(path), path.read_bytes()
    chunks = _pages_of(path)
    rng = random.Random(7)
    refused = 0
    for trial in range(400):
        data = bytearray(good)
        start, end = rng.choice(chunks)
        at = rng.randrange(start, min(end, start + 40))
        if trial % 4 == 0:
            data[at : at + 30] = bytes([0x1C]) * 30  # a struct in a struct in a struct ...
        elif trial % 4 == 1:
            data[at : at + 12] = b"\x19\xff\xff\xff\xff\x0f" + bytes(6)  # a list claiming 2^32 items
        else:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(start, end)] = rng.randrange(256)
        mangled = tmp_path / "m.parquet"
        mangled.write_bytes(bytes(data))
        try:
            check_pages(str(mangled), meta, len(data), "m.parquet")
        except TracetuiError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("m.parquet: ")
            refused += 1
    assert refused > 100


def test_a_file_of_endless_tiny_pages_is_refused_before_its_headers_are_all_read(tmp_path: Path) -> None:
    """A chunk of empty pages, three bytes each: 30 MB of them would be ten million headers read in
    Python. A file may have a page for each 256 bytes of it (at least 4,096)."""
    empty_page = bytes([0x15, 0x00, 0x15, 0x00, 0x15, 0x00, 0x00])  # type 0, sizes 0 and 0
    body = empty_page * 20_000
    data = bytearray(lying_parquet(10, 10))
    path = tmp_path / "t.parquet"
    path.write_bytes(bytes(data))
    meta = pq.read_metadata(path)
    col = meta.row_group(0).column(0)
    fake = type("Chunk", (), {"data_page_offset": 4, "total_compressed_size": len(body),
                              "has_dictionary_page": False, "dictionary_page_offset": None})()  # fmt: skip
    group = type("Group", (), {"num_columns": 1, "column": lambda self, c: fake})()
    meta_fake = type("Meta", (), {"num_row_groups": 1, "row_group": lambda self, g: group})()
    path.write_bytes(b"PAR1" + body + struct.pack("<I", 0) + b"PAR1")
    assert col.total_compressed_size > 0
    with pytest.raises(TracetuiError, match="more pages than its size allows"):
        check_pages(str(path), meta_fake, os.path.getsize(path), "t.parquet")


def test_the_page_check_reads_the_held_file_through_its_descriptor_when_the_name_is_swapped(
    tmp_path: Path, monkeypatch
) -> None:
    """The check was given `/proc/self/fd/N` and opened that name again: the held inode (the kernel
    follows /proc's link to it, not to the path), but an open of its own, a descriptor more at the
    limit, and the file's mode asked again. It reads through N now (`pread`). A page bomb renamed
    over the held name, and a link, are not what it reads."""
    from tracetui.dataset import page_claims
    from tracetui.dataset.held import held

    root = small_dataset(tmp_path / "ds")
    path = root / STEPS / "part-00000.parquet"
    bomb = tmp_path / "ds" / "bomb.parquet"
    bomb.write_bytes(lying_parquet(900 << 20, 900 << 20, 3))
    with held(str(root), [str(path)]) as names:
        os.rename(bomb, path)  # the member's swap, after the file is held
        meta, nbytes = pq.read_metadata(names[0]), os.stat(names[0]).st_size
        assert nbytes != path.stat().st_size  # the held file, not the bomb
        opened: list[str] = []
        real_open = os.open

        def counted(*args: Any, **kwargs: Any) -> int:
            opened.append(args[0])
            return real_open(*args, **kwargs)

        monkeypatch.setattr(page_claims.os, "open", counted)
        check_pages(names[0], meta, nbytes, "part-00000.parquet")
        path.unlink()
        os.symlink(bomb.parent / "nowhere", path)
        check_pages(names[0], meta, nbytes, "part-00000.parquet")
        monkeypatch.undo()
    assert opened == []  # read through the descriptor held
    with pytest.raises(TracetuiError, match="inflate"):  # the bomb, read by its own name, is refused
        os.unlink(path)
        path.write_bytes(lying_parquet(900 << 20, 900 << 20, 3))
        check_pages(str(path), pq.read_metadata(path), path.stat().st_size, "part-00000.parquet")


def test_the_app_s_reads_name_the_file_whose_pages_ran_them_out_of_memory(tmp_path: Path) -> None:
    """The app reads through DuckDB, whose memory limit holds against such a file (pyarrow's reader is
    not used there), but its refusal said only "Out of Memory Error: failed to allocate 1.0 GiB": which
    file of the dataset, and why, was not said. A read that runs out of memory now checks its files'
    claims and names the one that lies."""
    from tracetui.dataset.library import open_dataset
    from tracetui.model import SessionFilter

    root = small_dataset(tmp_path / "ds")
    (root / STEPS / "part-00001.parquet").write_bytes(lying_parquet(900 << 20, 900 << 20, 3))
    library = open_dataset(str(root))
    try:
        assert library.count_sessions() == 2  # the sessions table is sound: the list is drawn
        with pytest.raises(TracetuiError) as caught:
            library.list_sessions(SessionFilter(text="hi"))  # a step filter reads the steps' text
    finally:
        library.close()
    message = str(caught.value)
    assert "part-00001.parquet" in message and "inflate" in message and "\n" not in message
