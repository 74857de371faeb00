"""Hostile compressed Codex rollouts (`rollout-….jsonl.zst`) and a hostile stage folder: bombs by size
and by ratio, frames that lie in their header, streams cut short, skippable and concatenated frames,
a `.zst` that is a symlink, a FIFO or a folder, odd names, a file written to while it is read, and
symlinks or a state file planted in the bucket's stage folder (tracetui/sources/codex/zst.py)."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

import orjson
import pytest
import zstandard

from shared_data import FIXTURES
from tracetui.bucket import Bucket
from tracetui.model import SessionFilter
from tracetui.sources.codex import zst as codex_zst

ID = "0199aaaa-1111-7222-8333-4444555566{:02d}"
NAME = "rollout-2025-10-01T09-00-00-" + ID + ".jsonl.zst"
PLAIN = (FIXTURES / "codex" / "current.jsonl").read_bytes()


def _zst(folder: Path, n: int, data: bytes, name: str | None = None) -> Path:
    path = folder / (name or NAME.format(n))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _packed(data: bytes = PLAIN) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(data)


def _staged(stage: Path) -> list[Path]:
    return sorted(p for p in stage.rglob("*") if p.is_file() and p.name.endswith(".jsonl"))


def _stage(paths: list[Path], stage: Path) -> tuple[list[Path], list[str]]:
    started = time.process_time()
    out, problems = codex_zst.stage(paths, stage)
    assert time.process_time() - started < 5
    assert not list(stage.rglob("*.tmp"))
    return out, [p.error for p in problems]


def test_a_bomb_past_its_ratio_is_refused_before_it_fills_the_disk(tmp_path, monkeypatch):
    # 16 MB of one byte packs into a few KB: far past what any rollout compresses to, and under MAX_PLAIN.
    monkeypatch.setattr(codex_zst, "RATIO_SLACK", 1 << 20)
    bomb = _zst(tmp_path / "s", 1, zstandard.ZstdCompressor(level=19).compress(b"\n" * (16 << 20)))
    assert bomb.stat().st_size < 16 << 10
    out, errors = _stage([bomb], tmp_path / "stage")
    assert out == [] and len(errors) == 1 and "decompresses past" in errors[0]
    assert _staged(tmp_path / "stage") == []


def test_a_real_rollouts_ratio_is_well_inside_the_bomb_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(codex_zst, "RATIO_SLACK", 0)
    packed = _zst(tmp_path / "s", 1, zstandard.ZstdCompressor(level=19).compress(PLAIN))
    out, errors = _stage([packed], tmp_path / "stage")
    assert errors == [] and out[0].read_bytes() == PLAIN


def _frame(descriptor: bytes, body: bytes = b"hello") -> bytes:
    # magic, frame header descriptor + window/size fields, one raw last block holding `body`
    block = ((len(body) << 3) | 1).to_bytes(3, "little")
    return b"\x28\xb5\x2f\xfd" + descriptor + block + body


@pytest.mark.parametrize(
    "frame",
    [
        _frame(b"\xc0\x38" + struct.pack("<Q", 1 << 62)),  # claims 4 EB of content, holds 5 bytes
        _frame(b"\xc0\x38" + struct.pack("<Q", 1)),  # claims 1 byte, holds 5
        _frame(b"\x00\xa8"),  # a 2 GB window
        _frame(b"\x00\xf8"),  # the largest window the header can name
    ],
    ids=["huge-size", "small-size", "window-2GB", "window-max"],
)
def test_a_frame_whose_header_lies_is_one_line_at_once(tmp_path, frame):
    path = _zst(tmp_path / "s", 1, frame)
    out, errors = _stage([path], tmp_path / "stage")
    assert out == [] and len(errors) == 1 and "not a zstd-compressed rollout" in errors[0]


def test_a_stream_cut_short_is_said_and_keeps_the_copy_staged_before(tmp_path):
    whole = _packed()
    path = _zst(tmp_path / "s", 1, whole)
    first, errors = _stage([path], tmp_path / "stage")
    assert errors == [] and first[0].read_bytes() == PLAIN
    path.write_bytes(whole[: len(whole) // 2])
    os.utime(path, ns=(1, 1))
    out, errors = _stage([path], tmp_path / "stage")
    assert out == [] and len(errors) == 1 and "ends inside a zstd frame" in errors[0]
    assert first[0].read_bytes() == PLAIN  # the bucket's copy is read from nothing less


def test_skippable_and_concatenated_frames_read_as_one_rollout(tmp_path):
    skip = struct.pack("<II", 0x184D2A50, 7) + b"\x00junk\xff\n"
    half = PLAIN.index(b"\n", len(PLAIN) // 2) + 1
    path = _zst(tmp_path / "s", 1, skip + _packed(PLAIN[:half]) + skip + _packed(PLAIN[half:]) + skip)
    out, errors = _stage([path], tmp_path / "stage")
    assert errors == [] and out[0].read_bytes() == PLAIN


def test_an_empty_or_skippable_only_file_stages_an_empty_rollout(tmp_path):
    empty = _zst(tmp_path / "s", 1, b"")
    skip = _zst(tmp_path / "s", 2, struct.pack("<II", 0x184D2A5F, 3) + b"abc")
    out, errors = _stage([empty, skip], tmp_path / "stage")
    assert errors == [] and [p.read_bytes() for p in out] == [b"", b""]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_zst_that_is_a_fifo_a_device_or_a_folder_never_blocks_a_sync(tmp_path):
    src = tmp_path / "s"
    good = _zst(src, 1, _packed())
    os.mkfifo(src / NAME.format(2))
    (src / NAME.format(3)).symlink_to("/dev/zero")
    (src / NAME.format(4)).mkdir()
    os.mkfifo(tmp_path / "fifo")
    (src / NAME.format(5)).symlink_to(tmp_path / "fifo")
    with Bucket.open(tmp_path / "b") as b:
        report = b.sync({"codex": [src]})
        assert report.new == 1 and [r.source for r in b.list_sessions(SessionFilter(include_hidden=True))] != []
    # Handed to the stage by name (as a race between the finder and the stage would), each is one line.
    paths = [src / NAME.format(n) for n in (2, 3, 4, 5)]
    out, errors = _stage([good, *paths], tmp_path / "stage2")
    assert len(out) == 1 and len(errors) == 4
    assert all("not a regular file" in e for e in errors)


def test_a_zst_linked_from_outside_the_source_folder_is_refused_as_a_linked_plain_log_is(tmp_path):
    """Issue 32: sync reads only what is inside an agent's folder; a compressed rollout is no exception."""
    elsewhere = _zst(tmp_path / "elsewhere", 1, _packed())
    src = tmp_path / "s"
    src.mkdir()
    (src / NAME.format(1)).symlink_to(elsewhere)
    with Bucket.open(tmp_path / "b") as b:
        report = b.sync({"codex": [src]})
        assert report.new == 0 and len(report.errors) == 1
        assert "link out of its source folder" in report.errors[0].error


