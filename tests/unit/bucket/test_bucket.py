"""The Bucket API the UI, trail, redact and capsule layers code against."""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from support.narrow import present
from support.small_bucket import CLAUDE_ID, PI_ID, bucket, sources  # noqa: F401 (fixtures)

from shared_data import CORPUS, requires_corpus

from tracetui.bucket import Bucket, SearchHit, SyncProgress, index, pool, shards
from tracetui.bucket.locations import bucket_dir, default_sources, discover, parse_sources
from tracetui.bucket.unspaced import holds_run
from tracetui.errors import NotFound, TracetuiError, UsageError
from tracetui.library import MemoryLibrary
from tracetui.model import SessionFilter



def test_listing_filters_and_paging(bucket):
    assert [s.id for s in bucket.list_sessions()] == [PI_ID, CLAUDE_ID]
    assert [s.id for s in bucket.list_sessions(limit=1, offset=1)] == [CLAUDE_ID]
    assert [s.id for s in bucket.list_sessions(SessionFilter(agent="claude"))] == [CLAUDE_ID]
    assert [s.id for s in bucket.list_sessions(SessionFilter(project="gadgets"))] == [PI_ID]
    assert [s.id for s in bucket.list_sessions(SessionFilter(text="Say hel"))] == [PI_ID]  # title
    assert [s.id for s in bucket.list_sessions(SessionFilter(text="7d1e5b"))] == [PI_ID]  # id
    assert [s.id for s in bucket.list_sessions(SessionFilter(text="100%_"))] == []  # LIKE wildcards are literal
    assert bucket.count_sessions() == 2 and bucket.count_sessions(SessionFilter(agent="pi", text="hello")) == 1
    assert bucket.projects() == ["gadgets", "widgets"]
    assert bucket.agents() == ["claude", "pi"]


def test_resolve(bucket):
    assert bucket.resolve(CLAUDE_ID) == CLAUDE_ID
    assert bucket.resolve("7d") == PI_ID
    with pytest.raises(NotFound):
        bucket.resolve("nope")
    with pytest.raises(UsageError, match="no session id given"):  # exit 2, as for any usage error
        bucket.resolve("  ")
    with pytest.raises(UsageError, match="no session id given"):  # a capsule's library, the same way
        MemoryLibrary([bucket.session(PI_ID)]).resolve("")
    with pytest.raises(NotFound):
        bucket.resolve("%")  # not a wildcard


def test_session_round_trips_every_step_field(bucket, sources):
    import tracetui.sources as readers

    [files] = readers.group("claude", discover("claude", sources["claude"]))
    direct = readers.read_session(files)
    assert orjson.dumps(bucket.session("6f0c").to_dict()) == orjson.dumps(direct.to_dict())


def test_search_is_safe_for_any_input(bucket):
    for query in ['"', "(", "AND", "OR NOT", "a*b", "NEAR(x y)", "col:x", "^", "''", "-x", "\\", "ü"]:
        assert isinstance(bucket.search(query), list)
    assert bucket.search("") == [] and bucket.search("   ") == []
    assert bucket.search("hello", limit=0) == []
    hits = bucket.search("hello there")
    assert hits == [SearchHit(PI_ID, "e2", "Hello there", 1, "Say hello", "pi", "2026-01-06T09:00:02.000Z", (0, 5))]
    assert hits[0].to_dict() == {"session": PI_ID, "step": "e2", "snippet": "Hello there", "index": 1, "title": "Say hello",
                                 "agent": "pi", "timestamp": "2026-01-06T09:00:02.000Z", "match": [0, 5]}  # fmt: skip


def test_raw_files_are_the_bucket_copies(bucket, sources):
    [log] = list(sources["pi"][0].glob("*.jsonl"))
    original = log.read_bytes()
    log.unlink()  # the agent cleaned up: the bucket still has it
    [raw] = bucket.raw_files("7d1e")
    assert (raw.path, raw.data) == (str(log), original)


def test_plans_and_cache_dirs_are_made_when_asked(tmp_path):
    b = Bucket.open(tmp_path / "b")
    assert not (tmp_path / "b" / "plans").exists()
    assert b.plans_dir == tmp_path / "b" / "plans" and present(b.plans_dir).is_dir()
    assert present(b.cache_dir).is_dir()
    b.close()


