"""Sync against the real corpus and hand-made logs: complete, incremental, rebuildable."""

from __future__ import annotations

import gc
import shutil
import time
from pathlib import Path

import orjson
import pytest
from support.collector_watch import collector_watched
from support.narrow import present

import tracetui.sources as readers
from shared_data import CORPUS, FIXTURES, requires_corpus
from tracetui.bucket import Bucket, SyncProgress
from tracetui.bucket import store as store_mod
from tracetui.bucket.locations import discover
from tracetui.model import LineError, SessionFilter
from tracetui.bucket.store import Store

AGENT_DIRS = {"claude": "claude", "codex": "codex", "pi": "pi"}


def corpus_sources() -> dict[str, list[Path]]:
    return {agent: [CORPUS / folder] for agent, folder in AGENT_DIRS.items()}


def ls_json(bucket: Bucket) -> bytes:
    return orjson.dumps([s.to_dict() for s in bucket.list_sessions()])


@pytest.fixture(scope="module")
def corpus_bucket(tmp_path_factory):
    """The whole corpus synced once (through the process pool: it is many MB and groups)."""
    if not CORPUS.is_dir():
        pytest.skip(f"the real session logs are not at {CORPUS}")
    root = tmp_path_factory.mktemp("corpus-bucket")
    bucket = Bucket.open(root)
    seen: list[SyncProgress] = []
    report = bucket.sync(corpus_sources(), progress=seen.append)
    yield bucket, report, seen
    bucket.close()


@requires_corpus
def test_every_corpus_file_is_copied_whole(corpus_bucket):
    bucket, report, _ = corpus_bucket
    sidecars = Store(bucket.root).load_all()
    files = {str(p) for agent, roots in corpus_sources().items() for p in discover(agent, roots)}
    assert files == {path for _, path in sidecars}
    for (agent, path), sc in sidecars.items():
        assert sc.offset == Path(path).stat().st_size, path
        assert Store(bucket.root).content(sc) == Path(path).read_bytes(), path


@requires_corpus
def test_corpus_sync_reports_exactly_the_readers_bad_lines(corpus_bucket):
    bucket, report, seen = corpus_bucket
    expected_errors = []
    groups = 0
    for agent, roots in corpus_sources().items():
        for files in readers.group(agent, discover(agent, roots)):
            groups += 1
            session = readers.read_session(files)
            expected_errors += [e.to_dict() for e in session.errors]
    key = lambda e: (e["path"], e["line"], e["error"])  # noqa: E731
    assert sorted(report.to_dict()["errors"], key=key) == sorted(expected_errors, key=key)
    assert not [e for e in report.errors if e.line == 0]  # no file-level failure
    assert report.sessions == groups == report.new
    assert report.updated == report.unchanged == 0
    assert seen and seen[-1].files_done == seen[-1].files_total
    assert seen[-1].bytes_done == seen[-1].bytes_total > 0


@requires_corpus
def test_resync_of_unchanged_corpus_reads_nothing_and_is_fast(corpus_bucket, monkeypatch):
    bucket, first, _ = corpus_bucket
    reads = []
    monkeypatch.setattr(store_mod, "read_source", lambda *a: reads.append(a))
    report = bucket.sync(corpus_sources())
    assert (report.new, report.updated, report.unchanged) == (0, 0, first.sessions)
    assert report.errors == []
    assert reads == []
    assert report.seconds < 0.5


@requires_corpus
def test_index_deleted_is_rebuilt_from_the_copies_alone(corpus_bucket, tmp_path):
    bucket, _, _ = corpus_bucket
    before_ls = ls_json(bucket)
    some = bucket.list_sessions(limit=3)
    before_show = [orjson.dumps(bucket.session(s.id).to_dict()) for s in some]
    root = tmp_path / "copy"
    shutil.copytree(bucket.root, root)
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (root / name).unlink(missing_ok=True)
    with Bucket.open(root) as rebuilt:  # rebuilt as it opens, from the bucket's own copies alone
        assert len(rebuilt.notices) == 1 and "rebuilt it from the bucket's copies" in rebuilt.notices[0]
        report = rebuilt.sync({})  # no sources at all: nothing more to do
        assert report.new == 0 and report.sessions > 0
        assert ls_json(rebuilt) == before_ls
        assert [orjson.dumps(rebuilt.session(s.id).to_dict()) for s in some] == before_show


