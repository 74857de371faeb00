"""A sync told which files changed (the watcher's paths) looks at those files' session groups only,
and falls back to the whole sync where the change cannot be scoped; nothing is lost either way."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest

from tracetui.model import SessionFilter
import tracetui.sources as readers
from shared_data import CORPUS, FIXTURES, requires_corpus
from tracetui.bucket import Bucket
from tracetui.bucket import store as store_mod
from tracetui.bucket.locations import discover

PI_ID = "7d1e5b3a-2c4f-4e8a-9b6d-0f1a2b3c4d5e"
SHOP = "33333333-3333-4333-8333-333333333333"
SUB = "a1b2c3d4e5f6a7b8c"


def _pi_line(n: int, text: str) -> bytes:
    rec = {"type": "message", "id": f"scoped{n}", "parentId": "e2" if n == 0 else f"scoped{n - 1}",
           "timestamp": f"2026-01-06T09:01:{n:02d}.000Z",
           "message": {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 1767690060000 + n}}  # fmt: skip
    return orjson.dumps(rec) + b"\n"


def _pi_logs(folder: Path, count: int, first: int = 0) -> list[Path]:
    """`count` Pi logs, each its own session (the fixture with distinct ids)."""
    folder.mkdir(parents=True)
    src = next((FIXTURES / "bucket" / "pi").glob("*.jsonl"))
    data = src.read_bytes()
    out = []
    for i in range(first, first + count):
        sid = f"{i:08x}" + PI_ID[8:]
        path = folder / src.name.replace(PI_ID, sid)
        path.write_bytes(data.replace(PI_ID.encode(), sid.encode()))
        out.append(path)
    return out


class Counted:
    """Counts the sidecars a sync reads and the files each reader call is handed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loaded: list[str] = []
        self.load_all = 0
        self.grouped: list[int] = []
        self.read: list[str] = []
        load, load_all, reader = store_mod.Store.load, store_mod.Store.load_all, readers.reader

        def counted_load(store, agent, path):
            self.loaded.append(path)
            return load(store, agent, path)

        def counted_load_all(store):
            self.load_all += 1
            return load_all(store)

        class Spy:
            def __init__(self, real):
                self._real = real

            def __getattr__(self, name):
                return getattr(self._real, name)

            def group(spy, paths):
                self.grouped.append(len(paths))
                return spy._real.group(paths)

            def read(spy, main, companions):
                self.read.append(main.path)
                return spy._real.read(main, companions)

            @property
            def resume(spy):  # a grown log is read on from where it was (None: the reader cannot)
                real = spy._real.resume
                if real is None:
                    return None

                def resumed(previous, main, companions):
                    self.read.append(main.path)
                    return real(previous, main, companions)

                return resumed

        monkeypatch.setattr(store_mod.Store, "load", counted_load)
        monkeypatch.setattr(store_mod.Store, "load_all", counted_load_all)
        monkeypatch.setattr(readers, "reader", lambda agent: Spy(reader(agent)))


def test_a_scoped_sync_reads_only_the_changed_logs_group(tmp_path, monkeypatch):
    logs = _pi_logs(tmp_path / "pi", 60)
    sources = {"pi": [tmp_path / "pi"]}
    with Bucket.open(tmp_path / "bucket") as bucket:
        assert bucket.sync(sources, workers=1).new == 60
        changed = logs[17]
        with open(changed, "ab") as fh:
            fh.write(_pi_line(0, "written while watched"))
        counted = Counted(monkeypatch)
        report = bucket.sync(sources, workers=1, paths={str(changed)})
        assert (report.new, report.updated, report.unchanged, report.errors) == (0, 1, 59, [])
        assert counted.load_all == 0  # no sidecar but the changed log's
        assert counted.loaded == [str(changed)]
        assert counted.grouped == [1]
        sid = f"{17:08x}" + PI_ID[8:]
        assert [s.text for s in bucket.session(sid).steps][-1] == "written while watched"
        # Every other session is as it was, and a whole sync afterwards finds nothing left to do.
        monkeypatch.undo()
        again = bucket.sync(sources, workers=1)
        assert (again.new, again.updated, again.unchanged) == (0, 0, 60)


