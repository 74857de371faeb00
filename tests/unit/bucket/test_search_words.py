"""A word is found as the bucket's index finds it, in every library: whole (`npm` is not in `pnpm`),
the last word of a query also as a prefix, `foo.bar` as the phrase `foo bar`, accents dropped. The
sessions in memory (a capsule, the demo) and a team's dataset tested each step's text for the word
anywhere, so the same query over a bucket and its export listed different steps. A dataset keeps
accents (`cafe` finds `cafe` only)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from support.claude_chat import claude_record
from support.small_bucket import claude_log_bucket

from tracetui.bucket import Bucket
from tracetui.library import MemoryLibrary
from tracetui.model import SessionFilter

SID = "33333333-3333-4333-8333-333333333333"
TEXTS = ["run pnpm install first", "then npm ci", "the npmjs registry", "rename foo_bar to baz",
         "Le Café est ouvert", "un élan vital", "v2版本 ships", "Installing the wheel"]  # fmt: skip
# A query, and the texts (by their place in TEXTS) whose step it finds.
CASES = [
    ("npm", {1, 2}),  # the last word is a prefix too: npmjs; never inside pnpm
    ("npm ci", {1}),
    ("npm registry", set()),  # a word before the last is whole: npmjs is not npm
    ("pnpm", {0}),
    ("foo.bar", {3}),  # the index splits both at the dot and the underscore
    ("bar", {3}),  # an underscore parts words too
    ("oo_bar", set()),
    ("cafe", {4}),
    ("élan", {5}),
    ("ouvert café", {4}),
    ("v2", set()),  # `v2版本` is one word to the index
    ("版本", {6}),  # a script written without spaces is found inside a word
    ("instal", {0, 7}),
    ("in", set()),  # a prefix of fewer than three letters is not asked for
]


def _log() -> bytes:
    records, parent = [], None
    for n, text in enumerate(TEXTS):
        kind = "user" if n % 2 == 0 else "assistant"
        content = text if kind == "user" else [{"type": "text", "text": text}]
        uuid = f"s{n}"
        records.append(claude_record(SID, uuid, parent, kind, content, f"2026-02-03T10:00:{n:02d}Z"))
        parent = uuid
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


@pytest.fixture(scope="module")
def bucket(tmp_path_factory) -> Path:
    return claude_log_bucket(tmp_path_factory.mktemp("words"), SID, _log())


@pytest.mark.parametrize(("query", "found"), CASES, ids=[q for q, _ in CASES])
def test_the_bucket_and_the_sessions_in_memory_find_the_same_words(bucket, query, found):
    with Bucket.open(bucket) as b:
        session = b.session(SID)
        texts = {s.id: s.text for s in session.steps}
        want = {TEXTS.index(texts[h.step]) for h in b.search(query)}
        assert want == found, query
        memory = MemoryLibrary([session])
        assert {TEXTS.index(texts[h.step]) for h in memory.search(query)} == found, query
        listed = [s.id for s in memory.list_sessions(SessionFilter(text=query))]
        assert listed == [s.id for s in b.list_sessions(SessionFilter(text=query))], query


def test_a_dataset_finds_the_same_words(tmp_path):
    pytest.importorskip("duckdb")
    import pyarrow as pa
    import pyarrow.parquet as pq
    from support.datasets import small_dataset

    from tracetui.dataset import open_dataset

    root = small_dataset(tmp_path / "ds")
    folder = root / "data" / "steps" / "machine=x" / "agent=pi" / "month=2026-01"
    n = len(TEXTS)
    steps = {"session_id": ["s1"] * n, "agent": ["pi"] * n, "title": ["one"] * n,
             "step_id": [f"t{i}" for i in range(n)], "index": list(range(n)), "kind": ["user"] * n,
             "text": TEXTS}  # fmt: skip
    pq.write_table(pa.table(steps), folder / "part-00000.parquet")
    library = open_dataset(str(root))
    try:
        for query, found in CASES:
            # Accents are kept: DuckDB's strip_accents made a text filter 7 times as slow (1.6 s
            # against 0.23 s over 108 MB, half of it accented), so `cafe` misses `Café` there.
            found = set() if query == "cafe" else found
            assert {int(h.step[1:]) for h in library.search(query)} == found, query
            listed = {s.id for s in library.list_sessions(SessionFilter(text=query))}
            assert listed == ({"s1"} if found else set()), query
    finally:
        library.close()


def test_a_dataset_lists_a_session_for_what_was_said_in_it_as_its_search_finds(tmp_path):
    # Found 2026-12-02 on the corpus's export: the list's text filter took any step whose text held
    # the word, so a Codex session whose only `npm` was in its permissions prompt (a context step)
    # was listed, which the bucket and the dataset's own search leave out (a reminder a harness
    # wrote into a tool's result likewise); and a call's arguments
    # were tested as JSON, where `cd app\nnpm ci` holds no `npm` that starts a word.
    pytest.importorskip("duckdb")
    import pyarrow as pa
    import pyarrow.parquet as pq
    from support.datasets import small_dataset

    from tracetui.dataset import open_dataset

    root = small_dataset(tmp_path / "ds")
    part = ("machine=x", "agent=pi", "month=2026-01", "part-00000.parquet")
    reminded = "hi\n<system-reminder>\nconsider whether it is quokkaesque\n</system-reminder>"
    steps = {"session_id": ["s1", "s1", "s2"], "step_id": ["a", "b", "c"], "index": [0, 1, 0],
             "kind": ["context", "tool_result", "tool_call"],
             "text": ["npm is allowed; zebra", reminded, ""]}  # fmt: skip
    pq.write_table(pa.table(steps), root.joinpath("data", "steps", *part))
    call = '{"command": "cd app\\nnpm ci"}'  # the JSON of `cd app`, a line break, `npm ci`
    calls = {"session_id": ["s2"], "step_id": ["c"], "index": [0], "input": [call]}
    pq.write_table(pa.table(calls), root.joinpath("data", "tool_calls", *part))
    library = open_dataset(str(root))
    try:
        cases: list[tuple[str, set[str]]] = [
            ("zebra", set()), ("kind:context zebra", {"s1"}), ("npm", {"s2"}), ("quokkaesque", set()),
            ("kind:context quokkaesque", {"s1"}), ("hi", {"s1"})]  # fmt: skip
        for query, sessions in cases:
            assert {h.session for h in library.search(query)} == sessions, query
            assert {s.id for s in library.list_sessions(SessionFilter(text=query))} == sessions, query
    finally:
        library.close()
