"""Reads bounded by what is shown, not by the bucket or the session: the first screen of a text filter
(`Bucket.first_sessions`) is the start of what `list_sessions` gives, in its order, found session by
session; a preview reads a session's first steps (`Bucket.session_head`)."""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import orjson
import pytest
from shared_data import CORPUS, requires_corpus

from tracetui.bucket import Bucket, index, step_query
from tracetui.library import MemoryLibrary
from tracetui.model import SessionFilter

# What each hand-made session says: a whole word, only longer words the word starts ("prefix"), the
# word in its title, in a harness's reminder only (not what was said), or nothing of the kind.
SAYS = {
    "word": "so the walrus sang",
    "prefix": "walruses everywhere",
    "title": None,
    "reminder": None,
    "none": "nothing to see",
}
KINDS = ["word", "none", "prefix", "title", "none", "reminder", "word", "prefix", "none", "word"] * 4
REMINDER = "\n\n<system-reminder>\nWalrus rules apply.\n</system-reminder>\n"


def _claude_log(sid: str, n: int, kind: str) -> bytes:
    stamp = f"2026-03-{1 + n % 27:02d}T{n % 24:02d}:00:{n % 60:02d}Z"
    prompt = {"word": "say it", "prefix": "say more", "title": "what of the walrus", "reminder": "read it",
              "none": "hello"}[kind]  # fmt: skip
    answer = SAYS[kind] or "done"
    records: list[dict[str, Any]] = [
        {"type": "user", "uuid": f"u{n}", "parentUuid": None, "sessionId": sid, "timestamp": stamp,
         "cwd": f"/home/dev/p{n % 3}", "message": {"role": "user", "content": prompt}},
        {"type": "assistant", "uuid": f"a{n}", "parentUuid": f"u{n}", "sessionId": sid, "timestamp": stamp,
         "cwd": f"/home/dev/p{n % 3}", "message": {"role": "assistant", "id": f"m{n}", "model": "claude-sonnet-4-5",
                                                   "content": [{"type": "text", "text": answer}]}},
    ]  # fmt: skip
    if kind == "reminder":
        records.append({"type": "user", "uuid": f"r{n}", "parentUuid": f"a{n}", "sessionId": sid, "timestamp": stamp,
                        "cwd": f"/home/dev/p{n % 3}", "message": {"role": "user", "content": "ok" + REMINDER}})  # fmt: skip
    for i in range(3 * n):  # sessions of different lengths, for the `steps` order
        records.append({"type": "user", "uuid": f"x{n}-{i}", "parentUuid": f"a{n}", "sessionId": sid,
                        "timestamp": stamp, "cwd": f"/home/dev/p{n % 3}",
                        "message": {"role": "user", "content": f"more {i}"}})  # fmt: skip
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    root = tmp_path_factory.mktemp("head")
    src = root / "claude" / "-home-dev-p"
    src.mkdir(parents=True)
    for n, kind in enumerate(KINDS):
        sid = str(uuid.UUID(int=n + 1, version=4))
        (src / f"{sid}.jsonl").write_bytes(_claude_log(sid, n, kind))
    b = Bucket.open(root / "bucket")
    b.sync({"claude": [root / "claude"]}, workers=2)
    yield b
    b.close()


QUERIES = ["walrus", "walr", "the walrus", "walruses", "kind:context walrus", "kind:all walrus", "kind:bogus walrus",
           "p1", "sang", "so", "nothing there", "wa", "kind:user"]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("order", ["date", "steps"])
def test_the_first_screen_is_the_start_of_the_whole_answer_in_the_list_s_order(bucket, query, order):
    whole = [r.id for r in bucket.list_sessions(SessionFilter(text=query), order=order)]
    assert len(whole) == bucket.count_sessions(SessionFilter(text=query))
    for limit in (1, 5, 40):
        for looks in (3, 12, 400):
            head = bucket.first_sessions(SessionFilter(text=query), limit=limit, order=order, looks=looks, budget=0)
            got = [r.id for r in head.rows]
            assert len(got) <= limit
            assert got == whole[: len(got)], (query, limit, looks)
            if head.count is not None:
                assert got == whole, (query, limit, looks)


def test_whole_words_fill_the_screen_and_a_prefix_alone_ends_it(bucket):
    # No prefix (two letters): every session is decided, the screen is the answer's first rows.
    head = bucket.first_sessions(SessionFilter(text="wa"), limit=3, budget=0)
    assert len(head.rows) == 3 and head.count is None  # more sessions than the screen: the rest to come
    # Looking at every session with no prefix left open: the whole answer, counted.
    small = bucket.first_sessions(SessionFilter(text="so"), limit=100, budget=0)
    assert small.whole and [r.id for r in small.rows] == [r.id for r in bucket.list_sessions(SessionFilter(text="so"))]
    # "walrus" is also a prefix ("walruses"): the first session that does not say the whole word is
    # not decided here, and ends the rows; a session saying only "walruses" is one.
    whole = [r.id for r in bucket.list_sessions(SessionFilter(text="walrus"), order="steps")]
    head = bucket.first_sessions(SessionFilter(text="walrus"), limit=40, order="steps", budget=0)
    got = [r.id for r in head.rows]
    assert head.count is None and got == whole[: len(got)] and len(got) < len(whole)
    by_steps = [r.id for r in bucket.list_sessions(order="steps")]
    stop = by_steps[by_steps.index(got[-1]) + 1] if got else by_steps[0]
    assert bucket.session(stop).steps[1].text != SAYS["word"]