def test_the_worker_pool_gives_the_same_index_as_serial(tmp_path, sources, monkeypatch):
    built: list[list[int] | None] = []
    real = pool.run_pool

    def counted(*a):
        built.append(a[4])
        return real(*a)

    monkeypatch.setattr("tracetui.bucket.sync.run_pool", counted)
    with Bucket.open(tmp_path / "pool") as pooled, Bucket.open(tmp_path / "serial") as serial:
        r1 = pooled.sync(sources, workers=2)
        r2 = serial.sync(sources, workers=1)
        assert (r1.sessions, r1.new, r1.errors) == (r2.sessions, r2.new, r2.errors) == (2, 2, [])
        for sid in (CLAUDE_ID, PI_ID):
            assert orjson.dumps(pooled.session(sid).to_dict()) == orjson.dumps(serial.session(sid).to_dict())
        # Each worker built its shard whole, and put it in place before the sync returned.
        assert built == [[0, 1]]
        assert not [p for p in (tmp_path / "pool").iterdir() if p.name.endswith(".tmp")]
        assert [h.step for h in pooled.search("hello there")] == ["e2"]


@dataclass
class _Bogus:
    members: list


def test_a_dying_worker_fails_only_its_job():
    jobs = [_Bogus(["/x/a.jsonl"]), _Bogus(["/x/b.jsonl"])]
    seen = []

    def failed(job, reason):
        seen.append((job.members[0], reason))
        return b"failed"

    results = list(pool.run_pool("/nonexistent", jobs, 2, failed))
    assert sorted(r for _, r in results) == [b"failed", b"failed"]
    assert sorted(p for p, _ in seen) == ["/x/a.jsonl", "/x/b.jsonl"]
    assert all("worker process stopped" in reason for _, reason in seen)


@requires_corpus
def test_reads_are_not_blocked_by_a_sync_in_another_thread(tmp_path):
    b = Bucket.open(tmp_path / "b")
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                counts.append(b.count_sessions())
                b.list_sessions(limit=20)
                b.search("the")
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever broke
            errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    report = b.sync({a: [CORPUS / a] for a in ("claude", "codex", "pi")}, workers=1)
    stop.set()
    t.join()
    assert errors == []
    assert len(counts) > 5 and counts == sorted(counts)
    assert b.count_sessions(SessionFilter(include_hidden=True)) == report.sessions
    b.close()


def _indexed(root: Path) -> list[tuple[set[int], set[int]]]:
    """Per shard: (rowids of steps with words, rowids its FTS index holds)."""
    out: list[tuple[set[int], set[int]]] = []
    for k in range(shards.SHARDS):
        if not shards.path(root, k).exists():  # made when first written
            out.append((set(), set()))
            continue
        conn = sqlite3.connect(shards.path(root, k))
        conn.execute("INSERT INTO steps_fts(steps_fts) VALUES ('integrity-check')")
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, steps_fts, instance)")
        rows = conn.execute("SELECT rowid, text, tool_words FROM steps").fetchall()
        # A letter or digit, or an emoji (the index keeps those too: `unspaced.holds_run`).
        said = ((r, text + (args or "")) for r, text, args in rows)
        words = {r for r, t in said if re.search(r"[^\W_]", t) or holds_run(t)}
        out.append((words, {r for (r,) in conn.execute("SELECT DISTINCT doc FROM temp.terms")}))
        conn.close()
    return out


