"""Codex's compressed rollouts (`rollout-….jsonl.zst`, written by newer Codex for cold threads): synced
from a decompressed copy in the bucket's stage folder, left out where the plain rollout is on disk,
and never a bomb (tracetui/sources/codex/zst.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import zstandard

from shared_data import FIXTURES
from tracetui.bucket import Bucket
from tracetui.model import SessionFilter
from tracetui.sources.codex import zst as codex_zst

NAME = "rollout-2025-10-01T09-00-00-0199aaaa-1111-7222-8333-444455556666.jsonl"


def _plain(folder: Path) -> Path:
    path = folder / "2025" / "10" / "01" / NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "codex" / "current.jsonl", path)
    return path


def _compress(plain: Path) -> Path:
    packed = plain.with_name(plain.name + ".zst")
    packed.write_bytes(zstandard.ZstdCompressor(level=3).compress(plain.read_bytes()))
    plain.unlink()
    return packed


def _steps(bucket: Bucket) -> list[list[tuple[str, str]]]:
    rows = bucket.list_sessions(SessionFilter(include_hidden=True))
    return [[(s.kind, s.text) for s in bucket.session(r.id).steps] for r in rows]


def test_a_compressed_rollout_reads_as_its_plain_one(tmp_path):
    with Bucket.open(tmp_path / "plain") as b:
        b.sync({"codex": [_plain(tmp_path / "p").parents[3]]})
        want = _steps(b)
    _compress(_plain(tmp_path / "z"))
    with Bucket.open(tmp_path / "zst") as b:
        report = b.sync({"codex": [tmp_path / "z"]})
        assert report.errors == [] and report.new == 1
        assert _steps(b) == want and want and want[0]
        again = b.sync({"codex": [tmp_path / "z"]})
        assert (again.new, again.updated, again.unchanged) == (0, 0, 1)


def test_codex_going_cold_and_back_keeps_one_session(tmp_path):
    src = tmp_path / "sessions"
    plain = _plain(src)
    with Bucket.open(tmp_path / "b") as b:
        b.sync({"codex": [src]})
        want = _steps(b)
        packed = _compress(plain)  # the thread went cold
        b.sync({"codex": [src]})
        assert _steps(b) == want
        staged = list((tmp_path / "b" / "staged" / "codex").rglob(NAME))
        assert len(staged) == 1
        plain.write_bytes(zstandard.ZstdDecompressor().decompress(packed.read_bytes()))  # resumed
        packed.unlink()
        b.sync({"codex": [src]})
        assert _steps(b) == want
        assert not staged[0].exists()  # the bucket keeps its copy; the stand-in goes


def test_the_plain_rollout_wins_where_both_are_on_disk(tmp_path):
    plain = _plain(tmp_path / "s")
    packed = plain.with_name(plain.name + ".zst")
    packed.write_bytes(zstandard.ZstdCompressor().compress(b'{"not": "what codex reads"}\n'))
    out, problems = codex_zst.stage([plain, packed], tmp_path / "stage")
    assert out == [plain] and problems == []


def test_an_unchanged_compressed_rollout_is_not_decompressed_again(tmp_path, monkeypatch):
    packed = _compress(_plain(tmp_path / "s"))
    calls = []
    real = codex_zst._decompress

    def counted(source, target):
        calls.append(source)
        real(source, target)

    monkeypatch.setattr(codex_zst, "_decompress", counted)
    first, _ = codex_zst.stage([packed], tmp_path / "stage")
    second, _ = codex_zst.stage([packed], tmp_path / "stage")
    assert first == second and len(calls) == 1 and first[0].name == NAME


def test_a_bomb_or_garbage_is_one_line_and_nothing_staged(tmp_path, monkeypatch):
    folder = tmp_path / "s"
    folder.mkdir()
    bomb = folder / ("rollout-2025-10-01T09-00-00-0199bbbb-1111-7222-8333-444455556666.jsonl" + ".zst")
    bomb.write_bytes(zstandard.ZstdCompressor(level=19).compress(b"\n" * (1 << 20)))
    garbage = folder / ("rollout-2025-10-01T09-00-00-0199cccc-1111-7222-8333-444455556666.jsonl" + ".zst")
    garbage.write_bytes(b"this is no zstd stream" * 10)
    monkeypatch.setattr(codex_zst, "MAX_PLAIN", 1 << 16)
    out, problems = codex_zst.stage([bomb, garbage], tmp_path / "stage")
    assert out == []
    assert [(p.path, "decompresses past" in p.error or "not a zstd" in p.error) for p in problems] == [
        (str(bomb), True), (str(garbage), True)
    ]
    assert not list((tmp_path / "stage").rglob("*.jsonl"))
    assert not list((tmp_path / "stage").rglob("*.tmp"))