def test_the_first_screen_looks_at_no_more_sessions_than_it_is_told(bucket, monkeypatch):
    from tracetui.bucket import shards

    looked: list[int] = []
    real = shards.holds_sql

    def counting(shard, passes):
        looked.append(shard)
        return real(shard, passes)

    monkeypatch.setattr(shards, "holds_sql", counting)
    executed: list[str] = []
    conn = bucket._steps_conn()
    conn.set_trace_callback(executed.append)
    try:
        bucket.first_sessions(SessionFilter(text="nothing-said-anywhere"), limit=10, looks=7, budget=0)
    finally:
        conn.set_trace_callback(None)
    assert sum("steps_fts MATCH" in sql for sql in executed) <= 7
    assert sum("steps_fts MATCH" in sql for sql in executed) > 0


@pytest.mark.parametrize("query", QUERIES)
def test_a_whole_answer_found_within_the_budget_is_given_with_its_count(bucket, query):
    whole = [r.id for r in bucket.list_sessions(SessionFilter(text=query), order="steps")]
    head = bucket.first_sessions(SessionFilter(text=query), limit=5, order="steps", budget=5.0)
    assert [r.id for r in head.rows] == whole[: len(head.rows)]
    if index.fts_passes(step_query(query)) == index.fts_passes(step_query(query), prefix=False):
        assert [r.id for r in head.rows] == whole[:5]
        assert head.count == len(whole) == bucket.count_sessions(SessionFilter(text=query))
        assert head.whole == (len(whole) <= 5)
    else:
        # A prefix's merge cannot be interrupted: not tried, whatever the budget.
        assert head == bucket.first_sessions(SessionFilter(text=query), limit=5, order="steps", budget=0)


def test_a_whole_answer_that_runs_past_the_budget_is_interrupted_and_the_sessions_looked_at(bucket):
    conn = bucket._steps_conn()
    head = bucket.first_sessions(SessionFilter(text="so"), limit=5, budget=1e-9)
    assert head.count is None  # interrupted: the walk's answer, which stops at the screen's rows
    assert [r.id for r in head.rows] == [r.id for r in bucket.list_sessions(SessionFilter(text="so"), limit=5)]
    # The connection is left as it was: the next query runs to its end.
    assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == len(KINDS)
    assert bucket.count_sessions(SessionFilter(text="so")) == len(bucket.list_sessions(SessionFilter(text="so")))


def test_memory_libraries_answer_the_first_screen_whole():
    library = MemoryLibrary([])
    head = library.first_sessions(SessionFilter(text="walrus"))
    assert head.rows == [] and head.whole


def test_a_session_s_head_is_its_first_steps_and_the_rest_of_it(bucket):
    row = max(bucket.list_sessions(), key=lambda r: r.steps)
    whole = bucket.session(row.id)
    head = bucket.session_head(row.id, 5)
    assert [s.id for s in head.steps] == [s.id for s in whole.steps[:5]]
    assert head.steps == whole.steps[:5]
    assert (head.title, head.started, head.tokens, head.errors) == (whole.title, whole.started, whole.tokens, whole.errors)
    assert bucket.session_head(row.id, 10**6).steps == whole.steps
    assert bucket.session_head(row.id, 0).steps == []


@requires_corpus
def test_real_sessions_first_screens_agree_with_their_whole_answers(tmp_path):
    with Bucket.open(tmp_path / "b") as b:
        b.sync({agent: [CORPUS / agent] for agent in ("claude", "codex", "pi") if (CORPUS / agent).is_dir()})
        for query in ("the", "file", "fil", "test", "kind:context the", "error handling", "zzqx"):
            whole = [r.id for r in b.list_sessions(SessionFilter(text=query))]
            for limit, looks in ((5, 8), (20, 400)):
                head = b.first_sessions(SessionFilter(text=query), limit=limit, looks=looks, budget=0)
                got = [r.id for r in head.rows]
                assert got == whole[: len(got)], query
                if head.count is not None:
                    assert got == whole, query
        for query in ("to", "is", "kind:context", "kind:context of"):  # no prefix: the whole answer is tried
            whole = [r.id for r in b.list_sessions(SessionFilter(text=query))]
            counted = b.first_sessions(SessionFilter(text=query), limit=20, budget=5.0)
            assert [r.id for r in counted.rows] == whole[:20] and counted.count == len(whole), query
        big = max(b.list_sessions(), key=lambda r: r.steps)
        assert big.steps > 50
        assert b.session_head(big.id, 50).steps == b.session(big.id).steps[:50]


def test_a_read_within_stopping_stops_when_told_and_leaves_the_connection_whole(bucket):
    import threading
    import time

    from tracetui.errors import Stopped

    with pytest.raises(Stopped):
        with bucket.stopping(lambda: True):
            bucket.count_sessions(SessionFilter(text="walrus"))
    walrus = SessionFilter(text="walrus")
    assert bucket.count_sessions(walrus) == len(bucket.list_sessions(walrus))
    # A long read stops soon after it is told to, from another thread.
    told = threading.Event()
    threading.Timer(0.2, told.set).start()
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c"
    began = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="interrupt"):
        with bucket.stopping(told.is_set):
            bucket._conn().execute(endless).fetchone()
    assert time.monotonic() - began < 5
    # The budget of the whole answer inside it keeps the outer stop.
    with bucket.stopping(lambda: False):
        head = bucket.first_sessions(SessionFilter(text="so"), limit=5, budget=5.0)
        assert head.count == bucket.count_sessions(SessionFilter(text="so"))
    assert bucket._conn().execute("SELECT count(*) FROM sessions").fetchone()[0] == len(KINDS)