@requires_corpus
def test_serial_sync_gives_the_same_index_as_the_pool(corpus_bucket, tmp_path):
    bucket, _, _ = corpus_bucket
    with Bucket.open(tmp_path / "serial") as serial:
        serial.sync(corpus_sources(), workers=1)
        assert ls_json(serial) == ls_json(bucket)


@requires_corpus
def test_a_new_version_reads_every_session_again_through_the_pool_without_waiting(tmp_path):
    """A version bump (or many sessions grown at once) has the pool write sessions where they are
    held, each worker into shards the others hold batches open on: it must neither fail nor wait."""
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(corpus_sources(), workers=2)
        before = ls_json(bucket)
        bucket._conn().execute("UPDATE meta SET value = 'an older version' WHERE key = 'tool'")
    with Bucket.open(tmp_path / "b") as bucket:
        started = time.monotonic()
        report = bucket.sync(corpus_sources(), workers=2)
        assert not [e for e in report.errors if "cannot write" in e.error], report.errors
        assert time.monotonic() - started < 30  # it was minutes: SQLite's 60 s busy timeout, over and over
        assert ls_json(bucket) == before


# -- incremental behaviour on a copy of a real log ----------------------------------------------


def _largest(agent: str) -> Path:
    files = sorted((CORPUS / agent).glob("*.jsonl"), key=lambda p: p.stat().st_size)
    return files[-1]


def _direct(agent: str, path: Path):
    [files] = readers.group(agent, [path])
    return readers.read_session(files)


@requires_corpus
def test_appended_lines_are_read_incrementally(tmp_path, monkeypatch):
    original = _largest("pi")
    lines = original.read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    src = tmp_path / "src"
    src.mkdir()
    log = src / original.name
    log.write_bytes(b"".join(lines[:half]))
    bucket = Bucket.open(tmp_path / "bucket")
    r1 = bucket.sync({"pi": [src]})
    assert (r1.sessions, r1.new) == (1, 1)
    first_steps = bucket.list_sessions()[0].steps

    consumed = log.stat().st_size
    rest = b"".join(lines[half:])
    with open(log, "ab") as fh:
        fh.write(rest)
    reads = []
    real = store_mod.read_source

    def counted(p, s=0, e=None):
        reads.append((p, s, e))
        return real(p, s, e)

    monkeypatch.setattr(store_mod, "read_source", counted)
    r2 = bucket.sync({"pi": [src]})
    assert (r2.new, r2.updated, r2.unchanged) == (0, 1, 0)
    assert (str(log), consumed, consumed + len(rest)) in reads
    # The consumed prefix is read once for its digest (a rewrite in the middle is noticed), then only
    # the new bytes are copied.
    assert sum((e if e is not None else log.stat().st_size) - s for _, s, e in reads) == consumed + len(rest)

    whole = _direct("pi", log)
    got = bucket.session(whole.id)
    assert len(got.steps) == len(whole.steps) > first_steps
    assert orjson.dumps(got.to_dict()) == orjson.dumps(whole.to_dict())
    bucket.close()


