"""OpenCode's own fork (`opencode run --session S --fork`, 1.18.33) copies the source's messages into
a new session under new ids but keeps each one's `time.created` and `tokens`: the copies are shown,
marked copied, and their tokens are not the fork's (the source spent them). An OpenCode id holds the
time it was made (`ids.py`), so a message whose id is much later than its `time.created` is a copy.
Hand-made messages of that shape."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.sources import RawLog
from tracetui.sources.opencode import reader as opencode
from tracetui.sources.opencode.ids import Ids

SID = "ses_05FORKccccccccccccccccccccc"
AT = 1796008586081  # the source's messages were made then; the fork half an hour later


def message(mid: str, role: str, created: int, text: str, **more: Any) -> dict[str, Any]:
    info = {"id": mid, "sessionID": SID, "role": role, "time": {"created": created}, **more}
    if role == "assistant":
        info.update({"path": {"cwd": "/w/app", "root": "/w/app"}, "modelID": "m", "providerID": "p",
                     "tokens": {"input": 50, "output": 20, "reasoning": 0, "cache": {"read": 0, "write": 0}}})
    part = {"id": mid.replace("msg", "prt"), "sessionID": SID, "messageID": mid, "type": "text", "text": text}
    return {"info": info, "parts": [part]}


def read(copied_at: int) -> Any:
    ids = Ids(copied_at)
    made = Ids(AT + 1_800_000)  # the fork's own messages, made when it ran
    messages = [
        message(ids.next("msg"), "user", AT, "Tidy"),
        message(ids.next("msg"), "assistant", AT + 1000, "Tidied."),
        message(made.next("msg"), "user", AT + 1_800_000, "Go on"),
        message(made.next("msg"), "assistant", AT + 1_801_000, "Went on."),
    ]
    doc = {"info": {"id": SID, "version": "1.18.33", "directory": "/w/app", "title": "t (fork #1)",
                    "time": {"created": AT + 1_799_000, "updated": AT + 1_801_000}}, "messages": messages}
    return opencode.read(RawLog(f"/h/exports/{SID}.json", orjson.dumps(doc)), [])


def test_the_messages_a_fork_copied_are_marked_and_spent_nothing():
    s = read(AT + 1_799_000)  # copied when the fork was made
    assert [(st.text, st.copied) for st in s.steps] == [
        ("Tidy", True), ("Tidied.", True), ("Go on", False), ("Went on.", False)]
    assert (s.tokens.input, s.tokens.output) == (50, 20)


def test_messages_made_when_they_say_are_the_sessions_own():
    s = read(AT)
    assert not any(st.copied for st in s.steps) and (s.tokens.input, s.tokens.output) == (100, 40)
