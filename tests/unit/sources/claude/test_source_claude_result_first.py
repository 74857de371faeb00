"""Claude Code 2.1.x at times writes a tool's result line before the assistant line that called it
(seen 20 times in four real 2.1.97 sessions kept in 4thehalibit/omarchy-backup, a home folder on
GitHub). The result's `toolUseResult` (the file before the edit, the applied patch) was read before
its call existed and dropped: the edit kept no original and no hunks, and the trail's replay of the
file lost track of whose lines were whose (an edit replaced two minutes later read "alive").
Hand-made transcripts in that order."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code

SID = "9b9b9b9b-0000-4000-8000-000000000002"
PATH = f"/h/.claude/projects/-w-app/{SID}.jsonl"
BASE = {"sessionId": SID, "cwd": "/w/app", "version": "2.1.97", "userType": "external", "isSidechain": False}
BEFORE = "# Weather\nlabel {\n    text = weather(short)\n}\n"


def line(
    uuid: str, parent: str | None, kind: str, message: dict[str, Any], second: int, **extra: Any
) -> dict[str, Any]:
    stamp = f"2026-04-24T22:16:{second:02d}.000Z"
    record = {**BASE, "uuid": uuid, "parentUuid": parent, "type": kind, "timestamp": stamp}
    return record | {"message": message} | extra


PROMPT = line("u1", None, "user", {"role": "user", "content": "show the place too"}, 50)
CALL = line(
    "a2",
    "u1",
    "assistant",
    {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "Edit",
                "input": {
                    "file_path": "/w/app/lock.conf",
                    "old_string": "    text = weather(short)",
                    "new_string": "    text = weather(place: short)",
                    "replace_all": False,
                },
            }
        ],
    },
    59,
)
RESULT = line(
    "r3",
    "a2",
    "user",
    {"role": "user", "content": [{"tool_use_id": "toolu_1", "type": "tool_result", "content": "updated"}]},
    59,
    toolUseResult={
        "filePath": "/w/app/lock.conf",
        "oldString": "    text = weather(short)",
        "newString": "    text = weather(place: short)",
        "originalFile": BEFORE,
        "structuredPatch": [
            {
                "oldStart": 1,
                "oldLines": 4,
                "newStart": 1,
                "newLines": 4,
                "lines": [
                    " # Weather",
                    " label {",
                    "-    text = weather(short)",
                    "+    text = weather(place: short)",
                    " }",
                ],
            }
        ],
        "userModified": False,
        "replaceAll": False,
    },
)
ANSWER = line(
    "a4",
    "r3",
    "assistant",
    {"id": "msg_2", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
     "content": [{"type": "text", "text": "Done."}]},
    59,
)


def data(*records: dict[str, Any]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records) + b"\n"


def summary(session) -> list[tuple]:
    out = []
    for s in session.steps:
        edits = [(e.path, e.op, e.original, [h.lines for h in e.hunks]) for e in s.edits]
        out.append((s.id, s.kind, s.tool, s.tool_call_id, s.parent, s.meta, edits))
    return out


def test_a_result_logged_before_its_call_still_tells_the_call_what_it_applied():
    early = claude_code.read(RawLog(PATH, data(PROMPT, RESULT, CALL, ANSWER)), [])
    usual = claude_code.read(RawLog(PATH, data(PROMPT, CALL, RESULT, ANSWER)), [])
    assert early.errors == [] and early.skipped == {}
    [call] = [s for s in early.steps if s.kind == StepKind.TOOL_CALL]
    [edit] = call.edits
    assert edit.original == BEFORE
    assert [h.lines for h in edit.hunks] == [
        [" # Weather", " label {", "-    text = weather(short)", "+    text = weather(place: short)", " }"]
    ]
    [result] = [s for s in early.steps if s.kind == StepKind.TOOL_RESULT]
    assert (result.tool, result.parent) == ("Edit", call.id)
    # the same steps as the usual order gives, the result where the log has it
    assert sorted(summary(early), key=str) == sorted(summary(usual), key=str)


def test_a_read_cut_between_the_result_and_its_call_resumes_to_the_full_read():
    whole = data(PROMPT, RESULT, CALL, ANSWER)
    cut = len(data(PROMPT, RESULT))
    first, state = claude_code.resume(None, RawLog(PATH, whole[:cut]), [])
    assert [s.kind for s in first.steps] == [StepKind.USER, StepKind.TOOL_RESULT]
    resumed, _ = claude_code.resume(state, RawLog(PATH, whole), [])
    assert summary(resumed) == summary(claude_code.read(RawLog(PATH, whole), []))