@requires_corpus
def test_torn_last_line_waits_until_completed(tmp_path):
    original = _largest("claude")
    lines = original.read_bytes().splitlines(keepends=True)
    cut = len(lines) // 3
    src = tmp_path / "src"
    src.mkdir()
    log = src / original.name
    torn = lines[cut][: len(lines[cut]) // 2]
    log.write_bytes(b"".join(lines[:cut]) + torn)
    bucket = Bucket.open(tmp_path / "bucket")
    r1 = bucket.sync({"claude": [src]})
    assert r1.errors == []  # a torn last line is not an error: it waits
    partial = bucket.session(_direct("claude", log).id)

    complete = src / "complete" / original.name
    complete.parent.mkdir()
    complete.write_bytes(b"".join(lines[:cut]))
    assert len(partial.steps) == len(_direct("claude", complete).steps)

    with open(log, "ab") as fh:
        fh.write(lines[cut][len(torn):])
    complete.write_bytes(b"".join(lines[: cut + 1]))
    r2 = bucket.sync({"claude": [log]})
    assert r2.updated == 1
    assert len(bucket.session(partial.id).steps) == len(_direct("claude", complete).steps)
    bucket.close()


@requires_corpus
def test_a_shortened_log_keeps_its_longest_record(tmp_path):
    original = _largest("codex")
    lines = original.read_bytes().splitlines(keepends=True)
    src = tmp_path / "src"
    src.mkdir()
    log = src / original.name
    log.write_bytes(b"".join(lines))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"codex": [src]})
    sid = bucket.list_sessions()[0].id
    whole = _direct("codex", log)
    log.write_bytes(b"".join(lines[:20]))
    r2 = bucket.sync({"codex": [src]})
    assert (r2.updated, r2.sessions) == (1, 1)
    again = bucket.session(sid)
    # The bucket exists so sessions outlive the agents' clean-up: a shortened log costs no step.
    assert orjson.dumps(again.to_dict()) == orjson.dumps(whole.to_dict())
    assert [raw.data for raw in bucket.raw_files(sid)] == [b"".join(lines)]
    note = bucket.list_sessions()[0].note
    assert note is not None and "shortened" in note
    bucket.close()


# -- hand-made logs ------------------------------------------------------------------------------


def _fixture_sources(tmp_path: Path) -> dict[str, list[Path]]:
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "bucket", src)
    return {"claude": [src / "claude"], "pi": [src / "pi"]}


def test_search_finds_a_word_only_in_a_tool_output(tmp_path):
    sources = _fixture_sources(tmp_path)
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync(sources)
        assert (report.sessions, report.new, report.errors) == (2, 2, [])
        hits = bucket.search("xylophonic")
        assert [(h.session, h.step) for h in hits] == [
            ("6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90", bucket.session("6f0c").steps[2].id)
        ]
        assert bucket.session("6f0c").steps[2].kind == "tool_result"
        assert "xylophonic-tuning.yaml" in hits[0].snippet and "\n" not in hits[0].snippet
        # prefix match on the last word, and the words of a tool call's arguments
        assert [h.session for h in bucket.search("xyloph")] == ["6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90"]
        assert [present(bucket.session(h.session).step(h.step)).kind for h in bucket.search("ls config")] == ["tool_call"]
        assert bucket.list_sessions(SessionFilter(text="xylophonic"))[0].id.startswith("6f0c")
        assert bucket.count_sessions(SessionFilter(text="xylophonic")) == 1


def test_a_failing_file_or_reader_never_aborts_the_sync(tmp_path, monkeypatch):
    sources = _fixture_sources(tmp_path)
    pi_log = next((sources["pi"][0]).glob("*.jsonl"))
    real_read_source = store_mod.read_source

    def broken(path, start=0, end=None):
        if path == str(pi_log):
            raise PermissionError(13, "Permission denied")
        return real_read_source(path, start, end)

    monkeypatch.setattr(store_mod, "read_source", broken)
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync(sources)
        assert report.sessions == 1
        assert report.errors == [LineError(str(pi_log), 0, "cannot read the log: Permission denied")]
        monkeypatch.setattr(store_mod, "read_source", real_read_source)
        report = bucket.sync(sources)  # once readable, it is picked up
        assert (report.sessions, report.new, report.errors) == (2, 1, [])

    real_reader = readers.reader

    class Exploding:
        group = staticmethod(lambda paths: real_reader("claude").group(paths))

        @staticmethod
        def read(main, companions):
            raise RuntimeError("boom")

    monkeypatch.setattr(readers, "reader", lambda agent: Exploding if agent == "claude" else real_reader(agent))
    with Bucket.open(tmp_path / "c") as bucket:
        report = bucket.sync(sources)
        assert report.sessions == 1 and bucket.agents() == ["pi"]
        [error] = report.errors
        assert error.line == 0 and "RuntimeError: boom" in error.error


