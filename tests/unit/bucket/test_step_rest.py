"""A step row keeps what only a session's reading needs as one JSON list (`index.REST`, the shard's
`rest` column): every field reads back as the column it replaced did, on hand-made steps (odd values,
a lone surrogate, nesting past orjson's depth) and on every step of the corpus."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from shared_data import requires_corpus

from tracetui.bucket import Bucket, index, shards
from tracetui.bucket.mending import mend
from tracetui.model import FileEdit, Hunk, Session, SessionFilter, Step, Tokens

_COLUMNS = [c.strip() for c in shards.STEP_COLUMNS.split(",")]
_READ = [_COLUMNS.index(c.strip()) for c in shards.READ_COLUMNS.split(",")]


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"x": value}
    return value


def _read_back(steps: list[Step]) -> list[Step]:
    """The steps as a sync writes them and a session's reading makes them again, NULL as SQLite
    gives it back."""
    session = Session(id="s1", agent="pi", source="/x", steps=steps)
    _, rows = index.session_rows(session, "/x")
    return [index.step_from_row(tuple(None if row[i] is shards.NULL else row[i] for i in _READ)) for row in rows]


FULL = Step(
    "a1", 0, "tool_call", "assistant", text="ran it", timestamp="2026-01-01T00:00:00Z", tool="bash",
    tool_call_id="call_1", tool_input={"command": "ls", "n": [1, 2.5, None, True], 3: "int key"},
    parent="u0", subagent="sub-1", active=False, is_error=True, model="gpt-5",
    tokens=Tokens(10, 20, 30, 40, logged_usd=0.01, cache_write_1h=5, partial=True),
    edits=[FileEdit("a.py", "update", [Hunk(1, 1, 1, 2, ["-a", "+b", "+c"])], "a", "b\nc", original="a\n",
                    applied=False)],
    cwd="/w", meta={"exit_code": 2, "nested": {"k": ["v"]}},
)  # fmt: skip
BARE = Step("u1", 1, "user", "user", text="hello")


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (FULL, FULL.to_dict() | {"tool_input": {"command": "ls", "n": [1, 2.5, None, True], "3": "int key"}}),
        (BARE, BARE.to_dict()),
        # An empty meta and no tokens read back as before: {} and None.
        (Step("x", 2, "system", "system", meta={}, tokens=None), Step("x", 2, "system", "system").to_dict()),
        # A string tool input (Codex's custom tools) stays a string, not its JSON.
        (Step("c", 3, "tool_call", "assistant", tool="apply_patch", tool_input="*** Begin Patch"),
         Step("c", 3, "tool_call", "assistant", tool="apply_patch", tool_input="*** Begin Patch").to_dict()),
    ],
)  # fmt: skip
def test_every_field_reads_back_as_it_was_written(step, expected):
    [back] = _read_back([step])
    assert back.to_dict() == expected


def test_a_field_orjson_refuses_is_mended_alone_and_the_others_kept():
    lone = "half an emoji \ud83d here"
    step = Step("t", 0, "tool_call", "assistant", tool=lone, tool_input={"deep": _deep(300), "cmd": lone},
                model="m", meta={"k": lone})  # fmt: skip
    [back] = _read_back([step])
    assert back.tool == mend(lone) == "half an emoji \ufffd here"
    assert back.model == "m"
    assert back.meta == {"k": mend(lone)}
    # Cut where a column of its own was cut (`index.MAX_DEPTH` levels into the value), then mended.
    want = orjson.loads(index._encode({"deep": _deep(300), "cmd": lone}))
    assert back.tool_input == want
    depth, node = 0, back.tool_input["deep"]
    while isinstance(node, dict):
        node, depth = node["x"], depth + 1
    assert depth == index.MAX_DEPTH - 1 and "not kept" in node


def test_a_row_s_missing_values_are_the_shards_null():
    _, [row] = index.session_rows(Session(id="s1", agent="pi", source="/x", steps=[BARE]), "/x")
    nulls = {_COLUMNS[i] for i, v in enumerate(row) if v is shards.NULL}
    assert nulls == {"timestamp", "tool_words", "said_from", "said_to", "grams"}
    assert None not in row


@requires_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_every_corpus_step_reads_back_as_it_was_written(tmp_path_factory, tmp_path):
    from support.built_once import corpus_bucket

    with Bucket.open(corpus_bucket(tmp_path_factory, tmp_path / "bucket")) as bucket:
        rows = bucket.list_sessions(SessionFilter(include_hidden=True))
        assert len(rows) >= 30
        checked = 0
        for r in rows:
            steps = bucket.session(r.id).steps
            assert [s.to_dict() for s in _read_back(steps)] == [s.to_dict() for s in steps], r.id
            checked += len(steps)
        assert checked > 5_000