@requires_corpus
def test_a_pool_writes_every_step_and_its_words_into_the_shards(tmp_path):
    root = tmp_path / "b"
    b = Bucket.open(root)
    srcs = {a: [CORPUS / a] for a in ("claude", "codex", "pi")}
    report = b.sync(srcs, workers=2)
    per_shard = _indexed(root)
    assert all(want == have for want, have in per_shard)
    used = [k for k, (want, _) in enumerate(per_shard) if want]
    assert used == [0, 1]  # each of the two workers wrote its own shard
    summaries = b.list_sessions(SessionFilter(include_hidden=True))
    assert len(summaries) == report.sessions
    assert sum(len(b.session(s.id).steps) for s in summaries) == sum(s.steps for s in summaries)
    hits = b.search("function", limit=500)
    assert len(hits) > 10 and {h.session for h in hits} <= {s.id for s in summaries}
    # The same logs synced without a pool find the same steps (ranks differ a little: each shard
    # ranks by its own word statistics).
    other = Bucket.open(tmp_path / "serial")
    other.sync(srcs, workers=1)

    def found(bucket: Bucket) -> set[tuple[str, str, str]]:
        return {(h.session, h.step, h.snippet) for h in bucket.search("function", limit=5000)}

    assert len(found(b)) > 500 and found(other) == found(b)
    function = SessionFilter(text="function")
    assert {s.id for s in other.list_sessions(function)} == {s.id for s in b.list_sessions(function)}
    b.close()
    other.close()


def test_a_grown_log_rewrites_only_its_new_steps(tmp_path, sources, monkeypatch):
    b = Bucket.open(tmp_path / "b")
    b.sync(sources)
    log = next((sources["pi"][0]).rglob("*.jsonl"))
    before = b.session(PI_ID)
    last = orjson.loads(log.read_bytes().splitlines()[-1])
    grown = dict(last, id="e9", parentId=last["id"], timestamp="2026-01-06T09:00:09.000Z")
    grown["message"] = dict(last["message"], content=[{"type": "text", "text": "Quokka follows up"}])
    with log.open("ab") as fh:
        fh.write(orjson.dumps(grown) + b"\n")
    written: list[int] = []
    real_put = shards.put

    def counted(*a):
        written.append(real_put(*a))
        return written[-1]

    monkeypatch.setattr(shards, "put", counted)
    b.sync(sources)
    after = b.session(PI_ID)
    assert len(after.steps) == len(before.steps) + 1
    assert written == [1]  # the new step alone, not the session again
    assert [h.step for h in b.search("quokka")] == ["e9"]
    # The same as a cold sync of the same logs.
    cold = Bucket.open(tmp_path / "cold")
    cold.sync(sources)
    assert cold.session(PI_ID).to_dict() == after.to_dict()
    assert all(want == have for want, have in _indexed(tmp_path / "b"))
    b.close()
    cold.close()


def test_steps_written_where_no_session_row_points_are_never_shown_and_are_collected(tmp_path, sources):
    root = tmp_path / "b"
    b = Bucket.open(root)
    b.sync(sources)
    shard, key = b._conn().execute("SELECT shard, gkey FROM sessions WHERE id = ?", (PI_ID,)).fetchone()
    steps = b.session(PI_ID).steps
    # As if a worker wrote the session again into another shard, then the sync died before the
    # main index pointed the session there.
    # (A shard no session is in: where the fixture's sessions land depends on their paths' hashes.)
    used = {k for (k,) in b._conn().execute("SELECT shard FROM sessions")}
    other = next(k for k in range(shards.SHARDS) if k not in used)
    writers = shards.Writers(root)
    rows = _rows("zebracorn orphan")
    shards.put(writers.begin(other), key, PI_ID, "a signature", rows)
    writers.commit()
    writers.close()
    assert b.search("zebracorn") == []
    assert b.list_sessions(SessionFilter(text="zebracorn")) == []
    assert [s.id for s in b.session(PI_ID).steps] == [s.id for s in steps]
    b.sync(sources)  # nothing changed, yet the orphan goes
    assert _indexed(root)[other] == (set(), set())
    assert b.session(PI_ID).steps == steps
    b.close()


def test_a_sync_that_died_before_its_shard_writes_were_committed_reads_those_sessions_again(tmp_path, sources):
    root = tmp_path / "b"
    b = Bucket.open(root)
    b.sync(sources)
    shard = b._conn().execute("SELECT shard FROM sessions WHERE id = ?", (PI_ID,)).fetchone()[0]
    steps = b.session(PI_ID).steps
    # As if the main index committed the session row, and the worker died before its shard did.
    writers = shards.Writers(root)
    shards.drop(writers[shard], [shards.gkey(str(next(sources["pi"][0].rglob("*.jsonl"))))])
    writers.close()
    assert b.session(PI_ID).steps == []
    report = b.sync(sources)
    assert report.updated == 1 and report.new == 0
    assert b.session(PI_ID).steps == steps
    assert [h.step for h in b.search("hello there")] == ["e2"]
    b.close()