def test_session_survives_its_source_being_deleted(tmp_path):
    sources = _fixture_sources(tmp_path)
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(sources)
        before = orjson.dumps(bucket.session("7d1e").to_dict())
        shutil.rmtree(sources["pi"][0])
        sources["pi"][0].mkdir()
        report = bucket.sync(sources)
        assert (report.sessions, report.unchanged) == (2, 2)
        assert orjson.dumps(bucket.session("7d1e").to_dict()) == before


def test_text_no_encoder_takes_is_mended_not_fatal(tmp_path, monkeypatch):
    from tracetui.model import Session, Step

    sources = _fixture_sources(tmp_path)
    real_reader = readers.reader

    class HalfEmoji:
        group = staticmethod(lambda paths: real_reader("pi").group(paths))

        @staticmethod
        def read(main, companions):
            step = Step(id="s1", index=0, kind="user", role="user", text="cut \ud83d here", tool_input={"k": "\udc00"})
            return Session(id="half", agent="pi", source=main.path, steps=[step])

    monkeypatch.setattr(readers, "reader", lambda agent: HalfEmoji if agent == "pi" else real_reader(agent))
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync({"pi": sources["pi"]})
        assert (report.sessions, report.errors) == (1, [])
        step = bucket.session("half").steps[0]
        assert (step.text, step.tool_input) == ("cut \ufffd here", {"k": "\ufffd"})


def test_an_agent_whose_grouping_fails_keeps_its_sessions(tmp_path, monkeypatch):
    sources = _fixture_sources(tmp_path)
    real_reader = readers.reader

    class NoGroups:
        @staticmethod
        def group(paths):
            raise OSError("disk went away")

    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(sources)
        monkeypatch.setattr(readers, "reader", lambda agent: NoGroups if agent == "claude" else real_reader(agent))
        report = bucket.sync(sources)
        assert [e.path for e in report.errors] == ["claude"]
        assert report.sessions == 2 and bucket.agents() == ["claude", "pi"]


def test_opening_while_a_sync_holds_the_write_lock_does_not_wait(tmp_path):
    import sqlite3
    import time

    sources = _fixture_sources(tmp_path)
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(sources)
    writer = sqlite3.connect(tmp_path / "b" / "index.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM groups")  # uncommitted: readers must still see the old state
    try:
        start = time.perf_counter()
        with Bucket.open(tmp_path / "b") as reader_bucket:
            assert len(reader_bucket.list_sessions()) == 2
            assert reader_bucket.search("xylophonic")
        assert time.perf_counter() - start < 1.0
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_index_and_sources_both_gone_the_copies_still_rebuild_everything(tmp_path):
    sources = _fixture_sources(tmp_path)
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(sources)
        before = ls_json(bucket)
        shows = [orjson.dumps(bucket.session(s.id).to_dict()) for s in bucket.list_sessions()]
    shutil.rmtree(tmp_path / "src")  # the agents cleaned up their logs
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (tmp_path / "b" / name).unlink(missing_ok=True)
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync(sources)  # the folders are gone: nothing found, nothing lost
        assert (report.sessions, report.new, report.errors) == (2, 0, [])  # rebuilt as it opened
        assert ls_json(bucket) == before
        assert [orjson.dumps(bucket.session(s.id).to_dict()) for s in bucket.list_sessions()] == shows


def test_a_worker_that_dies_on_a_new_session_costs_that_session_only(tmp_path, monkeypatch):
    """A pool worker killed mid-job (out of memory, a signal) comes back as a failed result with no
    signature; the sync reports it, records nothing for that group and retries it next time."""
    from tracetui.bucket import sync as sync_mod

    sources = _fixture_sources(tmp_path)
    real_run = sync_mod.run_job

    def dying(root, job):
        if job.agent == "claude":
            return sync_mod._failed(job, "its worker died")
        return real_run(root, job)

    monkeypatch.setattr(sync_mod, "run_job", dying)
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync(sources, workers=1)
        assert bucket.agents() == ["pi"]
        assert [e.error for e in report.errors] == ["could not read this session: its worker died"]
        monkeypatch.setattr(sync_mod, "run_job", real_run)
        again = bucket.sync(sources, workers=1)
        assert (again.new, again.errors, bucket.agents()) == (1, [], ["claude", "pi"])


