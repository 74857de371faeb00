"""Issue 35: one decoding view for the plan and every gate. Whatever the plan's scan reads (escapes at every
depth, base64 and base64url with or without padding, base32, hex, percent, quoted-printable, gzip), the
seal's and every export's gate read the same way, and the reverse: both call `scan_text`, whose view
(`views.terminal_view`) and decoders (`encoded`) are the only readers. Before, a doubly escaped
zero-width space inside a token (a JSON document inside a tool's output) was read only by the raw
export's gate, which decodes documents inside strings, and went out in the capsule, ATIF, Parquet, HTML
and Markdown; a base64url state after `state=`, and base32 and quoted-printable, nobody read.
Tokens are made up here; look-alikes stay clean."""

from __future__ import annotations

import json
import sys

import orjson
import pytest
from support.carriers import CARRIERS, decoded_output, ENCODED_LOOK_ALIKES, spellings
from shared_data import TESTS

from tracetui.capsule import seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.capsule.scrub import Scrubbed, gate_findings
from tracetui.cli import main
from tracetui.export.raw import gate_view
from tracetui.model import Session
from tracetui.redact import AUTO, build_plan, scan_session, scan_text

sys.path.insert(0, str(TESTS))
import agent_logs as al  # noqa: E402


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


@pytest.mark.parametrize("text", ENCODED_LOOK_ALIKES)
def test_look_alikes_stay_clean(text):
    assert scan_text(text) == []


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
        seen = blob.decode("utf-8", "replace") + "\n" + decoded_output(blob)
        for name in CARRIERS:
            for spelling in spellings(name):
                assert spelling not in seen, f"{name} left in the {where}"