@pytest.mark.parametrize(
    "name",
    [
        "rollout-..jsonl.zst",
        "rollout-a\nb\x1b[2J.jsonl.zst",
        "rollout-\u202e.lmth.jsonl.zst",
        "rollout-x\\..\\y.jsonl.zst",
    ],
)
def test_an_odd_name_is_staged_inside_the_stage_folder(tmp_path, name):
    path = _zst(tmp_path / "s", 0, _packed(), name=name)
    out, errors = _stage([path], tmp_path / "stage")
    assert errors == [] and out[0].read_bytes() == PLAIN
    assert out[0].parent.parent == tmp_path / "stage" and out[0].name == name[: -len(".zst")]


def test_a_rollout_written_to_while_it_is_read_is_read_again_next_time(tmp_path, monkeypatch):
    path = _zst(tmp_path / "s", 1, _packed())
    real = codex_zst._inflate

    def meanwhile(src, dst, cap):  # Codex appends a frame half-way through our read
        real(src, dst, cap)
        with open(path, "ab") as fh:
            fh.write(_packed(b"{}\n"))

    monkeypatch.setattr(codex_zst, "_inflate", meanwhile)
    out, errors = _stage([path], tmp_path / "stage")
    assert out == [] and errors == ["changed while it was read; read again at the next sync"]
    monkeypatch.setattr(codex_zst, "_inflate", real)
    out, errors = _stage([path], tmp_path / "stage")
    assert errors == [] and out[0].read_bytes() == PLAIN + b"{}\n"


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    return victim