def test_a_sync_collects_less_while_it_runs_and_leaves_the_collector_as_it_was(tmp_path, monkeypatch):
    from tracetui import collector
    from tracetui.bucket import sync as sync_mod

    sources = _fixture_sources(tmp_path)
    with collector_watched(monkeypatch, sync_mod, "run_job") as watch:
        with Bucket.open(tmp_path / "b") as bucket:
            assert bucket.sync(sources, workers=1).new == 2
        assert watch.seen and all(y == collector.YOUNG_COLLECTION and f > 0 for y, f in watch.seen)
        assert watch.restored()
        # Overlapping syncs (two threads): the settings come back only when the last one ends.
        outer, inner = collector.fewer_collections(), collector.fewer_collections()
        outer.__enter__()
        inner.__enter__()
        outer.__exit__(None, None, None)
        assert gc.get_threshold()[0] == collector.YOUNG_COLLECTION
        inner.__exit__(None, None, None)
        assert watch.restored()


def test_search_takes_a_tool_calls_argument_values_not_its_json(tmp_path):
    """In JSON text an escaped newline glues an `n` onto the next word (`\\ngrep` reads as `ngrep`),
    and key names would match every call that has them: the index holds the values."""
    src = tmp_path / "src" / "-home-dev-p"
    src.mkdir(parents=True)
    sid = "5e1f0c2a-1b7d-4c55-9e0a-3d2b8f4c1a91"
    common = {"sessionId": sid, "cwd": "/home/dev/p", "version": "2.0.30", "isSidechain": False, "userType": "external"}
    lines = [
        {**common, "type": "user", "uuid": "b1", "parentUuid": None, "timestamp": "2026-01-05T10:00:01.000Z",
         "message": {"role": "user", "content": "look around"}},
        {**common, "type": "assistant", "uuid": "b2", "parentUuid": "b1", "timestamp": "2026-01-05T10:00:02.000Z",
         "message": {"id": "m1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                     "content": [{"type": "tool_use", "id": "toolu_9", "name": "Bash",
                                  "input": {"command": "cd src\nzebrafind . -name '*.py'", "timeout": 120000}}]}},
    ]  # fmt: skip
    (src / f"{sid}.jsonl").write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"claude": [tmp_path / "src"]})
        [hit] = bucket.search("zebrafind")
        assert present(bucket.session(sid).step(hit.step)).kind == "tool_call"
        assert "zebrafind" in hit.snippet and hit.match is not None
        assert bucket.search("timeout") == []  # a key name, not a word of the call
        assert [h.session for h in bucket.search("120000")] == [sid]  # its value is


def test_a_log_whose_path_is_not_utf8_is_one_line_and_the_rest_syncs(tmp_path, capsys):
    """A file name of bytes that are not UTF-8 reached the sidecar writer, whose JSON cannot hold it:
    the whole sync ended in a traceback. It is named in one line (and in --json), the log left alone."""
    import os

    from tracetui.cli import main

    sources = _fixture_sources(tmp_path)
    pi = sources["pi"][0]
    log = next(pi.iterdir())
    odd = os.fsdecode(bytes(pi) + b"/odd-\xff\xfe.jsonl")
    shutil.copy(log, odd)
    with Bucket.open(tmp_path / "b") as bucket:
        report = bucket.sync(sources)
    assert report.sessions == 2
    assert [(e.path, e.error) for e in report.errors] == [
        (odd, "the log's path is not UTF-8: rename it to have it read")
    ]
    assert Path(odd).read_bytes() == log.read_bytes()
    code = main(["sync", "--bucket", str(tmp_path / "b"), "--source", f"pi={pi}", "--json"])
    doc = orjson.loads(capsys.readouterr().out)  # strict JSON: the bytes spelled as text
    assert code == 0 and doc["errors"][0]["path"] == str(pi) + "/odd-\\xff\\xfe.jsonl"
