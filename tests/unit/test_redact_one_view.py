"""Issue 35: one decoding view for the plan and every gate. Whatever the plan's scan reads (escapes at every
depth, base64 and base64url with or without padding, base32, hex, percent, quoted-printable, gzip), the
seal's and every export's gate read the same way, and the reverse: both call `scan_text`, whose view
(`views.terminal_view`) and decoders (`encoded`) are the only readers. Before, a doubly escaped
zero-width space inside a token (a JSON document inside a tool's output) was read only by the raw
export's gate, which decodes documents inside strings, and went out in the capsule, ATIF, Parquet, HTML
and Markdown; a base64url state after `state=`, and base32 and quoted-printable, nobody read.
Tokens are made up here; look-alikes stay clean."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import quopri
import re
import sys
import urllib.parse
from pathlib import Path

import orjson
import pytest

from tracetui.capsule import seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.capsule.scrub import Scrubbed, gate_findings
from tracetui.cli import main
from tracetui.export.raw import gate_view
from tracetui.model import Session
from tracetui.redact import AUTO, build_plan, scan_session, scan_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import agent_logs as al  # noqa: E402

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _token(name: str) -> str:
    """A made-up GitHub token of its own for each carrier."""
    x = binascii.crc32(name.encode()) or 1
    out = []
    for _ in range(36):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(_ALNUM[x % 62])
    return "ghp_" + "".join(out)


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _qp(text: str) -> str:
    return quopri.encodestring(text.encode()).decode()


T = {name: _token(name) for name in ("zw2", "zw3", "b64url", "b64", "b32", "b32bare", "hex", "pct", "qp", "gz")}
CARRIERS = {
    # A JSON document inside a JSON string inside the tool's output: the zero-width space reads `\\u200b`.
    "zw2": json.dumps({"body": json.dumps({"token": T["zw2"][:12] + "\u200b" + T["zw2"][12:]})}),
    "zw3": json.dumps({"a": json.dumps({"b": json.dumps({"token": T["zw3"][:9] + "\u2060" + T["zw3"][9:]})})}),
    "b64url": "GET /callback?state=" + _b64url(json.dumps({"token": T["b64url"], "n": 1})) + "&code=7 HTTP/1.1",
    "b64": "cookie: session=" + base64.b64encode(json.dumps({"gh": T["b64"]}).encode()).decode(),
    "b32": "stored as " + base64.b32encode(f"token {T['b32']}".encode()).decode(),
    "b32bare": "seed=" + base64.b32encode(f"auth {T['b32bare']}".encode()).decode().rstrip("="),
    "hex": "dump: " + f"GITHUB_TOKEN={T['hex']}".encode().hex(),
    "pct": "next=" + urllib.parse.quote(f"token={T['pct']}", safe=""),
    # Wrapped at 76 columns: the soft break (`=` at a line's end) falls inside the token.
    "qp": _qp("Hello,\n" + "x" * 40 + f" deploy token: {T['qp']} keep it safe\n"),
    "gz": "blob " + base64.b64encode(gzip.compress(f"export GH_TOKEN={T['gz']}\n".encode(), mtime=0)).decode(),
}
LOOK_ALIKES = [
    "state=" + _b64url(json.dumps({"redirect": "/home", "nonce": 42, "lang": "en"})),
    "seed " + base64.b32encode(b"just some harmless words here").decode(),
    "ORSXG5BAMJ2XI5BAMEQGQYLTNA  (base32 of a phrase)",
    _qp("Hi team,\n" + "y" * 70 + " the build =3D green and nothing else to say here.\n"),
    "width = 10\nheight = 20\ncount=3D\n",
    'the escape \\\\u200b is a zero-width space, and \\\\u0041 is "A"',
    "sha256=" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
]


@pytest.mark.parametrize("name", sorted(CARRIERS))
def test_the_plan_and_every_gate_read_each_carrier_alike(name):
    text = CARRIERS[name]
    sure = [f for f in scan_text(text) if f.tier == AUTO]
    assert sure, f"the plan's scan misses {name}"
    empty = Scrubbed(Session(id="s", agent="claude", source="s.jsonl"), [], [])
    # The seal's and the parquet, ATIF and page gates read each JSON string decoded...
    member = orjson.dumps({"text": text})
    assert [g.kind for g in gate_findings({"trace.jsonl": member}, empty)], name
    # ...and the raw gate reads a JSON document inside a string as that document.
    record = orjson.dumps({"type": "x", "payload": {"output": json.dumps({"output": text})}})
    assert [g.kind for g in gate_findings({"log.jsonl": gate_view(record)}, empty)], name


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_stay_clean(text):
    assert scan_text(text) == []


def _decoded_output(blob: bytes) -> str:
    text = blob.decode("utf-8", "replace")
    text = re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)) if not 0xD800 <= int(m.group(1), 16) < 0xE000 else "", text)
    return re.sub("[\u200b\u2060]", "", re.sub(r"\\+([/\"])", r"\1", text))


def _spellings(name: str) -> list[str]:
    """What must not be in the output: the token, and the carrier's own encoded run."""
    run = max(re.findall(r"[A-Za-z0-9+/_=%\-]{24,}", CARRIERS[name]), key=len, default="")
    return [T[name], run] if name not in ("zw2", "zw3", "qp") else [T[name]]


def test_no_carrier_leaves_in_a_capsule_or_any_export_format(tmp_path, capsys):
    turns: list[al.Turn] = [al.Prompt("check the services"), al.Shell("cat notes.txt", "\n".join(CARRIERS.values()))]
    src = tmp_path / "src"
    session = al.session_of("claude", turns, src)
    plan = build_plan(session, scan_session(session, workers=0))
    outputs = {"capsule": b"\n".join(read_archive(seal(session, plan, accept_suggested=True).data, ALLOWED).values())}
    bucket = ["--bucket", str(tmp_path / "bucket")]
    assert main([*bucket, "sync", "--source", f"claude={src / 'claude' / 'projects'}", "--json"]) == 0
    for fmt in ("raw", "parquet", "atif", "html", "md"):
        dest = tmp_path / fmt
        pick = ["--sessions", session.id] if fmt in ("html", "md") else []
        capsys.readouterr()
        code = main([*bucket, "export", str(dest), "--format", fmt, *pick, "--accept-suggested", "--json"])
        assert code == 0, capsys.readouterr()
        blob = b"\n".join(p.read_bytes() for p in dest.rglob("*") if p.is_file())
        if fmt == "parquet":
            pq = pytest.importorskip("pyarrow.parquet")
            blob += b"".join(orjson.dumps(pq.read_table(p).to_pylist(), default=str) for p in dest.rglob("*.parquet"))
        outputs[fmt] = blob
    for where, blob in outputs.items():
        seen = blob.decode("utf-8", "replace") + "\n" + _decoded_output(blob)
        for name in CARRIERS:
            for spelling in _spellings(name):
                assert spelling not in seen, f"{name} left in the {where}"
