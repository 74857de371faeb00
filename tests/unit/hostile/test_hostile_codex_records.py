"""Codex's newer records with fields of every wrong type: injected messages, auto-review verdicts
(guardian_assessment), a subagent's session_meta source, a fork's forked_from_id, inter-agent
messages. Each is read without a traceback into a session whose fields have the model's types, and
a hostile string in any of them stays data (tests/unit/hostile/test_hostile_log_fields.py does the same for
every agent's fixtures, which hold none of these records)."""

from __future__ import annotations

import sys
import time
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES
from support.param_ids import short
from support.hostile_fields import WRONG, model_problems

from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

sys.path.insert(0, str(FIXTURES))
from hostile import field_paths, replaced  # noqa: E402

T = "2026-05-01T10:00:0{}.000Z"
META = {
    "id": "019e0000-0000-7000-8000-000000000001",
    "cwd": "/w/p",
    "cli_version": "0.140.0",
    "forked_from_id": "019e0000-0000-7000-8000-00000000000f",
    "source": {"subagent": {"thread_spawn": {"parent_thread_id": "019e0000-0000-7000-8000-00000000000a",
                                             "depth": 1, "agent_nickname": "Ada", "agent_role": "explorer"}}},
}  # fmt: skip
RECORDS: list[tuple[str, dict[str, Any]]] = [
    ("response_item", {"type": "message", "role": "user",
                       "content": [{"type": "input_text", "text": "<timer_message>check</timer_message>"}]}),
    ("event_msg", {"type": "injected_message", "content": "check", "source": "timer t-7"}),
    ("event_msg", {"type": "injected_message", "content": "deploy finished", "source": "external ci"}),
    ("event_msg", {"type": "guardian_assessment", "id": "g1", "turn_id": "t1", "status": "denied",
                   "risk_level": "high", "user_authorization": "none", "target_item_id": "c1",
                   "rationale": "deletes more than was asked",
                   "action": {"type": "command", "command": "rm -rf build", "program": "rm", "cwd": "/w/p"}}),
    ("event_msg", {"type": "guardian_assessment", "status": "in_progress", "action": {"type": "command"}}),
]  # fmt: skip


def _rollout(meta: Any, records: list[tuple[str, Any]]) -> bytes:
    lines = [{"timestamp": T.format(0), "type": "session_meta", "payload": meta}]
    lines += [{"timestamp": T.format(1), "type": kind, "payload": payload} for kind, payload in records]
    return b"\n".join(orjson.dumps(x) for x in lines) + b"\n"


def _read(data: bytes):
    name = "/x/rollout-2026-05-01T10-00-00-019e0000-0000-7000-8000-000000000001.jsonl"
    return codex.read(RawLog(name, data), [])


def test_the_records_as_written_read_as_steps():
    s = _read(_rollout(META, RECORDS))
    assert s.skipped == {} and s.forked_from == META["forked_from_id"]
    events = [st.meta.get("event") for st in s.steps]
    assert "guardian_assessment" in events and "subagent" in events and "injected_message" in events


def test_every_field_of_every_wrong_type_is_read_without_harm():
    tried = 0
    for where in field_paths(META):
        for value in WRONG:
            session = _read(_rollout(replaced(META, where, value), RECORDS))
            assert not model_problems(session), ("meta", where, value, model_problems(session))
            tried += 1
    for n, (kind, payload) in enumerate(RECORDS):
        for where in field_paths(payload):
            for value in WRONG:
                records = [*RECORDS[:n], (kind, replaced(payload, where, value)), *RECORDS[n + 1 :]]
                session = _read(_rollout(META, records))
                assert not model_problems(session), (kind, where, value, model_problems(session))
                tried += 1
    assert tried > 400


@pytest.mark.parametrize(
    "text", ["\x1b]52;c;ZXZpbA==\x07", "[@click=app.quit]x[/]", "\u202eevil", "a" * 1_000_000], ids=short
)
def test_a_hostile_string_in_each_record_stays_data(text):
    meta = {**META, "forked_from_id": text}
    meta["source"] = {"subagent": {"thread_spawn": {"parent_thread_id": text, "agent_nickname": text}}}
    records = [
        ("event_msg", {"type": "injected_message", "content": text, "source": text}),
        ("event_msg", {"type": "guardian_assessment", "status": text, "rationale": text,
                       "action": {"command": text}, "risk_level": text}),
    ]  # fmt: skip
    session = _read(_rollout(meta, records))
    assert not model_problems(session)
    assert any(text in st.text for st in session.steps)


@pytest.mark.parametrize(
    "event",
    [
        lambda i: {"type": "injected_message", "content": f"nowhere {i}", "source": "t"},
        lambda i: {"type": "user_message", "message": f"typed {i}"},
    ],
    ids=["injected_message", "user_message"],
)
def test_events_that_echo_no_item_among_thousands_with_no_reply_read_in_linear_time(event):
    # Each such event looks for the item it echoes among the context items since the last reply.
    n = 3000
    records = []
    for i in range(n):
        text = f"<timer_message>{i} " + "x" * 3000 + "</timer_message>"
        records.append(("response_item", {"type": "message", "role": "user",
                                          "content": [{"type": "input_text", "text": text}]}))
        records.append(("event_msg", event(i)))
    started = time.process_time()
    session = _read(_rollout(META, records))
    assert time.process_time() - started < 3  # 22 s when every event looked at every item
    assert len(session.steps) >= 2 * n


def test_an_event_still_finds_its_item_behind_a_few_others():
    wrapped = "<timer_message>\n<content>\ncheck the queue &amp; report\n</content>\n</timer_message>"
    records: list[tuple[str, dict[str, Any]]] = [("response_item", {"type": "message", "role": "user",
                                  "content": [{"type": "input_text", "text": wrapped}]})]
    for i in range(5):
        content = [{"type": "input_text", "text": f"<env>{i}</env>"}]
        item = {"type": "message", "role": "user", "content": content}
        records.append(("response_item", item))
    event = {"type": "injected_message", "content": "check the queue & report", "source": "t-7"}
    records.append(("event_msg", event))
    session = _read(_rollout(META, records))
    assert [st.meta.get("injected_source") for st in session.steps if "check the queue" in st.text] == ["t-7"]
