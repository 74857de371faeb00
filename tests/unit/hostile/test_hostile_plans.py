"""A redaction plan in the bucket is a file anyone with the folder can write. Its words are ours (a
detector's kind, a tier, a detector's name, a step id, where the second gate found a value): a plan
whose words hold terminal controls, or are not words at all, is damaged, said in one line. They
reached the Review screen's kind column raw (ESC, C1 CSI, a bidi override; tests/ui/
test_hostile_plans_app.py), and a step id of another type was taken as a step no session has."""

from __future__ import annotations

import shutil

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.cli import main

SESSION = "33333333"
HOSTILE = "\x1b]8;;http://evil.example\x07[bold red]k[/]\u202e\x9b31m"


@pytest.fixture
def planned(tmp_path):
    """A synced session with its (empty) plan saved, and that plan's path and document."""
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copyfile(FIXTURES / "pi" / "v3_tree.jsonl", folder / "a.jsonl")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"pi={folder}"]) == 0
    assert main([*bucket, "scan", SESSION]) == 0
    (path,) = (tmp_path / "b" / "plans").glob("*.plan.json")
    return bucket, path, orjson.loads(path.read_bytes())


def _gate_span(**change: object) -> dict:
    """A pending span the second gate added on the title ('make b equal 3'): refreshing keeps it."""
    span = {"step": None, "field": "title", "start": 0, "end": 4, "kind": "password", "tier": "suggested",
            "detector": "gate:rule:password", "decision": None, "value_id": ""}
    return {**span, **change}


def _gate_value(**change: object) -> dict:
    value = {"value_id": "ab" * 16, "kind": "password", "tier": "suggested", "detector": "gate:rule:password",
             "where": "trail.jsonl", "decision": None, "placeholder": ""}  # fmt: skip
    return {**value, **change}


EDITS = {
    "span kind": lambda: {"spans": [_gate_span(kind=HOSTILE)]},
    "span tier": lambda: {"spans": [_gate_span(tier=HOSTILE)]},
    "span detector": lambda: {"spans": [_gate_span(detector="gate:" + HOSTILE)]},
    "span step a list": lambda: {"spans": [_gate_span(step=["b0000001"])]},
    "span step a number": lambda: {"spans": [_gate_span(step=7)]},
    "span kind empty": lambda: {"spans": [_gate_span(kind="")]},
    "value kind": lambda: {"values": [_gate_value(kind=HOSTILE)]},
    "value where": lambda: {"values": [_gate_value(where=HOSTILE)]},
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_plan_whose_words_are_not_words_is_damaged_in_one_line(planned, capsys, edit):
    bucket, path, doc = planned
    path.write_bytes(orjson.dumps({**doc, **EDITS[edit]()}))
    seal = ["seal", SESSION, "--accept-suggested", "-o", str(path.parent / "c.capsule")]
    for command in (["review"], ["review", "--json"], ["scan", SESSION], seal):
        capsys.readouterr()
        assert main([*bucket, *command]) == 1, command
        out = capsys.readouterr()
        if "--json" in command:
            assert b"\x1b" not in out.out.encode() and "is damaged" in out.out
        else:
            assert "is damaged" in out.err and out.err.count("\n") == 1, out.err
        for shown in (out.out, out.err):
            assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown


def test_a_plan_of_our_own_words_still_loads_and_waits(planned, capsys):
    """The check is on the shape of the words, not a list of them: a gate's pending span of a
    kind the detectors name with spaces and parentheses is listed for review as before."""
    bucket, path, doc = planned
    path.write_bytes(orjson.dumps({**doc, "spans": [_gate_span(kind="Public IP (ipv4)",
                                                               detector="gate:ds:Public IP (ipv4)")]}))
    capsys.readouterr()
    assert main([*bucket, "review", "--json"]) == 0
    groups = orjson.loads(capsys.readouterr().out)["groups"]
    assert [g["kind"] for g in groups] == ["Public IP (ipv4)"]
