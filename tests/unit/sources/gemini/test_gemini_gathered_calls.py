"""Gemini CLI 0.1x-0.2x (single-JSON files) gathered the calls of each model response into one message
until a response answered in words, and kept the first response's `tokens`: 0.10.0, 0.20.0 and 0.28.2
against the stub server logged 100 of the 250 input tokens it counted. One response's calls are stamped
together (the same instant, or 2 ms apart on 0.35.0); the next response's come a model's answer later.
Such a message's usage is a lower bound. Hand-made messages of those shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.cost import session_cost
from tracetui.sources import RawLog
from tracetui.sources.gemini import reader as gemini

PATH = "/h/.gemini/tmp/p/chats/session-2026-08-01T10-00-7a7a7a7a.json"


def call(n: int, stamp: Any) -> dict[str, Any]:
    response = {"functionResponse": {"id": f"call_{n}", "name": "read_file", "response": {"output": "alpha"}}}
    return {"id": f"call_{n}", "name": "read_file", "args": {"absolute_path": "/w/a.txt"},
            "status": "success", "timestamp": stamp, "result": [response]}  # fmt: skip


def read(stamps: list[Any], usage: int = 50):
    doc = {
        "sessionId": "7a7a7a7a-0000-4000-8000-000000000000",
        "projectHash": "p",
        "startTime": "2026-08-01T10:00:00.000Z",
        "messages": [
            {"id": "u1", "timestamp": "2026-08-01T10:00:00.000Z", "type": "user", "content": "Look"},
            {"id": "m1", "timestamp": "2026-08-01T10:00:01.000Z", "type": "gemini", "content": "Reading.",
             "model": "gemini-2.5-pro", "tokens": {"input": usage, "output": usage, "cached": 0, "thoughts": 0,
                                                   "tool": 0, "total": 70},
             "toolCalls": [call(n, s) for n, s in enumerate(stamps)]},
        ],
    }  # fmt: skip
    return gemini.read(RawLog(PATH, orjson.dumps(doc)), [])


@pytest.mark.parametrize(
    ("stamps", "gathered"),
    [
        pytest.param(["2026-08-01T10:00:01.100Z"], False, id="one call"),
        pytest.param(["2026-08-01T10:00:01.100Z"] * 3, False, id="parallel calls, one instant"),
        pytest.param(
            ["2026-08-01T10:00:53.433Z", "2026-08-01T10:00:53.435Z"], False, id="parallel, 2 ms apart"
        ),
        pytest.param(["2026-08-01T10:00:02.240Z", "2026-08-01T10:00:03.296Z"], True, id="two responses"),
        pytest.param(
            ["2026-08-01T10:00:03.296Z", "2026-08-01T10:00:02.240Z", "2026-08-01T10:00:02.240Z"],
            True,
            id="out of order",
        ),
        pytest.param([None, "not a time", 7, "2026-08-01T10:00:02.240Z"], False, id="stamps not times"),
    ],
)
def test_calls_of_several_responses_in_one_message_make_its_usage_a_lower_bound(stamps, gathered):
    session = read(stamps)
    assert session.errors == []
    (priced,) = [s for s in session.steps if s.tokens is not None]
    assert priced.tokens.partial is gathered
    assert session_cost(session).partial is gathered


def test_a_message_of_many_calls_is_read_in_bounded_time():
    stamps = [f"2026-08-01T10:00:{n % 60:02d}.000Z" for n in range(20_000)]
    session = read(stamps)
    assert len([s for s in session.steps if s.kind == "tool_call"]) == 20_000
    assert session_cost(session).partial


def test_a_gathered_message_that_logged_no_usage_still_makes_the_price_a_floor():
    # The corpus's pomodoro session (an early single-JSON file) wrote zeros for such a message.
    session = read(["2026-08-01T10:00:02.240Z", "2026-08-01T10:00:03.296Z"], usage=0)
    (zero,) = [s for s in session.steps if s.tokens is not None]
    assert zero.tokens.total == 0 and zero.tokens.partial
    assert session_cost(session).partial
