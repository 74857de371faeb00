"""A sync reads only what grew (issue 19): the state a reader returns is kept under the bucket
between syncs, handed back when the log grew, refused when damaged, and dropped with its group."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import CORPUS, requires_corpus

from tracetui.bucket import Bucket
from tracetui.bucket import resume as resume_mod
from tracetui.sources.claude import steps as claude_steps
from tracetui.sources.codex import reader as codex_reader
from tracetui.sources.common import jsonl
from tracetui.sources.pi import reader as pi

SID = "dddddddd-1111-4222-8333-444444444444"


class ParsedBytes:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = jsonl.iter_entries

        def counting(path: str, data: bytes, *args: Any, **kwargs: Any) -> Iterator[Any]:
            self.count += len(data)
            return real(path, data, *args, **kwargs)

        # Every module that calls it by its own name: the readers that take it straight from jsonl.
        for module in (jsonl, pi, claude_steps, codex_reader):
            monkeypatch.setattr(module, "iter_entries", counting)


def claude_line(n: int, parent: str | None, text: str) -> bytes:
    kind = "user" if n % 2 else "assistant"
    message: dict[str, Any] = {"role": kind, "content": [{"type": "text", "text": text}]}
    if kind == "assistant":
        message |= {"id": f"msg{n}", "model": "claude-x", "usage": {"input_tokens": n, "output_tokens": 1}}
    rec = {
        "type": kind,
        "uuid": f"line-{n}",
        "parentUuid": parent,
        "sessionId": SID,
        "cwd": "/w",
        "timestamp": f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}Z",
        "message": message,
    }
    return orjson.dumps(rec) + b"\n"


def grow_and_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: Path, main: Path, line: bytes
) -> int:
    """Sync, append `line` to `main`, sync again: the grown session equals a cold sync's of the same
    bytes, and the second sync parsed no more than the new line (plus the companions). Returns the
    bytes the second sync parsed."""
    parsed = ParsedBytes(monkeypatch)
    with Bucket.open(tmp_path / "warm") as warm:
        warm.sync({"claude": [source]}, workers=1)
        state = resume_mod.state_path(warm.root, str(main))
        assert state.is_file()
        with open(main, "ab") as fh:
            fh.write(line)
        parsed.count = 0
        report = warm.sync({"claude": [source]}, workers=1)
        assert report.updated == 1 and not report.errors
        sid = warm.list_sessions()[0].id
        grown = warm.session(sid).to_dict()
    grown_parsed = parsed.count
    companions = sum(p.stat().st_size for p in source.rglob("*.jsonl") if p != main)
    assert grown_parsed <= len(line) + companions
    with Bucket.open(tmp_path / "cold") as cold:
        cold.sync({"claude": [source]}, workers=1)
        assert cold.session(sid).to_dict() == grown
    return grown_parsed


def test_a_grown_log_is_read_from_where_the_last_sync_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "projects" / "-w"
    source.mkdir(parents=True)
    main = source / f"{SID}.jsonl"
    lines = [claude_line(n, f"line-{n - 1}" if n > 1 else None, f"step {n} " * 20) for n in range(1, 60)]
    main.write_bytes(b"".join(lines))
    parsed = grow_and_compare(tmp_path, monkeypatch, source, main, claude_line(60, "line-59", "the new line"))
    assert 0 < parsed <= len(claude_line(60, "line-59", "the new line"))


@requires_corpus
def test_a_grown_real_session_with_subagents_matches_a_cold_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corpus's Claude session with subagent transcripts, grown by a line that continues it."""
    found = sorted((CORPUS / "claude").glob("*__subagents__*.jsonl"))
    if not found:
        pytest.skip("no Claude session with subagents in the corpus")
    stem = found[0].name.split("__subagents__")[0]
    main_src = CORPUS / "claude" / f"{stem}.jsonl"
    session_id = stem.rsplit("__", 1)[-1]
    source = tmp_path / "projects" / "-p"
    agents = source / session_id / "subagents"
    agents.mkdir(parents=True)
    main = source / f"{session_id}.jsonl"
    shutil.copyfile(main_src, main)
    for companion in (CORPUS / "claude").glob(f"{stem}__subagents__*"):
        shutil.copyfile(companion, agents / companion.name.split("__subagents__")[1])
    last = None
    for raw in reversed(main.read_bytes().splitlines()):
        rec = orjson.loads(raw)
        if isinstance(rec, dict) and rec.get("type") in ("user", "assistant") and rec.get("uuid"):
            last = rec
            break
    assert last is not None
    added = dict(
        last,
        uuid="added-line-1",
        parentUuid=last["uuid"],
        type="user",
        message={"role": "user", "content": "one more thing"},
        timestamp="2099-01-01T00:00:00Z",
    )
    grow_and_compare(tmp_path, monkeypatch, source, main, orjson.dumps(added) + b"\n")


