"""The bucket never loses a session: truncated, rewritten, deleted and damaged logs, copies and
sidecars, deep nesting, and sparse files, on copies of real logs and on hand-made ones."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from shared_data import CORPUS, requires_corpus, ROOT
from tracetui.bucket import Bucket
from tracetui.bucket import store as store_mod
from tracetui.cli import main
from tracetui.views import unread

AGENTS = ("claude", "codex", "pi")


def _largest_logs(agent: str, n: int = 2) -> list[Path]:
    files = [p for p in (CORPUS / agent).glob("*.jsonl") if "subagents" not in p.name]
    return sorted(files, key=lambda p: p.stat().st_size)[-n:]


def _one_log_bucket(tmp_path: Path, agent: str, original: Path) -> tuple[Bucket, Path, str, int]:
    src = tmp_path / "src"
    src.mkdir(parents=True)
    log = src / original.name
    shutil.copyfile(original, log)
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({agent: [src]})
    [row] = bucket.list_sessions()
    return bucket, log, row.id, len(bucket.session(row.id).steps)


def _damage(log: Path, how: str) -> None:
    data = log.read_bytes()
    if how == "emptied":
        log.write_bytes(b"")
    elif how == "halved":
        log.write_bytes(data[: len(data) // 2])
    elif how == "rewritten":  # the same size, new content in the middle, a new mtime
        mid = len(data) // 2
        start = data.rfind(b"\n", 0, mid) + 1
        end = data.find(b"\n", mid)
        log.write_bytes(data[:start] + b"x" * (end - start) + data[end:])
        st = os.stat(log)
        os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    elif how == "deleted":
        log.unlink()


@requires_corpus
@pytest.mark.parametrize("how", ["emptied", "halved", "rewritten", "deleted"])
@pytest.mark.parametrize("agent", AGENTS)
def test_damaging_a_log_never_reduces_the_steps_show_returns(tmp_path, agent, how):
    for n, original in enumerate(_largest_logs(agent)):
        bucket, log, sid, steps = _one_log_bucket(tmp_path / str(n), agent, original)
        _damage(log, how)
        bucket.sync({agent: [log.parent]})
        assert len(bucket.session(sid).steps) >= steps, f"{how} {original.name} lost steps"
        # and again, after a later sync with nothing new
        bucket.sync({agent: [log.parent]})
        assert len(bucket.session(sid).steps) >= steps
        bucket.close()


@requires_corpus
def test_a_same_size_rewrite_in_the_middle_is_noticed_and_searchable(tmp_path):
    original = _largest_logs("pi", 1)[0]
    bucket, log, sid, _ = _one_log_bucket(tmp_path, "pi", original)
    data = log.read_bytes()
    lines = data.split(b"\n")
    mid = len(lines) // 2
    record = orjson.loads(lines[mid])
    record["zebraquagga"] = "zebraquagga"
    new = orjson.dumps(record)
    # Keep the size: trim the same number of bytes from a long string of another line.
    assert not bucket.search("zebraquagga")
    pad = len(new) - len(lines[mid])
    victim = max((i for i in range(len(lines)) if i != mid), key=lambda i: len(lines[i]))
    obj = orjson.loads(lines[victim])
    text = orjson.dumps(obj)
    assert len(text) > pad + 200
    lines[mid] = new
    lines[victim] = text  # re-encoded compactly: pad the rest with spaces inside the JSON
    body = b"\n".join(lines)
    body = body[: len(data)] if len(body) >= len(data) else body + b" " * (len(data) - len(body))
    log.write_bytes(body)
    st = os.stat(log)
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    bucket.sync({"pi": [log.parent]})
    fresh = Bucket.open(tmp_path / "fresh")
    fresh.sync({"pi": [log.parent]})
    assert bool(bucket.search("zebraquagga")) == bool(fresh.search("zebraquagga"))
    bucket.close()
    fresh.close()


def _hand_log(folder: Path, n: int = 4) -> Path:
    """A small Pi v3 log: a header and n user/assistant messages."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "2026-01-01T00-00-00-000Z_aaaaaaaa-0000-4000-8000-000000000001.jsonl"
    lines = [{"type": "session", "version": 3, "id": "aaaaaaaa-0000-4000-8000-000000000001",
              "timestamp": "2026-01-01T00:00:00.000Z", "cwd": "/home/u/p"}]  # fmt: skip
    parent = None
    for i in range(n):
        mid = f"m{i:04d}"
        role = "user" if i % 2 == 0 else "assistant"
        content = [{"type": "text", "text": f"message {i}"}]
        lines.append({"type": "message", "id": mid, "parentId": parent, "timestamp": f"2026-01-01T00:00:{i:02d}.000Z",
                      "message": {"role": role, "content": content}})  # fmt: skip
        parent = mid
    log.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    return log


