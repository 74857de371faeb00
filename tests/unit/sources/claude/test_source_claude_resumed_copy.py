"""Claude Code 1.0.x resumed a session (`--resume`, `--continue`) into a new transcript that begins with
the earlier conversation written again: every copied line stamped with the one instant of the resume,
the responses' message ids kept, no mark (1.0.37 gave the lines new uuids after a `summary`, 1.0.98
kept them; both checked against the stub server). Those responses were the earlier session's spend:
before, each resume counted them again. Hand-made records of those shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code
from tracetui.views.fork import fork_line

NEW = "c119c97c-76b5-44a0-b474-a4b33f33136c"
PATH = f"/h/.claude/projects/-w-shop/{NEW}.jsonl"
RESUMED_AT = "2026-11-26T13:37:58.226Z"


def line(
    kind: str, uuid: str, parent: str | None, when: str, content: Any, mid: str | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": kind, "content": content}
    if kind == "assistant":
        message |= {"id": mid or f"m-{uuid}", "model": "claude-sonnet-4-20250514",
                    "usage": {"input_tokens": 50, "output_tokens": 20}}  # fmt: skip
    return {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": NEW, "cwd": "/w/shop",
            "version": "1.0.98", "timestamp": when, "message": message}  # fmt: skip


def call(uuid: str, parent: str, when: str, tool_id: str, mid: str) -> dict[str, Any]:
    use = {"type": "tool_use", "id": tool_id, "name": "Edit",
           "input": {"file_path": "/w/shop/a.txt", "old_string": "a", "new_string": "b"}}  # fmt: skip
    return line("assistant", uuid, parent, when, [use], mid)


def result(uuid: str, parent: str, when: str, tool_id: str) -> dict[str, Any]:
    return line(
        "user", uuid, parent, when, [{"type": "tool_result", "tool_use_id": tool_id, "content": "ok"}]
    )


def copy_then_own(summary: bool) -> list[dict[str, Any]]:
    t = RESUMED_AT
    records = [
        line("user", "u1", None, t, "Please tidy"),
        call("a1", "u1", t, "toolu_1", "msg_1"),
        result("r1", "a1", t, "toolu_1"),
        line("assistant", "a2", "r1", t, [{"type": "text", "text": "Tidied."}], "msg_2"),
        line("user", "u2", "a2", "2026-11-26T13:37:58.232Z", "One more look"),
        line(
            "assistant",
            "a3",
            "u2",
            "2026-11-26T13:37:58.347Z",
            [{"type": "text", "text": "Still tidy."}],
            "msg_3",
        ),
    ]
    if summary:  # 1.0.37: a summary naming the earlier conversation's last line comes first
        records.insert(
            0, {"type": "summary", "summary": "Tidying", "leafUuid": "e8f14911-0000-4000-8000-000000000000"}
        )
    return records


def read(records: list[dict[str, Any]]):
    return claude_code.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in records)), [])


@pytest.mark.parametrize("summary", [False, True])
def test_a_resumes_copy_of_the_earlier_conversation_is_shown_and_not_counted(summary):
    s = read(copy_then_own(summary))
    assert s.errors == []
    copied = [(st.kind, st.copied) for st in s.steps]
    assert copied == [
        (StepKind.USER, True), (StepKind.TOOL_CALL, True), (StepKind.TOOL_RESULT, True),
        (StepKind.ASSISTANT, True), (StepKind.USER, False), (StepKind.ASSISTANT, False),
    ]  # fmt: skip
    assert (s.tokens.input, s.tokens.output) == (50, 20)  # the resumed run's one response
    assert fork_line(s) == "resumed; its first 4 steps copy the earlier conversation"


def test_a_live_sessions_lines_of_one_instant_are_its_own():
    # One response's blocks are written as lines of one instant; the next response is a moment later.
    t = "2026-11-26T10:00:01.000Z"
    records = [
        line("user", "u1", None, t, "Hi"),
        line("assistant", "a1", "u1", t, [{"type": "thinking", "thinking": "hm", "signature": "s"}], "msg_1"),
        line("assistant", "a2", "a1", t, [{"type": "text", "text": "Hello."}], "msg_1"),
        line("user", "u2", "a2", "2026-11-26T10:00:05.000Z", "Again"),
        line(
            "assistant",
            "a3",
            "u2",
            "2026-11-26T10:00:06.000Z",
            [{"type": "text", "text": "Hello again."}],
            "msg_2",
        ),
    ]
    s = read(records)
    assert not any(st.copied for st in s.steps)
    assert fork_line(s) is None
    assert s.tokens.input == 100


def test_a_forks_marks_name_their_parent_and_are_kept():
    parent = "6e744726-e013-4305-9cb6-212adc794085"
    records = copy_then_own(False)
    for r in records[:4]:
        r["forkedFrom"] = {"sessionId": parent, "messageUuid": "p-" + r["uuid"]}
    s = read(records)
    assert s.forked_from == parent
    assert [st.meta.get("copy_of") for st in s.steps if st.copied] == ["p-u1", "p-a1", "p-r1", "p-a2"]


def test_lines_of_one_instant_in_a_later_version_are_its_own():
    # From 2.0.0 a resume writes on in the same transcript: a log of one instant (a hand-made fixture,
    # a tool's made-up timestamps) is no copy there.
    records = copy_then_own(False)
    for r in records:
        r["version"] = "2.0.0"
    s = read(records)
    assert not any(st.copied for st in s.steps)
    assert s.tokens.input == 150  # three responses, all its own
