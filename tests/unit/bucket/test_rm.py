"""tracetui rm / Bucket.remove: a session leaves the bucket (rows and copies), the agent's logs stay
untouched, and a sync does not bring it back until one of its logs changes."""

from __future__ import annotations

import hashlib
import io
import os
import shutil

import orjson
import pytest

from shared_data import FIXTURES
from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.errors import TracetuiError
from tracetui.model import SessionFilter

SHOP = FIXTURES / "claude" / "projects" / "-home-dev-shop"
NESTED = "33333333-3333-4333-8333-333333333333"  # a main log with subagent files beside it
REWIND = "11111111-1111-4111-8111-111111111111"


def hashes(root) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def logs(tmp_path):
    folder = tmp_path / "claude" / "-home-dev-shop"
    shutil.copytree(SHOP, folder)
    return tmp_path / "claude"


def sync(bucket: Bucket, logs):
    return bucket.sync({"claude": [logs]}, workers=1)


def copies(bucket: Bucket) -> set[str]:
    return {p.name for p in (bucket.root / "raw").iterdir()}


def test_remove_takes_rows_and_copies_and_never_the_log(tmp_path, logs):
    before = hashes(logs)
    with Bucket.open(tmp_path / "b") as b:
        sync(b, logs)
        total = b.count_sessions(SessionFilter(include_hidden=True))
        kept_copies = copies(b)
        removal = b.remove(NESTED[:8])
        assert removal.session == NESTED and removal.agent == "claude"
        assert len(removal.logs) > 1 and all(path.startswith(str(logs)) for path in removal.logs)
        assert removal.copies >= 2 * len(removal.logs)  # a sidecar and a copy each, at least
        assert NESTED not in {s.id for s in b.list_sessions(SessionFilter(include_hidden=True))}
        assert b.count_sessions(SessionFilter(include_hidden=True)) == total - 1
        with pytest.raises(TracetuiError, match="no session id starts with"):
            b.session(NESTED)
        assert b.search("zzzz-nothing") == []
        assert len(kept_copies - copies(b)) == removal.copies  # only its own copies went
        assert REWIND in {s.id for s in b.list_sessions(SessionFilter(include_hidden=True))}
        # The next sync passes over its logs: no session, not even one from its subagent files.
        report = sync(b, logs)
        assert (report.new, report.updated, report.sessions) == (0, 0, total - 1)
        assert not any(s.id.startswith(NESTED) for s in b.list_sessions(SessionFilter(include_hidden=True)))
    assert hashes(logs) == before  # the agent's logs, byte for byte


def test_a_removed_session_comes_back_when_its_log_changes(tmp_path, logs):
    main_log = logs / "-home-dev-shop" / f"{NESTED}.jsonl"
    with Bucket.open(tmp_path / "b") as b:
        sync(b, logs)
        steps = len(b.session(NESTED).steps)
        b.remove(NESTED)
        last = orjson.loads(main_log.read_bytes().splitlines()[-1])
        extra = {**last, "uuid": "99999999-9999-4999-8999-999999999999", "parentUuid": last.get("uuid")}
        with open(main_log, "ab") as fh:
            fh.write(orjson.dumps(extra) + b"\n")
        report = sync(b, logs)
        assert report.new == 1
        assert len(b.session(NESTED).steps) >= steps  # read afresh, whole
        assert not (b.root / "removed.json").exists()  # nothing left to pass over


def test_removal_survives_an_index_rebuild(tmp_path, logs):
    with Bucket.open(tmp_path / "b") as b:
        sync(b, logs)
        b.remove(NESTED)
        total = b.count_sessions(SessionFilter(include_hidden=True))
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (tmp_path / "b" / name).unlink(missing_ok=True)
    with Bucket.open(tmp_path / "b") as b:  # rebuilt from the copies, which are gone for it
        assert b.count_sessions(SessionFilter(include_hidden=True)) == total
        sync(b, logs)
        assert b.count_sessions(SessionFilter(include_hidden=True)) == total


def test_a_removal_cut_short_is_finished_by_the_next_sync(tmp_path, logs):
    from tracetui.bucket import removed

    with Bucket.open(tmp_path / "b") as b:
        sync(b, logs)
        files = b.raw_files(NESTED)
        # As if the process died right after writing down the decision: rows and copies still there.
        entries = []
        for f in files:
            st = os.stat(f.path)
            entries.append(removed.RemovedLog("claude", f.path, st.st_size, st.st_mtime_ns, files[0].path, NESTED))
        removed.save(b.root, entries)
        sync(b, logs)
        assert NESTED not in {s.id for s in b.list_sessions(SessionFilter(include_hidden=True))}


def test_cli_rm_asks_on_a_terminal_and_refuses_without_one(tmp_path, logs, capsys, monkeypatch):
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={logs}", "--json"]) == 0
    capsys.readouterr()

    # No terminal, no --yes: refused, nothing removed.
    assert main(["rm", NESTED[:8], "--bucket", bucket]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert main(["rm", NESTED[:8], "--bucket", bucket, "--json"]) == 2
    assert "pass --yes" in orjson.loads(capsys.readouterr().out)["error"]

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    assert main(["rm", NESTED[:8], "--bucket", bucket]) == 1
    err = capsys.readouterr().err
    assert f"Remove session {NESTED}" in err and "[y/N]" in err and "nothing removed" in err
    assert main(["show", NESTED, "--bucket", bucket, "--json"]) == 0
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    assert main(["rm", NESTED[:8], "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"removed {NESTED}") and "the agent's logs are untouched" in out
    assert main(["show", NESTED, "--bucket", bucket, "--json"]) == 1
    capsys.readouterr()

    assert main(["rm", REWIND, "--yes", "--bucket", bucket, "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["removed"] == REWIND and doc["agent"] == "claude" and doc["copies"] >= 2 and doc["logs"]
    assert main(["rm", "zzzz", "--yes", "--bucket", bucket, "--json"]) == 1
    assert "no session id starts with" in orjson.loads(capsys.readouterr().out)["error"]


def test_read_only_bucket_refuses(tmp_path, logs, monkeypatch):
    with Bucket.open(tmp_path / "b") as b:
        sync(b, logs)
        b.read_only = True
        with pytest.raises(TracetuiError, match="read-only"):
            b.remove(NESTED)