def sync_once(tmp_path: Path) -> tuple[Bucket, Path, Path]:
    source = tmp_path / "projects" / "-w"
    source.mkdir(parents=True)
    main = source / f"{SID}.jsonl"
    main.write_bytes(
        b"".join(claude_line(n, f"line-{n - 1}" if n > 1 else None, f"s{n}") for n in range(1, 9))
    )
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": [source]}, workers=1)
    return bucket, source, main


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b"(S\x00\x00\x00\x00", "other-version", "other-generation", "truncated", "flipped"],
)
def test_a_damaged_or_foreign_state_means_a_full_read(tmp_path: Path, damage: Any) -> None:
    bucket, source, main = sync_once(tmp_path)
    state = resume_mod.state_path(bucket.root, str(main))
    good = state.read_bytes()
    if damage == "other-version" or damage == "other-generation":
        import zstandard

        raw = zstandard.ZstdDecompressor().decompress(good)
        key = b'"v":1' if damage == "other-version" else b'"gen":0'
        assert key in raw
        state.write_bytes(zstandard.ZstdCompressor().compress(raw.replace(key, key[:-1] + b"7", 1)))
    elif damage == "truncated":
        state.write_bytes(good[: len(good) // 2])
    elif damage == "flipped":  # one byte changed on disk: the frame's checksum finds it
        half = len(good) // 2
        state.write_bytes(good[:half] + bytes([good[half] ^ 0x20]) + good[half + 1 :])
        assert resume_mod.load(state, 0) is None
    else:
        state.write_bytes(damage)
    with open(main, "ab") as fh:
        fh.write(claude_line(9, "line-8", "grown"))
    report = bucket.sync({"claude": [source]}, workers=1)
    assert report.updated == 1 and not report.errors
    grown = bucket.session(SID).to_dict()
    bucket.close()
    with Bucket.open(tmp_path / "cold") as cold:
        cold.sync({"claude": [source]}, workers=1)
        assert cold.session(SID).to_dict() == grown
    assert resume_mod.load(state, 0) is not None  # a good state is written again


def test_the_state_goes_with_the_session(tmp_path: Path) -> None:
    bucket, source, main = sync_once(tmp_path)
    state = resume_mod.state_path(bucket.root, str(main))
    assert state.is_file()
    bucket.remove(SID)
    assert not state.exists()
    bucket.close()
    # A group the readers no longer form leaves with its state: a subagent transcript read as a
    # session of its own until its parent's transcript appears, which it then joins.
    source = tmp_path / "again" / "projects" / "-w"
    agent_file = source / SID / "subagents" / "agent-a1.jsonl"
    agent_file.parent.mkdir(parents=True)
    agent_file.write_bytes(
        b"".join(claude_line(n, f"line-{n - 1}" if n > 1 else None, f"a{n}") for n in range(1, 5))
    )
    with Bucket.open(tmp_path / "again" / "bucket") as bucket:
        bucket.sync({"claude": [source]}, workers=1)
        alone = resume_mod.state_path(bucket.root, str(agent_file))
        assert alone.is_file()
        main = source / f"{SID}.jsonl"
        main.write_bytes(
            b"".join(claude_line(n, f"line-{n - 1}" if n > 1 else None, f"m{n}") for n in range(11, 15))
        )
        bucket.sync({"claude": [source]}, workers=1)
        assert not alone.exists()
        assert resume_mod.state_path(bucket.root, str(main)).is_file()


def test_old_logs_keep_no_state(tmp_path: Path) -> None:
    """A cold sync of old sessions pays nothing for states: only a log written to lately keeps one."""
    source = tmp_path / "projects" / "-w"
    source.mkdir(parents=True)
    main = source / f"{SID}.jsonl"
    main.write_bytes(
        b"".join(claude_line(n, f"line-{n - 1}" if n > 1 else None, f"s{n}") for n in range(1, 5))
    )
    old = 1_600_000_000
    os.utime(main, (old, old))
    with Bucket.open(tmp_path / "bucket") as bucket:
        bucket.sync({"claude": [source]}, workers=1)
        assert not resume_mod.state_path(bucket.root, str(main)).exists()
        assert bucket.session(SID).steps


def test_a_state_the_reader_trips_on_means_a_full_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state that decodes but leaves the reader in a shape it fails on later (not while restoring)
    costs a full read, not the session."""
    from tracetui.sources.claude import resume as claude_resume

    bucket, source, main = sync_once(tmp_path)
    real = claude_resume.restore

    def broken(body: Any, log: Any, spans: Any) -> Any:
        reader, part = real(body, log, spans)
        reader.runs = None  # type: ignore[assignment]  # broken on purpose: the next line read trips on it
        return reader, part

    monkeypatch.setattr(claude_resume, "restore", broken)
    with open(main, "ab") as fh:
        fh.write(claude_line(9, "line-8", "grown"))
    report = bucket.sync({"claude": [source]}, workers=1)
    assert report.updated == 1 and not report.errors
    assert len(bucket.session(SID).steps) == 9
    bucket.close()


def test_a_state_that_inflates_past_the_limit_is_refused(tmp_path: Path) -> None:
    import zstandard

    state = tmp_path / "s.json.zst"
    # A few kB that inflate past the limit: read no further than it, and refused.
    for sized in (True, False):
        packed = zstandard.ZstdCompressor(level=1, write_content_size=sized).compress(
            b"\0" * (resume_mod.MAX_STATE + 9)
        )
        assert len(packed) < 1 << 20
        state.write_bytes(packed)
        assert resume_mod.load(state, 0) is None
    state.write_bytes(b"\x28\xb5\x2f\xfd" + b"\xff" * 20)
    assert resume_mod.load(state, 0) is None


def test_states_of_logs_long_quiet_are_pruned(tmp_path: Path) -> None:
    bucket, source, main = sync_once(tmp_path)
    state = resume_mod.state_path(bucket.root, str(main))
    stray = state.with_name(f".{state.name}.999999999.tmp")  # left by a killed sync
    stray.write_bytes(b"x")
    bucket.sync({"claude": [source]}, workers=1)
    assert state.is_file() and not stray.exists()
    old = os.stat(state).st_mtime - resume_mod.STALE_SECONDS - 60
    os.utime(state, (old, old))
    bucket.sync({"claude": [source]}, workers=1)
    assert not state.exists()
    assert bucket.session(SID).steps  # the session stays; only its state went
    bucket.close()