def _rows(text: str) -> list[list]:
    rest = '["user",null,null,null,null,1,0,null,null,null,null,null,null]'  # index.REST; no grams
    return [[PI_ID, 0, "x1", "user", text, None, None, None, None, rest, None]]


def test_a_fresh_shard_is_built_whole_and_appears_only_when_put_in_place(tmp_path):
    root = tmp_path / "b"
    root.mkdir()
    writers = shards.Writers(root, fresh={3})
    shards.put(writers.begin(3), 1, PI_ID, "sig", _rows("zebracorn built"))
    writers.commit()  # a shard being built stays one transaction, out of sight
    assert not shards.path(root, 3).exists()
    writers.finish()
    writers.close()
    assert sorted(p.name for p in root.iterdir()) == ["steps-3.sqlite"]  # no temporary file, no WAL left
    conn = sqlite3.connect(shards.path(root, 3))
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    found = conn.execute("SELECT rowid FROM steps_fts WHERE steps_fts MATCH 'zebracorn'").fetchall()
    assert found == [(1 << shards.SHIFT,)]
    conn.close()
    assert shards.check(root, thorough=True) == {}
    # A shard that is there by the time the build ends is never replaced; a build given up
    # (the caller failed) leaves nothing behind.
    again = shards.Writers(root, fresh={3, 4})
    shards.put(again.begin(4), 2, PI_ID, "sig", _rows("quagga"))
    shards.put(again.begin(3), 3, PI_ID, "sig", _rows("okapi in place"))  # 3 is there: written in place
    again.close()
    assert not shards.path(root, 4).exists()
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".")) == []


def test_a_shard_built_whole_indexes_its_words_in_one_segment_as_it_is_put_in_place(tmp_path):
    root = tmp_path / "b"
    root.mkdir()
    writers = shards.Writers(root, fresh={5})
    for key in range(1, 31):
        writers.put(5, key, PI_ID, "sig", _rows(f"zebracorn number{key}"))
    writers.put(5, 7, PI_ID, "sig 2", _rows("quagga replaced"))  # a group written again in the build
    writers.finish()
    writers.close()
    conn = sqlite3.connect(shards.path(root, 5))
    # Indexed session by session, each statement left a segment of its own for the merges to redo.
    assert conn.execute("SELECT count(DISTINCT segid) FROM steps_fts_idx").fetchone()[0] == 1
    found = {r for (r,) in conn.execute("SELECT rowid >> ? FROM steps_fts WHERE steps_fts MATCH 'zebracorn'",
                                        (shards.SHIFT,))}  # fmt: skip
    assert found == set(range(1, 31)) - {7}
    assert conn.execute("SELECT rowid >> ? FROM steps_fts WHERE steps_fts MATCH 'quagga'",
                        (shards.SHIFT,)).fetchall() == [(7,)]  # fmt: skip
    conn.close()
    assert shards.check(root, thorough=True) == {}


def test_a_step_row_s_missing_values_are_stored_as_null_and_read_back_as_none(tmp_path):
    # They are bound as NaN, which SQLite stores as NULL: never as a number, nor as text.
    root = tmp_path / "b"
    root.mkdir()
    row = _rows("zebracorn")[0]
    nullable = [i for i, v in enumerate(row) if v is None]
    writers = shards.Writers(root, fresh={1})
    for shard in (1, 2):  # built whole, and written in place
        writers.put(shard, 1, PI_ID, "sig", [row])
    writers.finish()
    writers.put(2, 2, PI_ID, "sig", [row])
    writers.commit()
    for shard in (1, 2):
        assert writers.put(shard, 1, PI_ID, "sig", [row]) == 0  # the row held is the row given
    writers.commit()
    writers.close()
    names = [c.strip() for c in shards.STEP_COLUMNS.split(",")]
    for shard in (1, 2):
        conn = sqlite3.connect(shards.path(root, shard))
        types = conn.execute(f"SELECT {', '.join(f'typeof({names[i]})' for i in nullable)} FROM steps").fetchall()
        assert types and all(set(t) == {"null"} for t in types)
        stored = conn.execute(f"SELECT {shards.STEP_COLUMNS} FROM steps").fetchall()
        assert all(list(r) == row for r in stored)
        conn.close()