def test_a_scoped_sync_of_a_changed_subagent_updates_its_parent_session(tmp_path, monkeypatch):
    src = tmp_path / "claude"
    shutil.copytree(FIXTURES / "claude" / "projects", src)
    sources = {"claude": [src]}
    with Bucket.open(tmp_path / "bucket") as bucket:
        first = bucket.sync(sources, workers=1)
        agent_log = src / "-home-dev-shop" / SHOP / "subagents" / f"agent-{SUB}.jsonl"
        last = orjson.loads(agent_log.read_bytes().splitlines()[-1])
        line = dict(last, parentUuid=last["uuid"], uuid="s-scoped", timestamp="2026-01-07T10:00:07.000Z")
        line["message"] = dict(last["message"], id="msg_scoped",
                               content=[{"type": "text", "text": "a third test file, found late"}])  # fmt: skip
        with open(agent_log, "ab") as fh:
            fh.write(orjson.dumps(line) + b"\n")
        counted = Counted(monkeypatch)
        report = bucket.sync(sources, workers=1, paths={str(agent_log)})
        assert (report.new, report.updated) == (0, 1)
        assert report.unchanged == first.sessions - 1
        assert counted.load_all == 0
        parent = str(src / "-home-dev-shop" / f"{SHOP}.jsonl")
        assert counted.read == [parent]  # the parent session, read once, with its subagent
        inside = str(src / "-home-dev-shop" / SHOP) + os.sep
        assert all(p == parent or p.startswith(inside) for p in counted.loaded)
        assert any("a third test file, found late" in (s.text or "") for s in bucket.session(SHOP).steps)


def test_a_new_log_is_synced_from_its_path_and_a_deleted_one_keeps_its_session(tmp_path, monkeypatch):
    logs = _pi_logs(tmp_path / "pi", 30)
    sources = {"pi": [tmp_path / "pi"]}
    with Bucket.open(tmp_path / "bucket") as bucket:
        bucket.sync(sources, workers=1)
        new = _pi_logs(tmp_path / "more", 1, first=30)[-1]
        moved = tmp_path / "pi" / new.name
        new.rename(moved)
        counted = Counted(monkeypatch)
        report = bucket.sync(sources, workers=1, paths={str(moved)})
        assert (report.new, report.updated, report.unchanged) == (1, 0, 30)
        assert counted.load_all == 0
        # A log deleted cannot be scoped: the whole sync decides, and the session stays (the
        # bucket keeps its copy).
        logs[3].unlink()
        report = bucket.sync(sources, workers=1, paths={str(logs[3])})
        assert counted.load_all == 1
        assert (report.sessions, report.errors) == (31, [])
        sid = f"{3:08x}" + PI_ID[8:]
        assert bucket.session(sid).steps


def test_changes_that_cannot_be_scoped_sync_the_whole_folder(tmp_path, monkeypatch):
    _pi_logs(tmp_path / "pi", 5)
    sources = {"pi": [tmp_path / "pi"]}
    with Bucket.open(tmp_path / "bucket") as bucket:
        bucket.sync(sources, workers=1)
        _pi_logs(tmp_path / "pi" / "sub", 2, first=5)  # a folder added: its logs are the change
        counted = Counted(monkeypatch)
        report = bucket.sync(sources, workers=1, paths={str(tmp_path / "pi" / "sub")})
        assert report.new == 2
        assert counted.load_all == 0
        shutil.rmtree(tmp_path / "pi" / "sub")  # a folder removed: the whole sync keeps its sessions
        report = bucket.sync(sources, workers=1, paths={str(tmp_path / "pi" / "sub")})
        assert counted.load_all == 1 and report.sessions == 7
        # A path no agent reads (an editor's temporary file) changes nothing and costs nothing.
        (tmp_path / "pi" / "notes.txt").write_text("x")
        before = counted.load_all
        report = bucket.sync(sources, workers=1, paths={str(tmp_path / "pi" / "notes.txt")})
        assert (report.new, report.updated, report.unchanged) == (0, 0, 7)
        assert counted.load_all == before


