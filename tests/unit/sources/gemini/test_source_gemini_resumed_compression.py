"""Gemini CLI 0.61's `$set`s of the history after `--resume` (hand-made records in the shapes a fresh
log showed): the resume sets the whole history again, each result repeated as a `<id>_response`
user record (no compaction); the compression sets the session context, the summary, its
acknowledgement and copies of the kept messages under new ids (one compaction, the copies no steps
of their own). The resumed run's own file does not take the session's subagent folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tracetui import ctx
from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.gemini import reader as gemini

SID = "5e0c1a2b-2222-4b4b-9c9c-0123456789ab"
CONTEXT = {"id": "ctx1", "type": "user", "content": [{"text": "<session_context>\nmade up\n</session_context>"}]}
CALL = "read_file__call_1"
KEPT_CALL = "read_file__call_2"


def _call(cid: str, output: str) -> dict:
    return {"id": cid, "name": "read_file", "args": {"file_path": "/w/notes.txt"}, "status": "success",
            "result": [{"functionResponse": {"id": cid, "name": "read_file", "response": {"output": output}}}]}


def _lines() -> list[dict]:
    first_turn: list[dict[str, Any]] = [
        {"id": "u1", "type": "user", "content": [{"text": "Please tidy the notes"}]},
        {"id": "g1", "type": "gemini", "content": "Reading.", "toolCalls": [_call(CALL, "alpha\n")]},
        {"id": "r1", "type": "user", "content": [{"functionResponse": {"id": CALL, "name": "read_file",
                                                                       "response": {"output": "alpha\n"}}}]},
        {"id": "g2", "type": "gemini", "content": "Tidy."},
    ]
    resumed = [CONTEXT, first_turn[0],
               {"id": "g1", "type": "gemini", "content": [{"text": "Reading."}, {"functionCall": {
                   "id": CALL, "name": "read_file", "args": {"file_path": "/w/notes.txt"}}}],
                "toolCalls": [_call(CALL, "alpha\n")]},
               {"id": "g1_response", "type": "user", "content": first_turn[2]["content"]},
               first_turn[2], first_turn[3]]
    compressed = [CONTEXT,
                  {"id": "s1", "type": "user", "content": [{"text": "Summary: made up."}]},
                  {"id": "s2", "type": "gemini", "content": [{"text": "Got it. Thanks for the additional context!"}]},
                  {"id": "c1", "type": "user", "content": [{"text": "One more look"}]},
                  {"id": "c2", "type": "gemini", "content": [{"functionCall": {
                      "id": KEPT_CALL, "name": "read_file", "args": {"file_path": "/w/notes.txt"}}}]}]
    return [
        {"sessionId": SID, "projectHash": "0" * 64, "startTime": "2026-11-24T10:00:00.000Z", "kind": "main"},
        {"$set": {"messages": [CONTEXT]}},
        *first_turn,
        {"$set": {"sessionId": SID}},
        {"$set": {"messages": resumed}},  # --resume: the history again
        {"id": "u2", "type": "user", "content": [{"text": "One more look"}]},
        {"id": "g3", "type": "gemini", "content": "", "toolCalls": [_call(KEPT_CALL, "alpha\n")]},
        {"$set": {"messages": compressed}},  # the compression
        {"id": "r3", "type": "user", "content": [{"functionResponse": {"id": KEPT_CALL, "name": "read_file",
                                                                       "response": {"output": "alpha\n"}}}]},
        {"id": "g4", "type": "gemini", "content": "Still tidy."},
    ]


def _session():
    data = b"".join(orjson.dumps(line) + b"\n" for line in _lines())
    return gemini.read(RawLog("/h/.gemini/tmp/p/chats/session-2026-11-24T10-00-5e0c1a2b.jsonl", data), [])


def test_a_resume_s_history_is_no_compaction_and_the_compression_is_one_with_its_summary():
    s = _session()
    assert s.errors == [] and s.skipped == {}
    said = [(st.kind, st.text) for st in s.steps if st.kind in (StepKind.USER, StepKind.ASSISTANT, StepKind.COMPACTION)]
    assert said == [(StepKind.USER, "Please tidy the notes"), (StepKind.ASSISTANT, "Reading."),
                    (StepKind.ASSISTANT, "Tidy."), (StepKind.USER, "One more look"),
                    (StepKind.COMPACTION, "Summary: made up."), (StepKind.ASSISTANT, "Still tidy.")]
    assert [st.tool_call_id for st in s.steps if st.kind == StepKind.TOOL_RESULT] == [CALL, KEPT_CALL]
    [compaction] = [st for st in s.steps if st.kind == StepKind.COMPACTION]
    assert compaction.meta == {"folded_messages": 2, "first_kept_entry_id": "u2"}


def test_the_context_after_the_compression_is_the_summary_then_the_kept_turn():
    s = _session()
    last = s.steps[-1]
    seen = [(item.kind, item.text) for item in ctx.context_at(s, last.id).items]
    assert seen[0] == (StepKind.COMPACTION, "Summary: made up.")
    assert seen[1] == (StepKind.USER, "One more look") and seen[-1] == (StepKind.ASSISTANT, "Still tidy.")
    assert (StepKind.USER, "Please tidy the notes") not in seen
    assert [k for k, _ in seen[2:4]] == [StepKind.TOOL_CALL, StepKind.TOOL_RESULT]


def test_the_resumed_run_s_own_file_leaves_the_subagent_folder_to_the_session_s_file():
    chats = Path("/h/.gemini/tmp/p/chats")
    session = chats / "session-2026-11-24T10-00-5e0c1a2b.jsonl"
    own = chats / "session-2026-11-24T10-05-5e0c1a2b.jsonl"  # 0.61's --resume: the context alone
    sub = chats / SID / "0d9c10de-0000-4000-8000-000000000000.jsonl"
    groups = {g.main: g.companions for g in gemini.group([session, own, sub])}
    assert set(groups) == {session, own} and sub in groups[session] and sub not in groups[own]
