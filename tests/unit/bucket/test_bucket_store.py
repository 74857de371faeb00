"""The bucket's raw-log copies: appends, torn lines, rewrites, and recovery from a crashed write."""

from __future__ import annotations

import gzip
import io
import os

import orjson
import pytest
import zstandard

from tracetui.bucket import store as store_mod
from tracetui.bucket.store import Store


def _unpack(codec: str, packed: bytes) -> bytes:
    """All frames (zstd) or members (gzip) of a copy, back to back."""
    if codec == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(packed), read_across_frames=True)
        return reader.read()
    return gzip.decompress(packed)


def _line(n: int, pad: int = 0) -> bytes:
    return b'{"n": %d, "pad": "%s"}\n' % (n, b"x" * pad)


@pytest.fixture
def st(tmp_path):
    s = Store(tmp_path / "bucket")
    s.ensure()
    return s


def _ingest(st, path, old=None):
    info = os.stat(path)
    return st.ingest("pi", str(path), info.st_size, info.st_mtime_ns, old)


def test_first_ingest_copies_complete_lines_only(st, tmp_path):
    log = tmp_path / "s.jsonl"
    log.write_bytes(_line(1) + _line(2) + b'{"n": 3, "torn')
    sc, loaded = _ingest(st, log)
    data = loaded.data
    assert data == _line(1) + _line(2)
    assert sc.offset == len(_line(1) + _line(2))
    assert sc.size == log.stat().st_size
    assert st.content(sc) == data
    # The copy is zstd, not the raw bytes.
    copy = next(p for p in st.dir.iterdir() if p.name.endswith(".zst"))
    assert sc.codec == "zstd"
    assert _unpack("zstd", copy.read_bytes()) == data


def test_growth_is_appended_from_the_offset_and_reads_only_new_bytes(st, tmp_path, monkeypatch):
    log = tmp_path / "s.jsonl"
    body = b"".join(_line(i, pad=200) for i in range(200))  # bigger than two probes
    log.write_bytes(body)
    sc, _ = _ingest(st, log)
    extra = _line(1000) + _line(1001)
    with open(log, "ab") as fh:
        fh.write(extra)

    reads = []
    real = store_mod.read_source

    def counted(p, s=0, e=None):
        reads.append((s, e))
        return real(p, s, e)

    monkeypatch.setattr(store_mod, "read_source", counted)
    sc2, data = _ingest(st, log, sc)
    assert data is None  # appended, not read whole
    assert sc2.offset == len(body) + len(extra)
    assert sc2.gen == sc.gen
    assert st.content(sc2) == body + extra
    # Reads: the consumed prefix once (its digest proves it unchanged) and the new bytes; the copy
    # only gains the new bytes.
    assert (len(body), len(body) + len(extra)) in reads
    assert sum((e or 0) - s for s, e in reads) == len(body) + len(extra)
    # Two zstd frames now.
    copy = next(p for p in st.dir.iterdir() if p.name.endswith(".zst"))
    assert copy.read_bytes().count(b"\x28\xb5\x2f\xfd") >= 2


def test_torn_last_line_waits_then_is_taken_once_complete(st, tmp_path):
    log = tmp_path / "s.jsonl"
    log.write_bytes(_line(1))
    sc, _ = _ingest(st, log)
    with open(log, "ab") as fh:
        fh.write(b'{"n": 2, "ha')
    sc2, _ = _ingest(st, log, sc)
    assert sc2.offset == len(_line(1))
    assert sc2.size == log.stat().st_size  # seen, so an unchanged file is not read again
    with open(log, "ab") as fh:
        fh.write(b'lf": true}\n')
    sc3, _ = _ingest(st, log, sc2)
    assert st.content(sc3) == _line(1) + b'{"n": 2, "half": true}\n'


