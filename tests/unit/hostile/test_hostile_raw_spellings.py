"""The `raw` format writes the agent's own bytes, so it must find a planned value however the log's JSON
spells it. It looked for the value as written and as JSON-escaped once or twice, and passed over a line
holding neither: a token whose letters the log wrote as `\\u0067hp_…` (any encoder may escape any
character, and an attacker does), or a key whose slashes it wrote `\\/` (PHP's and some Java encoders'
default). One level down (Codex's tool arguments and outputs, a JSON document inside a JSON string) the
token went out; at the top level the second gate refused the whole session. The gate now reads a JSON
document inside a string as the reader does, and the writer decodes each string, at every level.
Values are made up here.
"""

from __future__ import annotations

import json

import orjson

from tracetui.capsule.scrub import Scrubbed, gate_findings
from tracetui.export import raw
from tracetui.model import Session

TOKEN = "ghp_" + "Vb7Nq2Xk9Lm4Tz8Rw3Sd6Hf1Jc5Gp0Ya2UeK"
AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8w9vT3kL"


def _scrubbed(*values: str) -> Scrubbed:
    base = Scrubbed(Session("s", "codex", "x"), [], [], {v: f"<SECRET_{i}>" for i, v in enumerate(values, 1)})
    return raw.spellings(base.with_spellings({}))


def _letters(value: str) -> str:
    return "\\u0067" + value[1:]


def test_a_value_whose_letters_the_log_escapes_is_scrubbed_in_place():
    line = json.dumps({"type": "user", "content": "key " + TOKEN}).replace(TOKEN, _letters(TOKEN))
    out = raw.scrub_bytes(line.encode(), _scrubbed(TOKEN))
    assert orjson.loads(out) == {"type": "user", "content": "key <SECRET_1>"}
    assert b"hp_Vb7Nq" not in out


def test_a_value_escaped_inside_a_json_document_inside_a_string_is_scrubbed():
    inner = json.dumps({"command": ["bash", "-lc", "echo " + TOKEN], "workdir": "/srv"})
    inner = inner.replace(TOKEN, _letters(TOKEN))
    line = json.dumps({"payload": {"type": "function_call", "arguments": inner}})
    out = raw.scrub_bytes(line.encode(), _scrubbed(TOKEN))
    arguments = json.loads(orjson.loads(out)["payload"]["arguments"])
    assert arguments == {"command": ["bash", "-lc", "echo <SECRET_1>"], "workdir": "/srv"}
    assert b"hp_Vb7Nq" not in out


def test_a_value_with_escaped_slashes_is_scrubbed_at_any_depth():
    inner = json.dumps({"command": f"export AWS_SECRET_ACCESS_KEY={AWS}"}).replace("/", "\\/")
    for line in (json.dumps({"output": inner}), inner):
        out = raw.scrub_bytes(line.encode(), _scrubbed(AWS))
        assert b"bPxRfiCYzQ8w9vT3kL" not in out, out


def test_a_line_with_nothing_to_scrub_keeps_its_bytes_escapes_and_all():
    line = b'{"a":"caf\\u00e9 \\/srv\\/app","b":"{\\"c\\": \\"\\\\u0041\\"}"}'
    assert raw.scrub_bytes(line, _scrubbed(TOKEN)) == line


def test_the_gate_reads_a_json_document_inside_a_string_as_its_reader_does():
    inner = json.dumps({"command": ["bash", "-lc", f"export AWS_SECRET_ACCESS_KEY={AWS}"]})
    line = json.dumps({"payload": {"type": "function_call", "arguments": inner.replace("/", "\\/")}}).encode()
    scrubbed = Scrubbed(Session("s", "codex", "x"), [], [])
    found = gate_findings({"rollout.jsonl": raw.gate_view(line)}, scrubbed)
    assert [g.value for g in found] == [AWS]


def test_an_unclosed_run_of_escaped_quotes_inside_a_string_is_scrubbed_in_linear_time():
    # A string whose decoded value opens a JSON string and never closes it (`"\"\"\"…`): the scan of its
    # inner tokens tried again from each quote inside, 2.2 s at 8,000 pairs and minutes at a few hundred
    # KB, in an export of a stranger's log. The torn token is scrubbed as the text it is.
    import time

    for pairs in (20_000, 80_000):
        line = json.dumps({"output": "see " + TOKEN + ' "' + '\\"' * pairs})
        started = time.thread_time()
        out = raw.scrub_bytes(line.encode(), _scrubbed(TOKEN))
        took = time.thread_time() - started
        assert b"hp_Vb7Nq" not in out and orjson.loads(out)["output"].startswith("see <SECRET_1> ")
        assert took < 1.0, (pairs, took)


def test_a_string_with_an_escaped_lone_surrogate_is_scrubbed_and_written_as_json():
    # A non-ASCII string (so written back unescaped) holding `\ud800`: the value decoded holds a lone
    # surrogate, which was written back raw and made the line fail to encode (the session's export
    # failed). Every lone surrogate is written as its escape.
    for text in ("café " + TOKEN + " \\ud800 end", TOKEN + " \\udc80\\ud83d", "é" + TOKEN + "\\udfff"):
        line = '{"a": "' + text + '", "b": "é"}'
        out = raw.scrub_bytes(line.encode(), _scrubbed(TOKEN))
        assert b"hp_Vb7Nq" not in out, out
        assert out.isascii() or out.decode("utf-8")  # valid UTF-8, no surrogate bytes
        assert json.loads(out)["a"] == json.loads(line)["a"].replace(TOKEN, "<SECRET_1>")