def _append(log: Path, record: dict) -> None:
    import json  # not orjson: it refuses to write nesting deeper than 254, and logs may hold it

    with open(log, "ab") as fh:
        fh.write(json.dumps(record).encode() + b"\n")


def _message(i: int, parent: str, content: object = None) -> dict:
    return {"type": "message", "id": f"m{i:04d}", "parentId": parent, "timestamp": f"2026-01-01T00:01:{i % 60:02d}.000Z",
            "message": {"role": "user", "content": content or [{"type": "text", "text": f"more {i}"}]}}  # fmt: skip


def test_a_damaged_copy_plus_an_appended_line_keeps_the_session(tmp_path):
    log = _hand_log(tmp_path / "src")
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"pi": [log.parent]})
        [row] = bucket.list_sessions()
        copy = next((tmp_path / "b" / "raw").glob("*.zst"))
        copy.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00garbage" * 10)
        _append(log, _message(50, "m0003"))
        report = bucket.sync({"pi": [log.parent]})
        assert [r.id for r in bucket.list_sessions()] == [row.id]
        assert len(bucket.session(row.id).steps) == row.steps + 1
        assert any("copied the log again" in e.error for e in report.errors)


def test_a_tool_call_nested_300_levels_deep_is_read_not_fatal(tmp_path):
    log = _hand_log(tmp_path / "src")
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"pi": [log.parent]})
        [row] = bucket.list_sessions()
        deep: object = "bottom"
        for _ in range(300):
            deep = {"x": deep}
        call = {"type": "message", "id": "m0100", "parentId": "m0003", "timestamp": "2026-01-01T00:02:00.000Z",
                "message": {"role": "assistant", "content": [
                    {"type": "toolCall", "id": "call_1", "name": "bash", "arguments": {"command": "ls", "deep": deep}}]}}  # fmt: skip
        _append(log, call)
        bucket.sync({"pi": [log.parent]})
        assert [r.id for r in bucket.list_sessions()] == [row.id]
        session = bucket.session(row.id)
        assert len(session.steps) > row.steps
        assert any(s.tool == "bash" for s in session.steps)


def test_the_log_deleted_then_its_sidecar_damaged_still_shows_the_session(tmp_path):
    log = _hand_log(tmp_path / "src")
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"pi": [log.parent]})
        [row] = bucket.list_sessions()
        log.unlink()
        bucket.sync({"pi": [log.parent]})
        sidecar = next(p for p in (tmp_path / "b" / "raw").glob("*.json"))
        sidecar.write_bytes(b"{damaged")
        report = bucket.sync({"pi": [log.parent]})
        assert [r.id for r in bucket.list_sessions()] == [row.id]
        assert len(bucket.session(row.id).steps) == row.steps
        assert any("rebuilt it from its copy" in e.error for e in report.errors)
        # and the index rebuilt from the copies alone still has it
        (tmp_path / "b" / "index.sqlite").unlink()
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"pi": [log.parent]})
        assert [r.id for r in bucket.list_sessions()] == [row.id]


def test_a_session_that_fails_to_read_again_keeps_its_rows_and_says_why(tmp_path, monkeypatch):
    import tracetui.sources as readers

    log = _hand_log(tmp_path / "src")
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"pi": [log.parent]})
        [row] = bucket.list_sessions()
        real = readers.reader

        class Broken:
            group = staticmethod(lambda paths: real("pi").group(paths))

            @staticmethod
            def read(main, companions):
                raise RuntimeError("boom")

        monkeypatch.setattr(readers, "reader", lambda agent: Broken if agent == "pi" else real(agent))
        _append(log, _message(60, "m0003"))
        report = bucket.sync({"pi": [log.parent]}, workers=1)
        [kept] = bucket.list_sessions()
        assert kept.id == row.id and kept.steps == row.steps
        assert kept.note is not None and "boom" in kept.note
        assert any("boom" in e.error for e in report.errors)
        again = bucket.sync({"pi": [log.parent]}, workers=1)  # every later sync says so too
        assert any("boom" in e.error for e in again.errors)
        monkeypatch.setattr(readers, "reader", real)
        bucket.sync({"pi": [log.parent]}, workers=1)
        [fixed] = bucket.list_sessions()
        assert fixed.steps == row.steps + 1 and fixed.note is None