def _restaged(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The agents each sync's look at whole folders was for, when a scoped sync had one run."""
    from tracetui.bucket import sync_plan

    calls: list[list[str]] = []
    plan = sync_plan._plan

    def spy(store, conn, sources, report, alone=False):
        if alone:
            calls.append(sorted(sources))
        return plan(store, conn, sources, report, alone)

    monkeypatch.setattr(sync_plan, "_plan", spy)  # the scoped look calls it from there
    return calls


def _listed(bucket: Bucket) -> list[bytes]:
    """The sessions as listed, a staged log's path (in the bucket) made the same in either bucket."""
    root = orjson.dumps(str(bucket.root))[1:-1]
    return sorted(orjson.dumps(s.to_dict()).replace(root, b"<bucket>") for s in bucket.list_sessions())


def _groups(bucket: Bucket) -> list[tuple]:
    """The index's groups (main, agent, files), staged logs' paths as in `_listed`. Their signatures
    differ between buckets only where a stage wrote the log (its mtime): a whole sync afterwards
    that finds nothing to do says they are right."""
    root = str(bucket.root)
    rows = bucket._conn().execute("SELECT main, agent, files FROM groups ORDER BY main").fetchall()
    return sorted(tuple(v.replace(root, "<bucket>") for v in r) for r in rows)


@requires_corpus
@pytest.mark.parametrize("agent", ["claude", "codex", "pi", "gemini", "opencode", "copilot"])
def test_real_logs_arriving_and_growing_index_as_a_whole_sync_does(tmp_path, monkeypatch, agent):
    """A real session's files (a Claude transcript and its subagents) appear after the first sync,
    then its main log grows: the syncs of their paths leave the bucket as whole syncs do. A new log
    of an agent whose logs pass a stage (Codex, Gemini, OpenCode) syncs that agent's folders whole,
    and no other agent's: the Pi logs beside it are not looked at."""
    src = tmp_path / "src"
    shutil.copytree(CORPUS / agent, src)
    groups = readers.group(agent, discover(agent, [src]))
    group = max(groups, key=lambda g: (len(g.all), str(g.main)))  # the one with most companions
    held = tmp_path / "held"
    held.mkdir()
    for f in group.all:
        shutil.move(f, held / f.name)
    others = _pi_logs(tmp_path / "others", 3, first=100) if agent != "pi" else []
    sources = {agent: [src]} | ({"pi": [tmp_path / "others"]} if others else {})
    with Bucket.open(tmp_path / "scoped") as scoped_bucket, Bucket.open(tmp_path / "whole") as whole_bucket:
        scoped_bucket.sync(sources, workers=1)
        for f in group.all:
            shutil.move(held / f.name, f)
        counted = Counted(monkeypatch)
        restaged = _restaged(monkeypatch)
        report = scoped_bucket.sync(sources, workers=1, paths={str(f) for f in group.all})
        assert counted.load_all == 0
        assert not {str(f) for f in others} & set(counted.loaded)
        # A new plain Codex rollout needs no stage (Codex says so); Gemini's and OpenCode's go through theirs.
        assert restaged == ([[agent]] if agent in ("gemini", "opencode") else [])
        assert report.new >= 1 and report.errors == []  # a Gemini logs.json names several sessions
        monkeypatch.undo()
        whole_bucket.sync(sources, workers=1)
        assert _listed(scoped_bucket) == _listed(whole_bucket)
        assert _groups(scoped_bucket) == _groups(whole_bucket)
        # The main log grows by a line (its last one again, as a resumed session may write it).
        main = Path(group.main)
        with open(main, "ab") as fh:
            fh.write(main.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1] + b"\n")
        counted = Counted(monkeypatch)
        report = scoped_bucket.sync(sources, workers=1, paths={str(main)})
        assert counted.load_all == 0
        # OpenCode's objects are merged by id: the same object written again changes nothing.
        assert report.updated == (0 if agent == "opencode" else 1)
        monkeypatch.undo()
        whole_bucket.sync(sources, workers=1)
        assert _listed(scoped_bucket) == _listed(whole_bucket)
        assert _groups(scoped_bucket) == _groups(whole_bucket)
        # and a whole sync afterwards finds nothing the scoped ones left undone
        again = scoped_bucket.sync(sources, workers=1)
        assert (again.new, again.updated) == (0, 0)


