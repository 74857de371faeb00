"""`blame --format agent-trace` puts a log's strings through the second gate, as an export does.

The record is written to be committed beside the code, so it leaves the machine; it copied the model
name the log gave into `contributor.model_id` as it was. A log whose model name holds a token (a
custom provider's, a proxy's URL with its key) had the token in the record. Now every string of the
record goes through the export's gate (`capsule.gate_scrubbed`): a sure finding is replaced by a
placeholder of its kind, and a terminal's bytes stay escaped.
"""

from __future__ import annotations

import orjson
import pytest
from support.agent_trace_schema import valid_record
from support.blame_world import agent_trace_out, build
from support.made_up import github_token as _token

# (the model name the log gives, what must not be in the record's bytes)
CASES = [
    (f"claude-{_token('dash')}", [_token("dash")]),
    (f"proxy/{_token('slash')}\x1b]0;owned\x07\x1b[2J", [_token("slash"), "\x1b", "\x07"]),
]


@pytest.mark.parametrize("model, absent", CASES, ids=["token", "token-and-terminal-bytes"])
def test_a_secret_in_the_model_name_never_reaches_the_record(tmp_path, capsys, monkeypatch, model, absent):
    world = build(tmp_path)
    for log in (world.logs / "claude").rglob("*.jsonl"):
        log.write_bytes(log.read_bytes().replace(b'"claude-test"', orjson.dumps(model)))
    out = agent_trace_out(world, tmp_path, capsys, monkeypatch)
    for text in absent:
        assert text not in out
    rec = orjson.loads(out)
    valid_record(rec)
    models = sorted(c["contributor"].get("model_id", "") for c in rec["files"][0]["conversations"])
    assert any("<GITHUB_TOKEN_1>" in m for m in models), models  # still says a model answered
    assert "gpt-test" in models  # a plain model name is kept as it is
