"""Claude Code 2.1.332's `--resume ID --fork-session` starts the new session with its parent's lines
since the last compaction, uuids kept and the new `sessionId`, with no `forkedFrom` mark; a copied
response names the session that asked for it (`requestSessionId`, the parent's id), and the fork's own
responses carry none. Those responses are the parent's spend: before, the fork counted them as its own
(a fork of one request showed 100 input tokens for its 50) and named no parent. Hand-made records of
the shapes a fresh 2.1.332 fork holds."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code

PARENT = "6e744726-e013-4305-9cb6-212adc794085"
FORK = "c3c0df3c-7d6a-442d-94ef-ae65d7d52191"
PATH = f"/h/.claude/projects/-w-shop/{FORK}.jsonl"


def line(kind: str, uuid: str, parent: str | None, second: int, content: Any, **more: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"role": kind, "content": content}
    if kind == "assistant":
        message |= {"id": f"m-{uuid}", "model": "claude-opus-5-5",
                    "usage": {"input_tokens": 50, "output_tokens": 20}}  # fmt: skip
    return {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": FORK, "cwd": "/w/shop",
            "timestamp": f"2026-11-26T10:54:{second:02d}.000Z", "message": message, **more}  # fmt: skip


RECORDS = [
    {
        "type": "queue-operation",
        "operation": "enqueue",
        "timestamp": "2026-11-26T10:54:53.200Z",
        "sessionId": FORK,
        "content": "Forked",
    },
    line("user", "u1", None, 37, "More"),  # copied: the parent's prompt
    line("assistant", "a1", "u1", 37, [{"type": "text", "text": "Still."}], requestSessionId=PARENT),
    line("user", "u2", "a1", 53, "Forked"),
    line("assistant", "a2", "u2", 54, [{"type": "text", "text": "From the fork."}]),
]


def test_a_fork_session_names_its_parent_and_counts_only_its_own_responses():
    s = claude_code.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in RECORDS)), [])
    assert s.errors == [] and s.skipped == {}
    assert s.forked_from == PARENT
    said = [(st.text, st.copied, st.meta.get("copy_of")) for st in s.steps if st.kind == StepKind.ASSISTANT]
    assert said == [("Still.", True, "a1"), ("From the fork.", False, None)]
    # The prompt the copied response answers is a copy too; the fork's own is not.
    asked = [(st.text, st.copied, st.meta.get("copy_of")) for st in s.steps if st.kind == StepKind.USER]
    assert asked == [("More", True, "u1"), ("Forked", False, None)]
    assert (s.tokens.input, s.tokens.output) == (50, 20)


def test_a_response_of_its_own_session_is_no_copy():
    own = [line("user", "u1", None, 1, "Hi"), line("assistant", "a1", "u1", 2, [{"type": "text", "text": "Hello."}],
                                                  requestSessionId=FORK)]  # fmt: skip
    s = claude_code.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in own)), [])
    assert s.forked_from is None and not any(st.copied for st in s.steps)
    assert (s.tokens.input, s.tokens.output) == (50, 20)