def _claude_tree(dest: Path) -> dict[str, list[Path]]:
    """The corpus's Claude Code files of ~/.claude/projects laid out as they were on disk (the corpus
    flattens a path's folders into `__`): {session id: [main transcript, its subagents' files]}."""
    out: dict[str, list[Path]] = {}
    for f in sorted((CORPUS / "claude").glob("*.claude__projects__*")):
        parts = f.name.split(".claude__projects__", 1)[1].split("__")
        path = dest.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, path)
        sid = parts[1].removesuffix(".jsonl")
        out.setdefault(sid, []).append(path)
    return out


@requires_corpus
@pytest.mark.parametrize("named", ["folder", "everything"])
def test_a_new_subagent_folder_is_scoped_and_indexes_as_a_whole_sync_does(tmp_path, monkeypatch, named):
    """Claude Code writes a session's first subagent into a new `<session>/subagents/` folder: the
    watcher names the folder (moved in) or the folder and each file (created), and the sync looks at
    that session's group alone, with the same result as a whole sync."""
    src = tmp_path / "projects"
    tree = _claude_tree(src)
    sid, files = max(tree.items(), key=lambda kv: (len(kv[1]), kv[0]))
    folder = src / files[0].parent.name / sid
    assert folder.is_dir() and len(files) > 2
    held = tmp_path / "held"
    shutil.move(folder, held)
    sources = {"claude": [src]}
    with Bucket.open(tmp_path / "scoped") as scoped_bucket, Bucket.open(tmp_path / "whole") as whole_bucket:
        scoped_bucket.sync(sources, workers=1)
        before = {s.id: s.steps for s in scoped_bucket.list_sessions()}
        shutil.move(held, folder)
        paths = {str(folder)}
        if named == "everything":
            paths |= {str(folder / "subagents")} | {str(f) for f in files if folder in f.parents}
        counted = Counted(monkeypatch)
        report = scoped_bucket.sync(sources, workers=1, paths=paths)
        assert counted.load_all == 0
        assert (report.new, report.updated, report.errors) == (0, 1, [])
        assert counted.read == [str(files[0])]  # the parent session, with its subagents
        monkeypatch.undo()
        whole_bucket.sync(sources, workers=1)
        assert _listed(scoped_bucket) == _listed(whole_bucket)
        assert _groups(scoped_bucket) == _groups(whole_bucket)
        after = {s.id: s.steps for s in scoped_bucket.list_sessions()}
        assert after[sid] > before[sid]
        again = scoped_bucket.sync(sources, workers=1)
        assert (again.new, again.updated) == (0, 0)