def test_a_symlink_planted_at_the_staged_name_is_replaced_not_written_through(tmp_path):
    victim = _victim(tmp_path)
    path = _zst(tmp_path / "s", 1, _packed())
    stage = tmp_path / "stage"
    codex_zst.stage([path], stage)
    target = _staged(stage)[0]
    target.unlink()
    target.symlink_to(victim)  # and the state says the staged file is up to date
    out, errors = _stage([path], stage)
    assert errors == [] and victim.read_text() == "precious\n"
    assert not out[0].is_symlink() and out[0].read_bytes() == PLAIN


def test_a_symlink_planted_at_the_temporary_name_is_never_followed(tmp_path):
    victim = _victim(tmp_path)
    path = _zst(tmp_path / "s", 1, _packed())
    stage = tmp_path / "stage"
    target = codex_zst._target(stage, path)
    target.parent.mkdir(parents=True)
    (target.parent / f".{target.name}.{os.getpid()}.tmp").symlink_to(victim)
    out, errors = _stage([path], stage)
    assert errors == [] and out[0].read_bytes() == PLAIN and victim.read_text() == "precious\n"


def test_a_stage_folder_planted_as_a_symlink_writes_nothing_where_it_points(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    path = _zst(tmp_path / "s", 1, _packed())
    stage = tmp_path / "stage"
    holder = codex_zst._target(stage, path).parent
    holder.parent.mkdir(parents=True)
    holder.symlink_to(outside)
    out, errors = _stage([path], stage)
    assert errors == [] and out[0].read_bytes() == PLAIN
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("key", ["/gone/" + NAME.format(1), "/gone/not-a-rollout", "relative/x.jsonl.zst"])
def test_a_state_file_written_by_someone_else_deletes_nothing(tmp_path, key):
    victim = _victim(tmp_path)
    stage = tmp_path / "stage"
    stage.mkdir()
    state = {"v": codex_zst.STATE_VERSION, "files": {key: [1, 2, str(victim)]}}
    (stage / codex_zst.STATE).write_bytes(orjson.dumps(state))
    out, errors = _stage([], stage)
    assert out == [] and errors == [] and victim.read_text() == "precious\n"


@pytest.mark.parametrize(
    "state", [b"\x00garbage", b"[]", b'{"v": 1, "files": []}', b'{"v": 1, "files": {"a": 3}}']
)
def test_a_damaged_state_file_stages_again_and_loses_nothing(tmp_path, state):
    path = _zst(tmp_path / "s", 1, _packed())
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / codex_zst.STATE).write_bytes(state)
    out, errors = _stage([path], stage)
    assert errors == [] and out[0].read_bytes() == PLAIN


def test_a_stage_state_written_over_a_planted_temporary_symlink_leaves_its_target(tmp_path):
    from tracetui.sources.common.staged_files import write_atomic

    victim = _victim(tmp_path)
    (tmp_path / f".state.json.{os.getpid()}.tmp").symlink_to(victim)
    write_atomic(tmp_path / "state.json", b"{}")
    assert victim.read_text() == "precious\n" and (tmp_path / "state.json").read_bytes() == b"{}"


def test_a_compressed_rollout_whose_name_is_not_utf8_is_said_and_the_others_sync(tmp_path):
    src = tmp_path / "s"
    good = _zst(src, 1, _packed())
    odd = os.fsencode(src) + b"/rollout-2025-10-02T09-00-00-0199bbbb\xff.jsonl.zst"
    with open(odd, "wb") as fh:
        fh.write(_packed(PLAIN.replace(b"0199aaaa", b"0199bbbb")))
    with Bucket.open(tmp_path / "b") as b:
        report = b.sync({"codex": [src]})
        assert report.new == 1 and b.list_sessions()
        assert [e.error for e in report.errors] == ["the log's path is not UTF-8: rename it to have it read"]
    assert good.exists()