def test_rewritten_smaller_file_is_read_whole(st, tmp_path):
    log = tmp_path / "s.jsonl"
    log.write_bytes(_line(1) + _line(2) + _line(3))
    sc, _ = _ingest(st, log)
    log.write_bytes(_line(9))
    sc2, loaded = _ingest(st, log, sc)
    assert loaded.data == _line(9)
    assert sc2.gen == sc.gen + 1
    # History is kept: both generations are on disk, and the longest record is what readers get.
    assert sorted(p.name.split(".")[1] for p in st.dir.iterdir() if p.name.endswith(".zst")) == ["0", "1"]
    record = st.load_record(sc2)
    assert record.data == _line(1) + _line(2) + _line(3)
    assert record.note is not None and "shortened" in record.note
    # Once the log grows past the kept record, the newest wins again.
    log.write_bytes(_line(9) + _line(10) + _line(11) + _line(12))
    sc3, _ = _ingest(st, log, sc2)
    assert st.load_record(sc3).data == log.read_bytes() and st.load_record(sc3).note is None


def test_rewritten_head_same_or_larger_size_is_read_whole(st, tmp_path):
    log = tmp_path / "s.jsonl"
    log.write_bytes(b'{"version": 1}\n' + _line(2))
    sc, _ = _ingest(st, log)
    log.write_bytes(b'{"version": 3}\n' + _line(2) + _line(3))  # a migration rewrote the header
    sc2, loaded = _ingest(st, log, sc)
    assert loaded.data == b'{"version": 3}\n' + _line(2) + _line(3)
    assert st.content(sc2) == loaded.data


def test_half_written_append_from_a_crash_is_ignored_and_overwritten(st, tmp_path):
    log = tmp_path / "s.jsonl"
    log.write_bytes(_line(1))
    sc, _ = _ingest(st, log)
    copy = next(p for p in st.dir.iterdir() if p.name.endswith(".zst"))
    with open(copy, "ab") as fh:
        fh.write(b"\x28\xb5\x2f\xfdgarbage from a crashed sync")
    assert st.content(sc) == _line(1)  # only `stored` bytes are trusted
    with open(log, "ab") as fh:
        fh.write(_line(2))
    sc2, _ = _ingest(st, log, sc)
    assert st.content(sc2) == _line(1) + _line(2)
    assert b"garbage" not in copy.read_bytes()


def test_sidecars_round_trip_and_a_damaged_one_is_skipped(st, tmp_path):
    log = tmp_path / "s.jsonl"
    log.write_bytes(_line(1))
    sc, _ = _ingest(st, log)
    (st.dir / "junk.json").write_bytes(b"{not json")
    loaded = st.load_all()
    assert list(loaded) == [("pi", str(log))]
    assert loaded[("pi", str(log))] == sc
    assert st.load("pi", str(log)) == sc
    assert st.load("codex", str(log)) is None


def test_legacy_single_document_json_is_taken_whole(st, tmp_path):
    log = tmp_path / "rollout-2025-01-01-x.json"
    log.write_bytes(b'{\n  "session": {"id": "x"},\n  "items": []\n}')  # no trailing newline
    sc, loaded = st.ingest("codex", str(log), log.stat().st_size, log.stat().st_mtime_ns, None)
    assert loaded.data == log.read_bytes()
    assert sc.offset == log.stat().st_size


def test_source_is_opened_read_only(st, tmp_path, monkeypatch):
    log = tmp_path / "s.jsonl"
    log.write_bytes(_line(1))
    log.chmod(0o444)
    import os

    import tracetui.regular_file

    flags = []
    real_open = os.open

    def spy(file, flag, *a, **k):
        if str(file) == str(log):
            flags.append(flag)
        return real_open(file, flag, *a, **k)

    # Sources are opened through os.open (non-blocking, so a FIFO cannot hang the sync).
    monkeypatch.setattr(tracetui.regular_file.os, "open", spy)
    _ingest(st, log)
    assert flags and all(f & os.O_ACCMODE == os.O_RDONLY for f in flags)
    assert not any(f & (os.O_CREAT | os.O_TRUNC | os.O_APPEND) for f in flags)