def test_a_shard_a_killed_sync_was_building_is_swept_and_its_sessions_read_again(tmp_path, sources):
    import os
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    root = tmp_path / "b"
    root.mkdir()
    writers = shards.Writers(root, fresh={2})
    shards.put(writers.begin(2), 1, PI_ID, "sig", _rows("zebracorn lost"))
    writers.commit()
    temp = next(p for p in root.iterdir() if ".build." in p.name)
    left = temp.with_name(temp.name.replace(f".{os.getpid()}.", f".{dead.pid}."))
    temp.rename(left)  # as a worker killed mid-build leaves it
    writers._building.clear()
    writers.close()
    b = Bucket.open(root)
    b.sync(sources)
    assert not left.exists()
    assert b.search("zebracorn") == []
    assert [h.step for h in b.search("hello there")] == ["e2"]
    b.close()


def _older_layout(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {shards.VERSION - 1}")
    conn.close()


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database" * 100)


@pytest.mark.parametrize(
    ("spoil", "said", "kept_aside"),
    [(_older_layout, "was made by another version", False), (_garbage, "was damaged", True)],
)
def test_a_shard_that_cannot_be_read_is_made_anew_from_the_copies(tmp_path, sources, spoil, said, kept_aside):
    root = tmp_path / "b"
    b = Bucket.open(root)
    b.sync(sources)
    shard = b._conn().execute("SELECT shard FROM sessions WHERE id = ?", (PI_ID,)).fetchone()[0]
    steps = b.session(PI_ID).steps
    b.close()
    spoil(shards.path(root, shard))
    again = Bucket.open(root)
    assert any("step shard" in n and said in n for n in again.notices)
    # Damage is kept beside it for a look; a cache of an older layout is not damage.
    assert bool(list(root.glob("*.damaged*"))) == kept_aside
    assert again.session(PI_ID).steps == steps
    assert [h.step for h in again.search("hello there")] == ["e2"]
    again.close()


def test_a_rebuild_at_open_is_said_as_it_starts_and_as_it_goes_and_only_then(tmp_path, sources):
    # Reading every session again takes a minute on a big bucket: a face must be able to say why it waits.
    root = tmp_path / "b"
    with Bucket.open(root) as b:
        b.sync(sources)
        shard = b._conn().execute("SELECT shard FROM sessions WHERE id = ?", (PI_ID,)).fetchone()[0]
    _older_layout(shards.path(root, shard))
    told: list[tuple[str, SyncProgress | None]] = []
    again = Bucket.open(root, rebuilding=lambda what, p: told.append((what, p)))
    assert told and told[0] == ("rebuilding the bucket's step index", None)
    done = told[-1][1]
    assert done is not None and done.files_done == done.files_total > 0
    assert again._rebuilding is None  # later reads may run while a face draws: nothing is said then
    again.close()
    told.clear()
    Bucket.open(root, rebuilding=lambda what, p: told.append((what, p))).close()
    assert told == []  # nothing to rebuild, nothing said


def test_the_cli_says_a_rebuild_before_it_waits_on_it(tmp_path, sources, capsys, monkeypatch):
    import sys

    from tracetui.cli import main

    root = tmp_path / "b"
    with Bucket.open(root) as b:
        b.sync(sources)
    for k in range(shards.SHARDS):
        if shards.path(root, k).exists():
            _older_layout(shards.path(root, k))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # a person waits at a terminal
    assert main(["--bucket", str(root), "ls"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "tracetui: rebuilding the bucket's step index from the bucket's copies (every session is read once)…"
    assert any("was made by another version" in line for line in err[1:])


def test_locations(tmp_path, monkeypatch):
    assert bucket_dir("~/x") == Path.home() / "x"
    monkeypatch.setenv("TRACETUI_BUCKET", str(tmp_path / "env"))
    assert bucket_dir() == tmp_path / "env"
    monkeypatch.delenv("TRACETUI_BUCKET")
    assert bucket_dir().name == "tracetui"
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "cx"))
    for name in ("PI_CODING_AGENT_DIR", "OPENCLAW_STATE_DIR", "OPENCLAW_HOME"):
        monkeypatch.delenv(name, raising=False)
    srcs = default_sources()
    assert srcs["codex"] == [tmp_path / "cx" / "sessions", tmp_path / "cx" / "archived_sessions"]
    assert srcs["claude"] == [Path.home() / ".claude" / "projects"]
    # OpenClaw embeds Pi's session library and keeps its sessions under ~/.openclaw/agents.
    assert srcs["pi"] == [Path.home() / ".pi" / "agent" / "sessions", Path.home() / ".openclaw" / "agents"]
    assert parse_sources(None) is None
    assert parse_sources([f"PI={tmp_path}", f"pi={tmp_path}"]) == {"pi": [tmp_path, tmp_path]}


def test_discovery_patterns(tmp_path):
    for name in ("a/s.jsonl", "a/agent-1.meta.json", "a/other.json", "b/rollout-2025-x.json",
                 "c/s.jsonl.reset.2026", "c/notes.txt", "x__rollout-2025-y.json"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    rel = lambda agent: sorted(str(p.relative_to(tmp_path)) for p in discover(agent, [tmp_path]))  # noqa: E731
    assert rel("claude") == ["a/agent-1.meta.json", "a/s.jsonl"]
    assert rel("codex") == ["a/s.jsonl", "b/rollout-2025-x.json", "x__rollout-2025-y.json"]
    assert rel("pi") == ["a/s.jsonl", "c/s.jsonl.reset.2026"]
    assert discover("pi", [tmp_path / "a" / "s.jsonl", tmp_path / "missing"]) == [tmp_path / "a" / "s.jsonl"]


def test_a_bucket_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(TracetuiError, match="not a directory"):
        Bucket.open(tmp_path / "f")


def test_index_of_another_schema_is_rebuilt(tmp_path, sources):
    with Bucket.open(tmp_path / "b") as b:
        b.sync(sources)
    conn = sqlite3.connect(tmp_path / "b" / "index.sqlite")
    conn.execute("UPDATE meta SET value = 'old' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    with Bucket.open(tmp_path / "b") as b:
        # Rebuilt from the copies as it opens: no command shows an empty bucket that is not.
        assert len(b.list_sessions()) == 2
        assert len(b.notices) == 1 and "rebuilt it from the bucket's copies (2 sessions)" in b.notices[0]
        assert b.sync(sources).new == 0


def test_connections_of_ended_threads_are_let_go(bucket):
    def use():
        bucket.count_sessions()

    for _ in range(5):
        t = threading.Thread(target=use)
        t.start()
        t.join()
    bucket.count_sessions()
    assert len(bucket._conns) <= 2  # this thread's and at most the last ended one's
    counts = []
    t = threading.Thread(target=lambda: counts.append(bucket.count_sessions()))
    t.start()
    t.join()
    assert counts == [2]


def test_snippets_are_short_one_line_extracts_around_the_word():
    from tracetui.bucket.index import snippet

    text = "x" * 200 + " the\nxylophone\tplays " + "y" * 200
    assert snippet(["xylo"], text) == "…" + "x" * 35 + " the xylophone plays " + "y" * 84 + "…"
    assert snippet(["a"], "Success. Updated: A package.json") == "Success. Updated: A package.json"
    # A tool call's arguments are searched as the text they hold, not as their JSON.
    assert snippet(["ls"], "", index.argument_words({"command": "ls config\nexit"})) == "ls config exit"
    assert snippet(["gone"], "line one\nline two") == "line one line two"


def test_sync_refuses_an_unknown_agent_and_takes_str_paths(tmp_path, sources):
    with Bucket.open(tmp_path / "b") as b:
        with pytest.raises(TracetuiError, match="unknown agent 'cursor'"):
            b.sync({"cursor": [tmp_path]})
        # str paths on purpose: sync takes them though its annotation says Path.
        assert b.sync({"pi": [str(p) for p in sources["pi"]]}).new == 1  # type: ignore[misc]


def test_a_query_during_a_first_sync_does_not_rebuild_the_index_under_it(tmp_path):
    """The first run: the app syncs in the background while its list asks the bucket. The copies
    exist before the rows are committed; the query must not take that for a lost index and rebuild
    it (closing the connection the sync writes through)."""
    import shutil
    import threading

    from shared_data import FIXTURES

    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "bucket", src)
    sources = {"claude": [src / "claude"], "pi": [src / "pi"]}
    bucket = Bucket.open(tmp_path / "b")
    seen: list[object] = []

    def progress(p) -> None:  # mid-sync: copies written, rows not committed
        if seen:
            return

        def ask() -> None:
            try:
                seen.append(bucket.count_sessions())
            except Exception as exc:  # noqa: BLE001 - the test reports whatever happens
                seen.append(exc)

        asker = threading.Thread(target=ask)
        asker.start()
        asker.join(10)
        assert not asker.is_alive(), "the query waited on the sync"

    report = bucket.sync(sources, progress=progress, workers=1)
    assert seen == [0] and (report.sessions, report.errors) == (2, [])
    assert bucket.notices == []  # nothing was rebuilt
    bucket.close()


def test_a_new_shard_writes_fewer_fts_segments_and_merges_them_eight_at_a_time(tmp_path, sources):
    root = tmp_path / "b"
    with Bucket.open(root) as b:
        b.sync(sources)
    made = [k for k in range(shards.SHARDS) if shards.path(root, k).exists()]
    assert made
    for k in made:
        conn = sqlite3.connect(shards.path(root, k))
        config = dict(conn.execute("SELECT k, v FROM steps_fts_config"))
        assert (config.get("automerge"), config.get("hashsize")) == (shards.AUTOMERGE, shards.HASHSIZE)
        conn.close()
    assert (shards.AUTOMERGE, shards.HASHSIZE) == (8, 8 << 20)


def test_a_session_with_more_steps_than_its_rowid_range_keeps_the_first_and_spares_its_neighbours(tmp_path, sources, monkeypatch):
    # The range is 2**24 steps; made 2 here: the Claude session (4 steps) overflows it, the Pi one fills it.
    monkeypatch.setattr(shards, "SHIFT", 1)
    monkeypatch.setattr(shards, "MASK", 1)
    monkeypatch.setattr(shards, "MAX_STEPS", 2)
    monkeypatch.setattr(shards, "home", lambda main: 0)  # both sessions in one shard, side by side
    b = Bucket.open(tmp_path / "b")
    report = b.sync(sources, workers=1)
    assert [e.path.endswith(f"{CLAUDE_ID}.jsonl") for e in report.errors if "keeps the first 2" in e.error] == [True]
    kept = {sid: b.session(sid).steps for sid in (PI_ID, CLAUDE_ID)}
    monkeypatch.undo()
    cold = Bucket.open(tmp_path / "cold")  # the real range, for what the first steps are
    cold.sync(sources, workers=1)
    assert len(cold.session(CLAUDE_ID).steps) == 4
    for sid in (PI_ID, CLAUDE_ID):
        assert kept[sid] == cold.session(sid).steps[:2]
    b.close()
    cold.close()


def test_two_writers_each_wanting_the_shard_the_other_holds_do_not_wait_on_each_other(tmp_path):
    """Sessions read again are written where they are held, so two pool workers can each need the
    shard the other has a batch open on: neither may hold one shard's lock while waiting for another's."""
    import threading

    root = tmp_path / "b"
    root.mkdir()
    first, second = shards.Writers(root), shards.Writers(root)
    first.begin(0)
    second.begin(1)
    gate = threading.Barrier(2)
    done: list[str] = []

    def cross(writers: shards.Writers, shard: int, name: str) -> None:
        gate.wait()
        writers.begin(shard)  # the shard the other writer holds
        writers.commit()
        done.append(name)

    threads = [threading.Thread(target=cross, args=(first, 1, "first"), daemon=True),
               threading.Thread(target=cross, args=(second, 0, "second"), daemon=True)]  # fmt: skip
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(done) == ["first", "second"]  # without the rule: both wait out SQLite's 60 s timeout
    first.close()
    second.close()
