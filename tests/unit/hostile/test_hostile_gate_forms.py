"""The export's second gate scans each text as it leaves, not only as the review read it: a tool's input
as the one JSON string Parquet writes, a patch as its unified diff, a text with the home folder made
`<HOME>`. None of them is a text the review scanned, so none of them takes the review's findings
(`redact/reviewed.py`): here the review is made blind to a password (its scans, marked whole, say
nothing there), and the gate still finds it in each form and scrubs it. A gate that mapped the
review's findings through the serialisation, instead of scanning, would let it out. Values are made up."""

from __future__ import annotations

import orjson
import pytest
from support.gate_kit import no_value_in, pi_bucket, scanned_texts, v3_tree

from tracetui.bucket import Bucket
from tracetui.capsule import scrub
from tracetui.export import ExportOptions, export
from tracetui.redact import scan

pytest.importorskip("pyarrow.parquet")

VALUE = "Zq8!vR2#pL9mXw4t"
LINE = f"export DB_PASS={VALUE}"


def _blind_review(monkeypatch) -> None:
    """The review's scans with every finding over VALUE taken out, still marked as scanned whole."""
    real = scan._scan_filed

    def blind(text, identity, syntax):
        found, whole, plain = real(text, identity, syntax)
        at = text.find(VALUE)
        if at < 0:
            return found, whole, plain

        def off(findings):
            if findings is None:
                return None
            return [f for f in findings if f.end <= at or f.start >= at + len(VALUE)]

        return off(found), whole, off(plain)

    monkeypatch.setattr(scan, "_scan_filed", blind)


def _leaks_by_member(monkeypatch) -> dict[str, list[str]]:
    """The members each finding of the gate's was in, by the text it was found in."""
    seen: dict[str, list[str]] = {}
    real = scrub.gate_findings

    def watched(members, scrubbed, *args, **kwargs):
        found = real(members, scrubbed, *args, **kwargs)
        for g in found:
            seen.setdefault(g.member, []).append(g.value)
        return found

    monkeypatch.setattr(scrub, "gate_findings", watched)
    return seen


def _with_call(name: str, arguments: dict, result: str, cwd: str = "/work/proj") -> str:
    """The v3 tree (its cwd as given), then a call of tool `name` and its answer."""
    call = {"type": "toolCall", "id": "toolu_v3_x", "name": name, "arguments": arguments}
    lines = [
        {"type": "message", "id": "b000000f", "parentId": "b000000e", "timestamp": "2026-02-01T09:00:14.000Z",
         "message": {"role": "assistant", "content": [call], "model": "claude-opus-4-5", "timestamp": 0}},
        {"type": "message", "id": "b0000010", "parentId": "b000000f", "timestamp": "2026-02-01T09:00:15.000Z",
         "message": {"role": "toolResult", "toolCallId": "toolu_v3_x", "toolName": name,
                     "content": [{"type": "text", "text": result}], "isError": False, "timestamp": 0}},
    ]  # fmt: skip
    tree = v3_tree().replace('"cwd":"/work/proj"', orjson.dumps({"cwd": cwd}).decode()[1:-1])
    return tree.rstrip("\n") + "\n" + "\n".join(orjson.dumps(x).decode() for x in lines) + "\n"


FORMS = {
    # The password is a value of the call's input: Parquet writes the input as one JSON string.
    "tool input as JSON": (
        _with_call("bash", {"command": LINE, "timeout": 5}, "ok"),
        "tool_calls.jsonl",
        "{",
    ),
    # A file written whole: the patch's diff gives each of its lines after a `+`.
    "a diff": (
        _with_call("write", {"path": "src/env.sh", "content": f"#!/bin/sh\n{LINE}\n"}, "Wrote src/env.sh"),
        "patches.jsonl",
        "--- ",
    ),
    # The answer names the user's home: the review scrubs it, and the text leaves with `<HOME>` in it.
    "a <HOME> text": (
        _with_call("bash", {"command": "cat .env"}, f"/home/alice/proj/.env:\n{LINE}\n", "/home/alice/proj"),
        "steps.jsonl",
        "<HOME>/proj/.env",
    ),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_a_password_the_review_did_not_see_is_found_by_the_gate_in_the_form_that_leaves(
    tmp_path, monkeypatch, form
):
    log, member, shape = FORMS[form]
    bucket = pi_bucket(tmp_path, {"s.jsonl": log})
    _blind_review(monkeypatch)
    scanned = scanned_texts(monkeypatch)
    leaks = _leaks_by_member(monkeypatch)
    with Bucket.open(bucket) as b:
        report = export(b, tmp_path / "out", ExportOptions("parquet"))
    # The gate scanned the form itself, and found the password there.
    assert any(VALUE in t and t.startswith(shape) for t in scanned), [t[:60] for t in scanned if VALUE in t]
    assert any(VALUE in v for v in leaks.get(member, [])), leaks.keys()
    # A field holds it: scrubbed by value, the session written, nothing refused.
    assert report.refused == [] and report.written == 1
    no_value_in(tmp_path / "out", VALUE)
