"""A model switch mid-session where the log writes no record of it: Gemini CLI 0.61 (`-m` on a
resume, or its router), OpenCode 1.18.33 (`--model`, an agent's own model) and Pi 0.73.1 (`--model`
on a resume: its `model_change` entry is written only at the start) only name each response's model. A MODEL_CHANGE step stands before the first response of the new model, as Claude
Code's reader makes one; the same model again, or another scope's (a subagent), makes none. Hand-made
records of the real shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.common.model_switch import with_switches
from tracetui.sources.gemini import reader as gemini
from tracetui.sources.opencode import reader as opencode
from tracetui.sources.pi import reader as pi

MODELS = ["gemini-2.5-pro", "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-pro"]
WANTED = [("gemini-2.5-pro", "gemini-2.5-flash"), ("gemini-2.5-flash", "gemini-2.5-pro")]


def _gemini() -> Any:
    sid = "7a1b2c3d-4444-4d5d-8e8e-0123456789ab"
    lines: list[dict[str, Any]] = [{"sessionId": sid, "projectHash": "0" * 64, "startTime": "2026-11-30T06:00:00Z",
                                    "kind": "main"}]
    for n, model in enumerate(MODELS):
        lines.append({"id": f"u{n}", "timestamp": f"2026-11-30T06:00:{n}0Z", "type": "user",
                      "content": [{"text": f"ask {n}"}]})
        lines.append({"id": f"g{n}", "timestamp": f"2026-11-30T06:00:{n}5Z", "type": "gemini",
                      "content": f"answer {n}", "model": model})
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    return gemini.read(RawLog(f"/h/.gemini/tmp/p/chats/session-2026-11-30T06-00-{sid[:8]}.jsonl", data), [])


def _opencode() -> Any:
    sid, at = "ses_06SWITCHccccccccccccccccc", 1767261600000
    messages = []
    for n, model in enumerate(MODELS):
        user = {"id": f"msg_06{n}A", "sessionID": sid, "role": "user", "time": {"created": at + n * 1000}}
        reply = {"id": f"msg_06{n}B", "sessionID": sid, "role": "assistant", "time": {"created": at + n * 1000 + 500},
                 "modelID": model, "providerID": "google"}
        messages.append({"info": user, "parts": [{"id": f"prt_06{n}A", "sessionID": sid, "messageID": user["id"],
                                                  "type": "text", "text": f"ask {n}"}]})
        messages.append({"info": reply, "parts": [{"id": f"prt_06{n}B", "sessionID": sid, "messageID": reply["id"],
                                                   "type": "text", "text": f"answer {n}"}]})
    doc = {"info": {"id": sid, "version": "1.18.33", "directory": "/w/app", "title": "t",
                    "time": {"created": at, "updated": at + 9000}}, "messages": messages}
    return opencode.read(RawLog(f"/h/exports/{sid}.json", orjson.dumps(doc)), [])


def _pi_log() -> bytes:
    sid = "01a22b32-fbda-74ff-9f30-1059f3a490e4"
    lines: list[dict[str, Any]] = [
        {"type": "session", "version": 3, "id": sid, "timestamp": "2026-11-30T06:00:00.000Z", "cwd": "/w/app"},
        {"type": "model_change", "id": "mc", "parentId": None, "timestamp": "2026-11-30T06:00:00.000Z",
         "provider": "google", "modelId": MODELS[0]}]
    parent = "mc"
    for n, model in enumerate(MODELS):
        said = {"role": "user", "content": [{"type": "text", "text": f"ask {n}"}]}
        answer = {"role": "assistant", "content": [{"type": "text", "text": f"answer {n}"}], "provider": "google",
                  "model": model}
        for kind, message in ((f"u{n}", said), (f"a{n}", answer)):
            lines.append({"type": "message", "id": kind, "parentId": parent, "timestamp": f"2026-11-30T06:00:{n}0.000Z",
                          "message": message})
            parent = kind
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


def _pi() -> Any:
    return pi.read(RawLog("/h/.pi/agent/sessions/--w-app--/2026-11-30T06-00-00-000Z_x.jsonl", _pi_log()), [])


def _pi_resumed() -> Any:
    """Read up to its third answer, then on from the state that read kept: the changes are made once."""
    data = _pi_log()
    cut = data.index(b'"id":"u3"')
    cut = data.rindex(b"\n", 0, cut) + 1
    path = "/h/.pi/agent/sessions/--w-app--/2026-11-30T06-00-00-000Z_x.jsonl"
    _, state = pi.resume(None, RawLog(path, data[:cut]), [])
    assert state is not None
    return pi.resume(state, RawLog(path, data), [])[0]


@pytest.mark.parametrize("read, prefix", [(_gemini, ""), (_opencode, "google/"), (_pi, "google/"),
                                          (_pi_resumed, "google/")])
def test_a_switch_no_record_names_is_a_model_change_before_the_new_model_s_answer(read, prefix):
    s = read()
    assert s.errors == []
    # Pi's own entry at the start names the first model: no switch, no `from`.
    changes = [st for st in s.steps if st.kind == StepKind.MODEL_CHANGE and "from" in st.meta]
    assert [(c.meta["from"], c.meta["to"]) for c in changes] == [(prefix + a, prefix + b) for a, b in WANTED]
    for change in changes:  # right before the first answer of the new model, one line of steps
        after = s.steps[change.index + 1]
        assert (after.kind, after.model, after.text) == (StepKind.ASSISTANT, change.meta["to"], after.text)
        assert after.parent == change.id and change.parent == s.steps[change.index - 1].id
    assert [st.index for st in s.steps] == list(range(len(s.steps)))


def test_a_subagent_s_model_and_a_logged_change_make_no_step():
    from tracetui.model import Step
    steps = [Step("a", 0, StepKind.ASSISTANT, "assistant", "x", model="m1"),
             Step("s", 0, StepKind.ASSISTANT, "assistant", "y", model="m2", subagent="sub"),
             Step("c", 0, StepKind.MODEL_CHANGE, "system", "m3", model="m3"),
             Step("b", 0, StepKind.ASSISTANT, "assistant", "z", model="m3")]
    assert [st.id for st in with_switches(steps)] == ["a", "s", "c", "b"]