def test_an_over_long_line_is_skipped_and_reported_not_fatal(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(store_mod, "MAX_LINE", 4096)
    monkeypatch.setattr(store_mod, "CHUNK", 1024)
    log = _hand_log(tmp_path / "src")
    _append(log, _message(70, "m0003", [{"type": "text", "text": "y" * 10_000}]))
    _append(log, _message(71, "m0003"))
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"pi": [log.parent]}, workers=1)
        [row] = bucket.list_sessions()
        assert row.steps == 5  # four hand-made messages and the one after the long line
        [err] = [e for e in report.errors if "over the" in e.error]
        assert err.line == 6
        # The session keeps it, once, through later syncs that read only what grew: `show` and the
        # app's title say it long after this report is gone.
        _append(log, _message(72, "m0003"))
        again = bucket.sync({"pi": [log.parent]}, workers=1)
        assert [e.line for e in again.errors if "over the" in e.error] == [6]
        kept = bucket.session(row.id)
        assert [e.line for e in kept.errors if "over the" in e.error] == [6]
        assert unread.count_text(kept) == "1 line not read"
        assert f"{log.name} line 6: a line of" in (unread.report_line(kept) or "")
        # A log whose one record is too long to read is listed, not hidden as an empty session.
        (log.parent / "2026-01-03T00-00-00-000Z_cccccccc-0000-4000-8000-000000000003.jsonl").write_text(
            '{"type":"session","version":3,"id":"cccccccc-0000-4000-8000-000000000003","timestamp":'
            '"2026-01-03T00:00:00.000Z","cwd":"/w","pad":"' + "z" * 10_000 + '"}\n'
        )
        bucket.sync({"pi": [log.parent]}, workers=1)
        [big] = [r for r in bucket.list_sessions() if r.id.startswith("cccccccc")]
        assert big.hidden is None and big.steps == 0
    capsys.readouterr()
    assert main(["--bucket", str(tmp_path / "b"), "show", row.id]) == 0
    assert f"read:     1 line not read (first: {log.name} line 6: a line of" in capsys.readouterr().out


def test_a_sparse_gigabyte_log_syncs_in_bounded_memory(tmp_path):
    src = tmp_path / "src"
    log = _hand_log(src)
    sparse = src / "2026-01-02T00-00-00-000Z_bbbbbbbb-0000-4000-8000-000000000002.jsonl"
    with open(sparse, "wb") as fh:
        fh.truncate(1 << 30)
    code = (
        "import resource, sys, orjson\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))\n"
        "from pathlib import Path\nfrom tracetui.bucket import Bucket\n"
        "with Bucket.open(sys.argv[1]) as b:\n"
        "    r = b.sync({'pi': [Path(sys.argv[2])]}, workers=1)\n"
        "    print(orjson.dumps({'sessions': r.sessions, 'errors': r.to_dict()['errors']}).decode())\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "b"), str(src)], capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    report = orjson.loads(out.stdout)
    assert report["sessions"] >= 1  # the hand-made log (the sparse one holds no steps)
    assert any(e["path"] == str(sparse) and "over the" in e["error"] for e in report["errors"])
    del log


def test_random_damage_to_copies_and_sidecars_never_drops_a_session(tmp_path):
    rng = random.Random(7)
    src = tmp_path / "src"
    for i in range(6):
        _hand_log(src / f"p{i}", 4 + i)
        (src / f"p{i}" / next((src / f"p{i}").iterdir()).name).rename(
            src / f"p{i}" / f"2026-01-0{i + 1}T00-00-00-000Z_cccccccc-0000-4000-8000-00000000000{i}.jsonl")
    for path in src.rglob("*.jsonl"):
        data = path.read_bytes().replace(b"aaaaaaaa-0000-4000-8000-000000000001", path.stem.split("_")[1].encode())
        path.write_bytes(data)
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"pi": [src]})
        before = {r.id: r.steps for r in bucket.list_sessions()}
        assert len(before) == 6
        raw = tmp_path / "b" / "raw"
        for path in sorted(raw.iterdir()):
            if rng.random() < 0.5:
                data = bytearray(path.read_bytes())
                for _ in range(3):
                    data[rng.randrange(len(data))] ^= 0xFF
                path.write_bytes(bytes(data))
        for path in src.rglob("*.jsonl"):
            _append(path, _message(99, "m0003"))
        bucket.sync({"pi": [src]})
        after = {r.id: r.steps for r in bucket.list_sessions()}
        assert set(after) == set(before)
        assert all(after[k] >= before[k] for k in before)
