"""A log's text holding terminal controls (an OSC 52 clipboard write, a title, a hidden link, a clear
screen, a C1 CSI, BEL) is carried into a resumed session with each control made visible: the agent's
own program prints the resumed history on the user's terminal, and it prints some of it raw. The fork
still reads back with the same steps, their text as `safe_carried` shows it."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES
from support.resume_kit import (
    NOT_CARRIED,
    PLANT_LOGS,
    forked_at_last,
    last_step,
    planted,
    records_of,
    sent_text,
    strings_of,
)  # fmt: skip

from tracetui.model import Step, StepKind
from tracetui.resume import write_session
from tracetui.safe_text import safe_carried
from tracetui.sources import RawLog, group, read_session

PLANTED = ("\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned-title\x07\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07"
           "\x1b[2J\x9b31m\x90q\x9c\x00\x08\x7f\rover")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The keys that hold what was said, in every agent's log this plants into.
def _shape(steps: list[Step]) -> list[tuple]:
    return [(s.kind, s.text, s.tool, s.tool_call_id, s.is_error) for s in steps
            if s.subagent is None and s.kind not in NOT_CARRIED and not s.id.startswith("queued@")]


@pytest.mark.parametrize("source, target", [("claude", "claude"), ("codex", "codex"), ("gemini", "gemini"),
                                            ("opencode", "opencode"), ("pi", "pi"), ("copilot", "copilot"),
                                            ("claude", "codex"), ("codex", "claude"), ("claude", "gemini"),
                                            ("claude", "opencode"), ("codex", "pi")])
def test_no_terminal_control_of_a_log_reaches_the_resumed_session(source, target, tmp_path):
    session, data = planted(source, tmp_path, PLANTED, "\x1b]52")
    last = max(s.index for s in session.steps if s.active and s.subagent is None and s.kind not in NOT_CARRIED)
    done = write_session(session, [RawLog(session.source, data)], last, agent=target, cwd="/home/dev/shop",
                         env={}, home=tmp_path / "home")
    written = Path(done.path).read_bytes()
    controls = [s for s in strings_of(records_of(target, written)) if _CONTROL.search(s.replace("\r\n", "\n"))]
    assert controls == []
    assert "␛]52;c;cHduZWQ=␇".encode() in written  # made visible, not dropped: the user sees it was there
    back = read_session(group(target, [Path(done.path)])[0])
    # (an OpenCode fork carries no patch part: tests/unit/hostile/test_hostile_resume_settings.py)
    expected = [s for s in session.steps if s.index <= last and s.active and s.subagent is None
                and not (s.kind == StepKind.SYSTEM and "snapshot" in s.meta)]
    for s in expected:  # (and a file OpenCode would fetch by its URL, as the text it sends in its place)
        s.text = safe_carried(sent_text(s) if target == "opencode" else s.text)
    if source == target and target in ("claude", "codex", "gemini", "opencode"):  # a fork: the same steps
        assert _shape(back.steps) == _shape(expected)
    else:  # rebuilt from steps: what was said, each control shown as `safe_carried` shows it
        said = [s.text for s in back.steps if s.kind in (StepKind.USER, StepKind.ASSISTANT)]
        assert said and set(said) <= {s.text for s in expected}


def test_a_control_escaped_in_a_json_result_is_made_visible_too(tmp_path):
    """Codex logs a call's result as a JSON document in a string (`{"output": ..., "metadata": ...}`): a
    control it escapes (`\\u001b`) is one once Codex decodes it. It is written as its stand-in, and the
    rest of the document as it was."""
    lines = [orjson.loads(raw) for raw in (FIXTURES / PLANT_LOGS["codex"]).read_bytes().splitlines()]
    for rec in lines:
        payload = rec.get("payload")
        if isinstance(payload, dict) and str(payload.get("output", "")).startswith("{"):
            payload["output"] = orjson.dumps({"output": "src\n" + PLANTED + "\r\n",
                                              "metadata": {"exit_code": 0}}).decode()
    path = tmp_path / "src" / "current.jsonl"
    path.parent.mkdir()
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines) + b"\n")
    session, done = forked_at_last(path, "codex", tmp_path / "home")
    last = last_step(session)
    outputs = [r["payload"]["output"] for r in records_of("codex", Path(done.path).read_bytes())
               if r["payload"].get("type") == "function_call_output" and r["payload"]["output"].startswith("{")]
    assert outputs and all(_CONTROL.search(orjson.loads(o)["output"].replace("\r\n", "")) is None for o in outputs)
    assert orjson.loads(outputs[0])["output"].endswith("␡␍over\r\n")
    back = read_session(group("codex", [Path(done.path)])[0])
    expected = [s for s in session.steps if s.index <= last and s.active and s.subagent is None]
    for s in expected:
        s.text = safe_carried(s.text)
    assert _shape(back.steps) == _shape(expected)