def test_a_gzip_copy_from_an_earlier_version_is_read_and_grows_as_gzip(st, tmp_path):
    log = tmp_path / "s.jsonl"
    log.write_bytes(_line(1))
    sc, _ = _ingest(st, log)
    # Rewrite the bucket as a version before zstd left it: a gzip copy, a sidecar with no codec.
    old_copy = next(p for p in st.dir.iterdir() if p.name.endswith(".zst"))
    old_copy.unlink()
    (st.dir / f"{sc.key}.{sc.gen}.gz").write_bytes(gzip.compress(_line(1), mtime=0))
    fields = {k: v for k, v in orjson.loads((st.dir / f"{sc.key}.json").read_bytes()).items() if k != "codec"}
    fields["stored"] = (st.dir / f"{sc.key}.{sc.gen}.gz").stat().st_size
    (st.dir / f"{sc.key}.json").write_bytes(orjson.dumps(fields))
    legacy = st.load("pi", str(log))
    assert legacy.codec == "gzip"
    assert st.content(legacy) == _line(1)
    with open(log, "ab") as fh:
        fh.write(_line(2))
    grown, data = _ingest(st, log, legacy)
    assert data is None and grown.codec == "gzip"
    assert st.content(grown) == _line(1) + _line(2)
    # Read whole again (rewritten), the log gets a zstd copy; the gzip one is kept as history, and
    # stays what readers get while it is the longer record.
    log.write_bytes(_line(7))
    fresh, _ = _ingest(st, log, grown)
    assert fresh.codec == "zstd" and st.content(fresh) == _line(1) + _line(2)
    assert sorted(p.suffix for p in st.dir.iterdir() if p.suffix in (".gz", ".zst")) == [".gz", ".zst"]
    log.write_bytes(_line(7) + _line(8) + _line(9))
    longer, _ = _ingest(st, log, fresh)
    assert st.content(longer) == log.read_bytes()


