"""A key under a signature's or a digest's name is read inside any text a scan reads.

Every scan (a plan's, an export's gate, a capsule's seal, blame's) dropped each finding inside the
string value of a JSON key named `signature`, `encrypted_content`, `integrity`, `checksum`, `sha1`,
`sha256`, `sha512` or `digest` wherever a text held one (a tool's output printing JSON, Claude's
tool input), whatever the value was: a sentence, or a key put there. So a tool's output holding
`{"digest": "sk-proj-…"}` went out in the ATIF, Parquet and raw exports alike, and their gates passed
it. Found by exporting a Claude log with a key under each such name. Keys are made up.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.claude_chat import claude_tool_call
from support.gate_kit import no_value_in
from support.made_up import drawn

from tracetui.cli import main
from tracetui.redact import scan_text

SID = "7c7c7c7c-1111-4222-8333-444455556666"
KEYS = ("signature", "thinking_signature", "encrypted_content", "integrity", "checksum", "sha1", "sha256",
        "sha512", "digest")
KEY = "sk-proj-" + drawn("structural", 156)
SHORT = "ghp_" + drawn("structural-short", 36)
# One key for each name in the exported log, so no other place of the same key finds it there.
EACH = {name: "sk-proj-" + drawn(f"structural-{name}", 156) for name in KEYS}
# Under the keys a tool's input keeps out of its fields (ids, hashes: `fields.is_structural_key`).
INPUT: dict[str, Any] = {
    "id": "ghp_" + drawn("input-id", 36),
    "request_id": "sk-proj-" + drawn("input-request", 156),
    "hash": {"note": "ghp_" + drawn("input-hash", 36)},
}

# How a key sits in the value, and how the JSON around it is written.
PLACED: dict[str, Callable[[str], str]] = {
    "whole": lambda t: t,
    "sentence": lambda t: f"see {t} here",
    "assigned": lambda t: f"token={t}",
}
WRITTEN: dict[str, Callable[[Any], str]] = {
    "plain": json.dumps,
    "escaped": lambda doc: json.dumps(json.dumps(doc)),  # a JSON document inside a JSON string
}


@pytest.mark.parametrize("written", sorted(WRITTEN))
@pytest.mark.parametrize("placed", sorted(PLACED))
def test_a_key_under_a_structural_name_is_found(placed, written):
    for token in (KEY, SHORT):
        for name in KEYS:
            text = WRITTEN[written]({"type": "x", name: PLACED[placed](token)})
            found = [text[f.start:f.end] for f in scan_text(text)]
            assert any(token in v for v in found), (name, text[:60])


def test_a_signature_or_a_digest_there_is_still_structure():
    rng = random.Random(20261129)
    blobs = [base64.b64encode(bytes([0x12, 0xA0, 0x40]) + rng.randbytes(n)).decode()
             for n in (40, 300, 2_000)]
    blobs += [base64.urlsafe_b64encode(b"\x80" + rng.randbytes(600)).decode(), rng.randbytes(32).hex(),
              "sha256:" + rng.randbytes(32).hex(), "sha512-" + base64.b64encode(rng.randbytes(64)).decode()]
    for blob in blobs:
        for name in KEYS:
            for write in WRITTEN.values():
                assert scan_text(write({name: blob})) == [], (name, blob[:20])


def _log(folder: Path) -> Path:
    printed = json.dumps({name: PLACED[p](EACH[name]) for name, p in zip(KEYS, sorted(PLACED) * 3)})
    tool_input = {"signature": KEY, "digest": f"see {SHORT} here", **INPUT}
    return claude_tool_call(folder, SID, "/srv/app", "hello", tool_input, printed)


def _hidden_in_input() -> list[str]:
    return [INPUT["id"], INPUT["request_id"], INPUT["hash"]["note"]]


@pytest.fixture(scope="module")
def bucket(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("structural")
    bucket = tmp / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={_log(tmp / 'logs')}", "--json"]) == 0
    return bucket


@pytest.mark.parametrize("fmt", ["raw", "atif", "parquet", "html"])
def test_no_key_under_a_structural_name_leaves_in_an_export(bucket, tmp_path, capsys, fmt):
    dest = tmp_path / fmt
    one = ["--sessions", SID] if fmt == "html" else []
    args = ["export", str(dest), "--format", fmt, "--accept-suggested", *one, "--json"]
    code = main(["--bucket", str(bucket), *args])
    assert code == 0, capsys.readouterr()
    for token in (KEY, SHORT, *EACH.values(), *_hidden_in_input()):
        no_value_in(dest, token[8:40])


def test_no_key_under_a_structural_name_leaves_in_a_capsule(bucket, tmp_path, capsys):
    out = tmp_path / "s.capsule"
    args = ["seal", SID, "-o", str(out), "--accept-suggested", "--json"]
    assert main(["--bucket", str(bucket), *args]) == 0, capsys.readouterr()
    sealed = gzip.decompress(out.read_bytes())
    assert b"stored" in sealed
    assert [t for t in (KEY, SHORT, *EACH.values(), *_hidden_in_input()) if t[8:40].encode() in sealed] == []
