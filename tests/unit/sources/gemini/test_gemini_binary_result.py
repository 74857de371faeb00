"""A tool's binary output sent back in a user turn is the tool's, not a prompt: Gemini CLI 0.61.0 answers
a `read_file` of an image with the `functionResponse` and the image's `inlineData` part after it, in
the call record's `result` and again as a user message. No USER step comes of that message; where no
call record holds the result, its step names the image. Hand-made records of that shape."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.gemini import reader as gemini

SID = "5e0c1a2b-3333-4a4a-9b9b-0123456789ab"
PATH = "/h/.gemini/tmp/garden/chats/session-2026-11-30T03-23-5e0c1a2b.jsonl"
OUTPUT = {"output": "Binary content provided."}
RESPONSE = {"functionResponse": {"id": "c1", "name": "read_file", "response": OUTPUT}}
IMAGE = {"inlineData": {"data": "iVBORw0KGgo=", "mimeType": "image/png"}}


def read(with_record: bool, beside: list[dict[str, Any]]) -> Any:
    call = {"id": "c1", "name": "read_file", "args": {"file_path": "dot.png"}, "result": [RESPONSE, IMAGE],
            "status": "success", "timestamp": "2026-11-30T03:23:03.000Z"}
    said = {"id": "m2", "timestamp": "2026-11-30T03:23:02.000Z", "type": "gemini", "content": "Looking.",
            **({"toolCalls": [call]} if with_record else {})}
    records = [
        {"sessionId": SID, "projectHash": "ab" * 32, "startTime": "2026-11-30T03:23:00.000Z", "kind": "main"},
        {"id": "m1", "timestamp": "2026-11-30T03:23:01.000Z", "type": "user", "content": [{"text": "Look"}]},
        said,
        {"id": "m3", "timestamp": "2026-11-30T03:23:04.000Z", "type": "user",
         "content": [RESPONSE, IMAGE, *beside]},
        {"id": "m4", "timestamp": "2026-11-30T03:23:05.000Z", "type": "gemini", "content": "A dot."},
    ]
    return gemini.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in records)), [])


@pytest.mark.parametrize("with_record", [True, False], ids=["call record", "no call record"])
def test_an_images_bytes_beside_a_tool_response_are_the_tools(with_record):
    s = read(with_record, [])
    assert [st.text for st in s.steps if st.kind == StepKind.USER] == ["Look"]
    [result] = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert (result.tool_call_id, result.text) == ("c1", "Binary content provided.\n[image/png]")


def test_words_beside_a_tool_response_are_still_the_users():
    s = read(True, [{"text": "and hurry"}])
    assert [st.text for st in s.steps if st.kind == StepKind.USER] == ["Look", "and hurry"]