def test_a_damaged_copy_is_one_clear_error(st, tmp_path):
    from tracetui.errors import TracetuiError

    log = tmp_path / "s.jsonl"
    log.write_bytes(b"".join(_line(i, pad=50) for i in range(50)))
    sc, _ = _ingest(st, log)
    copy = next(p for p in st.dir.iterdir() if p.name.endswith(".zst"))
    copy.write_bytes(copy.read_bytes()[: sc.stored // 2])
    with pytest.raises(TracetuiError, match="copy of .* is missing or damaged; delete .*json and sync again"):
        st.content(sc)
    # Following the advice works: without the sidecar the log is copied again.
    (st.dir / f"{sc.key}.json").unlink()
    fresh, _ = _ingest(st, log, st.load("pi", str(log)))
    assert st.content(fresh) == log.read_bytes()
    copy.unlink()
    with pytest.raises(TracetuiError, match="missing or damaged"):
        st.content(fresh)


def test_a_sidecar_naming_an_unknown_codec_counts_as_damaged(st, tmp_path):
    log = tmp_path / "s.jsonl"
    log.write_bytes(_line(1))
    sc, _ = _ingest(st, log)
    fields = orjson.loads((st.dir / f"{sc.key}.json").read_bytes())
    (st.dir / f"{sc.key}.json").write_bytes(orjson.dumps({**fields, "codec": "brotli"}))
    assert st.load("pi", str(log)) is None
    assert st.load_all() == {}


def _lines_by_hand(data: bytes, limit: int) -> tuple[bytes, bytes, list[tuple[int, int]]]:
    """What `_Lines` must make of `data` (torn tail taken): everything consumed; readers get each
    line, an over-long one as an empty line, recorded with its number and length."""
    given, skipped = [], []
    for number, line in enumerate(data.splitlines(keepends=True), 1):
        if len(line.rstrip(b"\n")) + (1 if line.endswith(b"\n") else 0) > limit:
            skipped.append((number, len(line)))
            given.append(b"\n" if line.endswith(b"\n") else b"")
        else:
            given.append(line)
    return data, b"".join(given), skipped


@pytest.mark.parametrize("kept", [False, True])
def test_lines_are_split_the_same_however_the_stream_is_cut(monkeypatch, kept):
    """Whether newlines are counted as they pass or (`kept`) only when a skipped line needs its number."""
    import random

    monkeypatch.setattr(store_mod, "MAX_LINE", 40)
    monkeypatch.setattr(store_mod, "CHUNK", 16)
    rnd = random.Random(19)
    for _ in range(3000):
        data = b"".join(b"x" * rnd.choice([0, 1, 15, 16, 38, 39, 40, 41, 90]) + b"\n" for _ in range(rnd.randint(0, 6)))
        data += b"y" * rnd.choice([0, 0, 3, 45])
        lines = store_mod._Lines(kept=kept)
        consumed, given = [], []
        pos = 0
        while pos < len(data):
            step = rnd.randint(1, store_mod.CHUNK)
            lines.feed(data[pos : pos + step])
            pos += step
            c, g = lines.drain()
            consumed += c
            given += g
        lines.finish(take_torn=True)
        c, g = lines.drain()
        want = _lines_by_hand(data, store_mod.MAX_LINE)
        assert (b"".join(consumed + c), b"".join(given + g), lines.skipped) == want, data


@pytest.mark.parametrize("kept", [False, True])
def test_a_chunk_of_whole_lines_reaches_the_readers_without_a_copy(kept):
    chunk = _line(1) + _line(2, 300)
    lines = store_mod._Lines(kept=kept)
    lines.feed(chunk)
    lines.finish(take_torn=False)
    consumed, given = lines.drain()
    assert consumed == given == [chunk] and given[0] is chunk and lines.line == 3


def test_first_copies_are_made_durable_in_one_flush_and_growth_file_by_file(st, tmp_path, monkeypatch):
    """A first copy (nothing of the log kept before it) waits for one sync of the file system
    (`flush`); a copy that grows keeps its fsyncs, as it replaces a state already kept."""
    synced: list[int] = []
    flushed: list[int] = []
    monkeypatch.setattr(store_mod.os, "fsync", lambda fd: synced.append(fd))

    def syncfs(fd: int) -> int:
        flushed.append(fd)
        return 0

    monkeypatch.setattr(store_mod, "_syncfs", lambda: syncfs)
    monkeypatch.setattr(store_mod, "_unflushed", set())
    logs = []
    for i in range(3):
        log = tmp_path / f"s{i}.jsonl"
        log.write_bytes(_line(1) + _line(2))
        logs.append((log, _ingest(st, log)[0]))
    assert synced == []
    monkeypatch.setattr(store_mod, "_flushed_at", store_mod.time.monotonic())
    store_mod.flush(due=True)  # not yet due: FLUSH_SECONDS have not passed
    monkeypatch.setattr(store_mod, "_flushed_at", 0.0)
    store_mod.flush(due=True)
    assert len(flushed) == 1 and synced == []
    store_mod.flush()
    assert len(flushed) == 1  # nothing written since
    log, sc = logs[0]
    log.write_bytes(_line(1) + _line(2) + _line(3))
    grown, _ = _ingest(st, log, sc)
    assert grown.offset > sc.offset
    assert len(synced) == 2  # the copy and its sidecar
    assert len(flushed) == 1


def test_a_copy_cut_short_by_its_log_spoils_no_later_copy(st, tmp_path, monkeypatch):
    """A thread's zstd compressor serves log after log: one left mid-frame when a log could not be
    read to its end must not leak into the next log's copy."""
    monkeypatch.setattr(store_mod, "CHUNK", 64)
    torn, whole = tmp_path / "torn.jsonl", tmp_path / "whole.jsonl"
    torn.write_bytes(b"".join(_line(n, 40) for n in range(20)))
    whole.write_bytes(b"".join(_line(n, 7) for n in range(30)))
    real = store_mod.read_source

    def failing(path, start=0, end=None):
        if path == str(torn) and start > 0:
            raise OSError(5, "Input/output error")
        return real(path, start, end)

    monkeypatch.setattr(store_mod, "read_source", failing)
    with pytest.raises(store_mod.SourceReadError):
        _ingest(st, torn)
    sc, _ = _ingest(st, whole)
    assert _unpack("zstd", st._copy_path(sc).read_bytes()) == whole.read_bytes()