def _crowd(folder: Path, count: int) -> None:
    """`count` one-prompt Claude Code transcripts, each its own session, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        sid = f"{i:08x}-0000-4000-8000-000000000000"
        line = {"type": "user", "sessionId": sid, "uuid": f"u{i}", "parentUuid": None, "cwd": "/home/dev/x",
                "timestamp": "2026-01-05T10:00:00.000Z",
                "message": {"role": "user", "content": f"prompt {i}"}}
        (folder / f"{sid}.jsonl").write_bytes(orjson.dumps(line) + b"\n")


@requires_corpus
def test_a_new_session_in_a_crowded_folder_is_scoped_by_its_kin(tmp_path, monkeypatch):
    """A new transcript in a project folder of more logs than MAX_NEIGHBOURS, then its subagents'
    folder, then an old-layout subagent file beside it: each is synced from the files the reader
    groups it with, and the bucket is what a whole sync makes of the same folder."""
    from tracetui.bucket import scoped

    src = tmp_path / "projects"
    tree = _claude_tree(tmp_path / "tree")
    sid, files = max(tree.items(), key=lambda kv: (len(kv[1]), kv[0]))
    project = src / "-home-dev-x"
    _crowd(project, scoped.MAX_NEIGHBOURS + 20)
    sources = {"claude": [src]}
    main = project / files[0].name
    sub = project / sid
    # an old-layout subagent (Claude Code 1.x wrote `agent-<id>.jsonl` beside the transcripts)
    agent_file = next(f for f in files[1:] if f.name.endswith(".jsonl") and "aside" not in f.name)
    old = project / "agent-0123abcd.jsonl"

    def start() -> set[str]:
        shutil.copyfile(files[0], main)
        return {str(main)}

    def subagents() -> set[str]:  # its first subagent: a folder the watcher names alone
        for f in files[1:]:
            target = sub / f.relative_to(files[0].parent / sid)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
        return {str(sub)}

    def old_layout() -> set[str]:
        shutil.copyfile(agent_file, old)
        return {str(old)}

    with Bucket.open(tmp_path / "scoped") as scoped_bucket, Bucket.open(tmp_path / "whole") as whole_bucket:
        scoped_bucket.sync(sources, workers=1)
        steps = []
        for change, new, updated in ((start, 1, 0), (subagents, 0, 1), (old_layout, 0, 1)):
            paths = change()
            counted = Counted(monkeypatch)
            report = scoped_bucket.sync(sources, workers=1, paths=paths)
            assert counted.load_all == 0, paths
            assert len(counted.loaded) < 20, paths  # not the crowd's sidecars
            assert (report.new, report.updated, report.errors) == (new, updated, []), paths
            steps.append(scoped_bucket.summary(sid).steps)
            monkeypatch.undo()
            whole_bucket.sync(sources, workers=1)
            assert _listed(scoped_bucket) == _listed(whole_bucket), paths
            assert _groups(scoped_bucket) == _groups(whole_bucket), paths
        assert steps[0] < steps[1]
        again = scoped_bucket.sync(sources, workers=1)
        assert (again.new, again.updated) == (0, 0)


def test_a_path_that_is_not_utf8_or_a_grouping_that_fails_falls_back_in_one_line(tmp_path, monkeypatch):
    logs = _pi_logs(tmp_path / "pi", 3)
    sources = {"pi": [tmp_path / "pi"]}
    with Bucket.open(tmp_path / "bucket") as bucket:
        bucket.sync(sources, workers=1)
        odd = os.fsencode(tmp_path / "pi") + b"/\xff-session.jsonl"
        with open(odd, "wb") as fh:
            fh.write(logs[0].read_bytes())
        report = bucket.sync(sources, workers=1, paths={os.fsdecode(odd)})
        assert [e.error for e in report.errors] == ["the log's path is not UTF-8: rename it to have it read"]
        os.unlink(odd)
        real = readers.reader

        class Broken:
            def __getattr__(self, name):
                return getattr(real("pi"), name)

            def group(self, paths):
                raise RuntimeError("a reader's bug")

        monkeypatch.setattr(readers, "reader", lambda agent: Broken())
        with open(logs[1], "ab") as fh:
            fh.write(_pi_line(0, "after the bug"))
        report = bucket.sync(sources, workers=1, paths={str(logs[1])})
        assert [e.error for e in report.errors] == ["cannot group pi logs: RuntimeError: a reader's bug"]
        assert report.sessions == 3


def test_an_opencode_database_written_in_its_wal_syncs_opencode_alone(tmp_path, monkeypatch):
    """OpenCode writes its latest messages into `opencode.db-wal` (the database file itself changes
    only at a checkpoint): the watcher names the `-wal`, and OpenCode's folders are synced whole,
    its stage reading the database, while the Pi logs beside them are not looked at."""
    import sqlite3

    from shared_data import FIXTURES
    from support.opencode_db import fill, schema

    OPENCODE = FIXTURES / "opencode"

    data = tmp_path / "opencode"
    data.mkdir()
    db = data / "opencode.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # what OpenCode writes last stays in the -wal file
    schema(conn)
    fill(conn, OPENCODE / "storage")
    conn.commit()
    others = _pi_logs(tmp_path / "pi", 3)
    sources = {"opencode": [data], "pi": [tmp_path / "pi"]}
    scoped_bucket, whole_bucket = Bucket.open(tmp_path / "scoped"), Bucket.open(tmp_path / "whole")
    try:
        with scoped_bucket, whole_bucket:
            scoped_bucket.sync(sources, workers=1)
            [before] = scoped_bucket.list_sessions(SessionFilter(agent="opencode"))
            part, message, session, data_json = conn.execute(
                "SELECT id, message_id, session_id, data FROM part "
                "WHERE json_extract(data, '$.type') = 'text' ORDER BY id DESC LIMIT 1"
            ).fetchone()
            text = dict(orjson.loads(data_json), text="written while watched")
            conn.execute("INSERT INTO part VALUES (?,?,?,?,?,?)",
                         (part + "z", message, session, 2, 2, orjson.dumps(text).decode()))  # fmt: skip
            conn.commit()
            wal = data / "opencode.db-wal"
            counted = Counted(monkeypatch)
            restaged = _restaged(monkeypatch)
            report = scoped_bucket.sync(sources, workers=1, paths={str(wal)})
            assert counted.load_all == 0
            assert not {str(f) for f in others} & set(counted.loaded)
            assert (report.new, report.updated, report.errors) == (0, 1, [])
            assert restaged == [["opencode"]]
            monkeypatch.undo()
            whole_bucket.sync(sources, workers=1)
            assert _listed(scoped_bucket) == _listed(whole_bucket)
            assert _groups(scoped_bucket) == _groups(whole_bucket)
            [after] = scoped_bucket.list_sessions(SessionFilter(agent="opencode"))
            assert after.steps > before.steps
            assert any(s.text == "written while watched" for s in scoped_bucket.session(after.id).steps)
            again = scoped_bucket.sync(sources, workers=1)
            assert (again.new, again.updated) == (0, 0)
    finally:
        conn.close()


@requires_corpus
def test_a_log_gone_from_a_staged_agent_syncs_that_agent_alone_and_keeps_its_session(tmp_path, monkeypatch):
    src = tmp_path / "codex"
    shutil.copytree(CORPUS / "codex", src)
    others = _pi_logs(tmp_path / "pi", 3)
    sources = {"codex": [src], "pi": [tmp_path / "pi"]}
    gone = sorted(src.glob("*.jsonl"))[0]
    with Bucket.open(tmp_path / "scoped") as scoped_bucket, Bucket.open(tmp_path / "whole") as whole_bucket:
        listed = scoped_bucket.sync(sources, workers=1).sessions
        whole_bucket.sync(sources, workers=1)
        gone.unlink()
        counted = Counted(monkeypatch)
        restaged = _restaged(monkeypatch)
        report = scoped_bucket.sync(sources, workers=1, paths={str(gone)})
        assert counted.load_all == 0 and restaged == [["codex"]]
        assert not {str(f) for f in others} & set(counted.loaded)
        monkeypatch.undo()
        whole = whole_bucket.sync(sources, workers=1)
        assert report.errors == whole.errors
        assert report.sessions == whole.sessions == listed  # kept: the bucket holds its copy
        assert _listed(scoped_bucket) == _listed(whole_bucket)
        assert _groups(scoped_bucket) == _groups(whole_bucket)


@requires_corpus
def test_a_plain_rollout_back_beside_its_compressed_one_goes_through_the_stage(tmp_path, monkeypatch):
    """Codex resuming a cold thread writes its plain rollout again beside the compressed one, which
    the stage then stops standing in for: that new log is the stage's to place, the other new
    ones are not."""
    import zstandard

    src = tmp_path / "codex"
    src.mkdir()
    rollouts = sorted((CORPUS / "codex").glob("*rollout-*.jsonl"))[:3]
    cold, fresh = rollouts[0], rollouts[1]
    (src / (cold.name + ".zst")).write_bytes(zstandard.ZstdCompressor().compress(cold.read_bytes()))
    sources = {"codex": [src]}
    with Bucket.open(tmp_path / "scoped") as scoped_bucket, Bucket.open(tmp_path / "whole") as whole_bucket:
        scoped_bucket.sync(sources, workers=1)
        for source, restage in ((fresh, []), (cold, [["codex"]])):
            shutil.copyfile(source, src / source.name)
            restaged = _restaged(monkeypatch)
            report = scoped_bucket.sync(sources, workers=1, paths={str(src / source.name)})
            assert restaged == restage and report.errors == []
            monkeypatch.undo()
            whole_bucket.sync(sources, workers=1)
            assert _listed(scoped_bucket) == _listed(whole_bucket)
            assert _groups(scoped_bucket) == _groups(whole_bucket)
        again = scoped_bucket.sync(sources, workers=1)
        assert (again.new, again.updated) == (0, 0)
