"""A tool's binary output sent back in a user turn is the tool's, not a prompt: Gemini CLI 0.61.0 answers
a `read_file` of an image with the `functionResponse` and the image's `inlineData` part after it, in
the call record's `result` and again as a user message. No USER step comes of that message; where no
call record holds the result, its step names the image. A prompt's `@file` contents, sent after the
words typed, are context. Hand-made records of those shapes."""

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


REFERENCED = [{"text": "\n--- Content from referenced files ---"}, IMAGE,
              {"text": "\n--- End of content ---"}]


@pytest.mark.parametrize("display", [True, False], ids=["display content", "no display content"])
def test_the_files_a_prompt_referenced_are_context_after_it(display):
    """`gemini -p "What is in @dot.png?"` (0.61.0) sends the file after the words typed, and logs the
    typed words alone as `displayContent`: the rest is context the model read, not lost."""
    typed = [{"text": "What is in @dot.png?"}]
    prompt = {"id": "m1", "timestamp": "2026-11-30T03:23:01.000Z", "type": "user",
              "content": typed + REFERENCED, **({"displayContent": typed} if display else {})}
    records = [
        {"sessionId": SID, "projectHash": "ab" * 32, "startTime": "2026-11-30T03:23:00.000Z", "kind": "main"},
        prompt,
        {"id": "m2", "timestamp": "2026-11-30T03:23:02.000Z", "type": "gemini", "content": "A dot."},
    ]
    s = gemini.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in records)), [])
    kinds = [(st.kind, st.text) for st in s.steps]
    sent = "\n--- Content from referenced files ---\n[image/png]\n\n--- End of content ---"
    if display:
        assert kinds == [(StepKind.USER, "What is in @dot.png?"), (StepKind.CONTEXT, sent),
                         (StepKind.ASSISTANT, "A dot.")]
    else:  # what was sent is all there is: the prompt as the log holds it
        alone = "What is in @dot.png?\n" + sent
        assert kinds == [(StepKind.USER, alone), (StepKind.ASSISTANT, "A dot.")]
