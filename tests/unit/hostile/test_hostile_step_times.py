"""A step's time as a log writes it, found by structural fuzzing (2026-11-28): a call logged with a
zone and its result without one (or as `20260101`, which Python reads as a date) made the detail
pane's duration, and the list's sort by duration, fail to subtract them; a time that is no ISO 8601
(a torn byte before it, a number written as text) went into the ATIF export as it was, and the
export's own `--check` refused the trajectory."""

from __future__ import annotations

import json
import shutil

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.cli import main
from tracetui.library import duration_seconds
from tracetui.model import Session, Step, StepKind
from tracetui.ui.step_blocks import step_blocks
from tracetui.views.session_shape import duration_ms, shape_of


def _call_and_result(called: str, answered: str) -> Session:
    steps = [
        Step("c", 0, StepKind.TOOL_CALL, "assistant", tool="Bash", tool_call_id="k", timestamp=called,
             tool_input={"command": "ls"}),
        Step("r", 1, StepKind.TOOL_RESULT, "tool", "done", tool_call_id="k", parent="c", timestamp=answered),
    ]  # fmt: skip
    return Session("S", "claude", "x.jsonl", steps=steps)


@pytest.mark.parametrize(
    ("called", "answered", "ms"),
    [
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:02", 2000),
        ("2026-01-01T10:00:00", "2026-01-01T10:00:02+00:00", 2000),
        ("2026-01-01T10:00:00+01:00", "20260101", 0),  # a date alone: midnight UTC, before the call
    ],
)
def test_a_call_and_its_result_with_and_without_a_zone_still_have_a_duration(called, answered, ms):
    session = _call_and_result(called, answered)
    shape = shape_of(session)
    assert duration_ms(session, shape, 0) == ms  # TypeError: offset-naive and offset-aware
    assert step_blocks(session, shape, 0)  # the detail pane's header says it


def test_a_session_started_with_a_zone_and_ended_without_has_a_duration():
    assert duration_seconds("2026-01-01T10:00:00Z", "2026-01-01T10:00:30") == 30.0
    assert duration_seconds("2026-01-01T10:00:00", "yesterday") is None


ODD = ["\ufffd2026-10-01T10:00:02.000Z", "1e20", "2026-13-45T99:99:99Z", "A" * 300, "yesterday"]


@pytest.mark.parametrize("odd", ODD, ids=lambda v: repr(v)[:16])
def test_a_step_whose_time_is_no_iso_8601_is_exported_to_atif_that_passes_its_check(tmp_path, capsys, odd):
    source = tmp_path / "codex"
    source.mkdir()
    shutil.copyfile(FIXTURES / "codex" / "current.jsonl", source / "current.jsonl")
    lines = (source / "current.jsonl").read_bytes().splitlines()
    changed = 0
    for n, line in enumerate(lines):
        record = orjson.loads(line)
        if record.get("type") == "response_item" and changed < 3:  # a few steps' times, not the session's
            record["timestamp"] = odd
            lines[n] = orjson.dumps(record)
            changed += 1
    (source / "current.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"codex={source}"]) == 0
    capsys.readouterr()
    dest = tmp_path / "out"
    assert main([*bucket, "export", str(dest), "--format", "atif", "--accept-suggested", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["written"] == 1
    assert main([*bucket, "export", str(dest), "--check"]) == 0, capsys.readouterr()  # "rejects it"
    (trajectory,) = (dest / "trajectories").rglob("*.json")
    stamps = [s.get("timestamp") for s in orjson.loads(trajectory.read_bytes())["steps"]]
    assert odd not in stamps and any(stamps)  # the odd ones left out, the others kept
