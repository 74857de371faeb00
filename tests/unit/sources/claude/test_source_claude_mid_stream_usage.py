"""Claude Code at times wrote a response's line as its stream began: `stop_reason` null and the
placeholder output count of `message_start` (1 to 3 tokens), never the final one (anthropics/claude-code
issue 22686; 2.1.20 did so for every response against the stub server, and the corpus holds such
responses from 1.0.17 to 2.1.96: a 2,175-character text counted as one token). Such a count is a
lower bound, and a price of it says so (`≥`). Hand-made records of those shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.cost import session_cost
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code

SID = "5e2c4b1a-0d7e-4f7c-9a51-3c2b1d0e9f8a"
PATH = f"/h/.claude/projects/-w-shop/{SID}.jsonl"
LONG = "The notes are tidy now: the second line reads gamma, and nothing else in the file changed at all."


def prompt(uuid: str = "u1") -> dict[str, Any]:
    return {"type": "user", "uuid": uuid, "parentUuid": None, "sessionId": SID, "cwd": "/w/shop",
            "version": "2.1.20", "timestamp": "2026-11-26T16:40:00.000Z",
            "message": {"role": "user", "content": "Please tidy the notes"}}  # fmt: skip


def answer(uuid: str, parent: str, content: Any, output: int, stop: str | None, mid: str = "msg_1",
           model: str = "claude-sonnet-4-5-20250929") -> dict[str, Any]:  # fmt: skip
    message = {"id": mid, "role": "assistant", "model": model, "content": content, "stop_reason": stop,
               "usage": {"input_tokens": 50, "output_tokens": output}}  # fmt: skip
    return {"type": "assistant", "uuid": uuid, "parentUuid": parent, "sessionId": SID, "cwd": "/w/shop",
            "version": "2.1.20", "timestamp": "2026-11-26T16:40:01.000Z", "message": message}  # fmt: skip


def text(value: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": value}]


def read(*records: dict[str, Any] | bytes):
    lines = (r if isinstance(r, bytes) else orjson.dumps(r) for r in records)
    return claude_code.read(RawLog(PATH, b"".join(line + b"\n" for line in lines)), [])


def counted(session) -> list[tuple[int, bool]]:
    return [(s.tokens.output, s.tokens.partial) for s in session.steps if s.tokens is not None]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        pytest.param(
            [answer("a1", "u1", text(LONG), 1, None)], [(1, True)], id="a long text counted as one token"
        ),
        pytest.param(
            [answer("a1", "u1", text("Done."), 1, None)], [(1, False)], id="a short text may be one token"
        ),
        pytest.param(
            [answer("a1", "u1", text(LONG), 1, "end_turn")], [(1, False)], id="a stop reason: final"
        ),
        # 1.0.x wrote no stop reason on most lines, but the final count.
        pytest.param(
            [answer("a1", "u1", text(LONG), 24, None)], [(24, False)], id="no stop reason, a real count"
        ),
        pytest.param(
            [
                answer(
                    "a1",
                    "u1",
                    [
                        {
                            "type": "tool_use",
                            "id": "toolu_1",
                            "name": "Write",
                            "input": {"file_path": "/w/shop/new.txt", "content": LONG},
                        }
                    ],
                    2,
                    None,
                )
            ],
            [(2, True)],
            id="a tool call's input",
        ),  # fmt: skip
        pytest.param(
            [answer("a1", "u1", [{"type": "thinking", "thinking": LONG, "signature": "s" * 400}], 1, None)],
            [(1, True)],
            id="thinking, its signature not counted",
        ),  # fmt: skip
        pytest.param(
            [answer("a1", "u1", [{"type": "thinking", "thinking": "Hm.", "signature": "s" * 4000}], 1, None)],
            [(1, False)],
            id="a signature alone",
        ),  # fmt: skip
        # Claude Code's own line (an API error) is no request.
        pytest.param(
            [answer("a1", "u1", text(LONG), 0, None, model="<synthetic>")], [(0, False)], id="synthetic"
        ),
    ],
)
def test_a_count_written_as_the_stream_began_is_a_lower_bound(records, expected):
    session = read(prompt(), *records)
    assert session.errors == []
    assert counted(session) == expected
    assert session_cost(session).partial is any(partial for _, partial in expected)


def test_a_later_line_of_the_response_with_its_final_count_settles_it():
    # One block a line: the first written mid-stream, the last with the response's end.
    first = answer("a1", "u1", text(LONG), 1, None)
    last = answer("a2", "a1", [{"type": "tool_use", "id": "toolu_1", "name": "Read",
                                "input": {"file_path": "/w/shop/notes.txt"}}], 180, "tool_use")  # fmt: skip
    assert counted(read(prompt(), first, last)) == [(180, False)]
    # A response logged again later with its streaming count keeps the final one.
    again = answer("a3", "a2", text(LONG), 1, None)
    assert counted(read(prompt(), first, last, again)) == [(180, False)]


def test_every_response_written_mid_stream_makes_the_session_cost_a_lower_bound():
    session = read(
        prompt(),
        answer("a1", "u1", text(LONG), 1, None, mid="msg_1"),
        answer("a2", "a1", text("Yes."), 1, None, mid="msg_2"),
    )
    assert counted(session) == [(1, True), (1, False)]
    priced = session_cost(session)
    assert priced.partial and priced.cost_usd is not None


def test_a_tool_input_too_deep_to_measure_is_read_without_harm():
    # Deeper than orjson writes (254 levels), within what it reads: the input is not measured.
    use = [{"type": "tool_use", "id": "toolu_1", "name": "Write", "input": "DEEP"}]
    line = orjson.dumps(answer("a1", "u1", use, 1, None)).replace(
        b'"DEEP"', b'{"k":' * 400 + b'"x"' + b"}" * 400
    )
    session = read(prompt(), line)
    assert session.errors == []
    assert counted(session) == [(1, False)]
