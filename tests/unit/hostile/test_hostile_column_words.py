"""A host or user named like a word the Parquet writer fills a column from (`role` `user`, `kind`
`assistant`, `state` `lost`, `op` `create`...): the second gate found it in every row's column and refused
every session. The writer's words are not the log's (`tables.OWN_WORDS`), so the session is written, with
the name scrubbed wherever the log held it; `export --check` reads the rows as the gate did."""

from __future__ import annotations

import pytest
from support.gate_kit import pi_bucket, v3_tree
from support.machine_names import named_machine

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, check, export
from tracetui.export.tables import OWN_WORDS

WORDS = ["user", "assistant", "tool_call", "tool_result", "lost", "update", "create", "unknown"]


@pytest.mark.parametrize("word", WORDS)
def test_a_host_named_like_a_column_s_word_does_not_stop_a_parquet_export(tmp_path, monkeypatch, word):
    assert any(word in words for words in OWN_WORDS.values())
    prompt = f"make b equal 3 on the {word} box"
    bucket = pi_bucket(tmp_path, {"s.jsonl": v3_tree().replace("make b equal 3", prompt)})
    named_machine(monkeypatch, [word])
    with Bucket.open(bucket) as b:
        report = export(b, tmp_path / "out", ExportOptions("parquet", accept_suggested=True))
    assert report.written == 1 and report.refused == [], report.refused
    pq = pytest.importorskip("pyarrow.parquet")
    texts = [str(v) for f in (tmp_path / "out" / "data").rglob("*.parquet")
             for row in pq.read_table(f).to_pylist() for v in row.values()]  # fmt: skip
    assert not any(f"the {word} box" in t for t in texts)  # the log's own mention is scrubbed
    found = check(tmp_path / "out").problems
    assert not [p for p in found if p["file"].endswith(".parquet")], found
