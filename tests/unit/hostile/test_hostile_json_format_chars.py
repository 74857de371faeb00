"""`--json` writes every format character escaped, by what Unicode says it is (category Cf), not by a
list: the Arabic number signs (U+0600-0605 join the text after them) and the musical beam controls
(U+1D173-1D17A) went out raw. The same strings parse back."""

from __future__ import annotations

import unicodedata

import orjson

from tracetui.cli import main
from tracetui.cli.output import json_bytes


def test_every_format_character_and_c1_control_is_escaped_and_parses_back():
    invisible = [chr(cp) for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"]
    invisible += [chr(cp) for cp in range(0x7F, 0xA0)] + ["\u2028", "\u2029"]
    text = "é中" + "x".join(invisible)
    out = json_bytes({"text": text})
    assert not [hex(ord(ch)) for ch in invisible if ch.encode("utf-8") in out]
    assert orjson.loads(out)["text"] == text and "é中".encode() in out


def test_show_json_of_a_prompt_holding_them(tmp_path, capsys):
    projects = tmp_path / "projects" / "-home-dev-x"
    projects.mkdir(parents=True)
    prompt = "total \u0600\u0601 then \U0001d173beam\U0001d17a and \u08e2"
    line = {"type": "user", "uuid": "u1", "sessionId": "s-1", "timestamp": "2026-01-01T00:00:00Z",
            "cwd": "/home/dev/x", "message": {"role": "user", "content": prompt}}  # fmt: skip
    (projects / "s-1.jsonl").write_bytes(orjson.dumps(line) + b"\n")
    bucket = str(tmp_path / "bucket")
    assert main(["--bucket", bucket, "sync", "--source", f"claude={tmp_path / 'projects'}"]) == 0
    capsys.readouterr()
    assert main(["--bucket", bucket, "show", "s-1", "--json"]) == 0
    out = capsys.readouterr().out
    for ch in "\u0600\u0601\U0001d173\U0001d17a\u08e2":
        assert ch not in out
    assert prompt in orjson.dumps(orjson.loads(out)).decode()  # the text itself is kept


def test_a_delete_in_an_otherwise_ascii_document_is_escaped_too():
    # The escaping once ran only on documents holding a character past ASCII; DEL is ASCII.
    out = json_bytes({"text": "rm\x7f -rf"})
    assert b"\x7f" not in out and b"\\u007f" in out and orjson.loads(out)["text"] == "rm\x7f -rf"
