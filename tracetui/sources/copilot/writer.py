"""A new Copilot CLI session holding another session's history up to one step, as Copilot CLI keeps one.

Copilot CLI keeps a session as `session-state/<id>/events.jsonl`, events chained by `parentId`. This
writer writes a `session.start` naming the new id and the working folder, then a `user.message` per
prompt, one `assistant.message` per assistant turn (its text and its tool requests) and a
`tool.execution_complete` per result, from `sources/common/carried.py`'s items: a shell call becomes
Copilot's `bash`, other calls keep their name. More in docs/formats/copilot.md,
`sources/copilot/writer.py`.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.sources.common.carried import Item

# The build whose events this writes: Copilot CLI refuses a session whose start names no version
# ("Session file is corrupted ... missing field `copilotVersion`").
WRITTEN_AS = "1.0.102"


def from_items(items: list[Item], source: str, cwd: str, new_id: str, now: str) -> bytes:
    """The events of session `new_id`, run in `cwd`, holding `items` (carried from session `source`,
    which no field of Copilot's own names: its events are the history, nothing else)."""
    out: list[bytes] = []
    parent: str | None = None

    def event(kind: str, data: dict[str, Any], stamp: str | None) -> None:
        nonlocal parent
        event_id = str(uuid.uuid4())
        out.append(orjson.dumps({"type": kind, "data": data, "id": event_id, "timestamp": stamp or now,
                                 "parentId": parent}))
        parent = event_id

    event("session.start", {"sessionId": new_id, "version": 1, "producer": "tracetui",
                            "copilotVersion": WRITTEN_AS, "startTime": now, "context": {"cwd": cwd}}, now)
    turn: list[Item] = []

    def close_turn() -> None:
        if not turn:
            return
        first = turn[0]
        text = "\n\n".join(i.text for i in turn if i.kind == "assistant")
        requests = [_request(i) for i in turn if i.kind == "call"]
        data = {"messageId": str(uuid.uuid4()), "content": text, "toolRequests": requests}
        if first.model:
            data["model"] = first.model
        event("assistant.message", data, first.timestamp)
        turn.clear()

    for item in items:
        if item.kind in ("assistant", "call"):
            if item.kind == "assistant" and any(i.kind == "call" for i in turn):
                close_turn()  # a text after calls is the model's next response
            turn.append(item)
            continue
        close_turn()
        if item.kind == "user":
            event("user.message", {"content": item.text, "messageId": str(uuid.uuid4())}, item.timestamp)
        elif item.is_error:
            failed = {"message": item.text, "code": "failure"}
            event("tool.execution_complete", {"toolCallId": item.call_id, "success": False, "error": failed},
                  item.timestamp)
        else:
            event("tool.execution_complete", {"toolCallId": item.call_id, "success": True,
                                              "result": {"content": item.text}}, item.timestamp)
    close_turn()
    if len(out) == 1:
        raise TracetuiError("nothing up to that step is a prompt, an answer or a tool call to carry")
    return b"\n".join(out) + b"\n"


def _request(item: Item) -> dict[str, Any]:
    """A call as an assistant message's tool request: a shell call as Copilot's own `bash`."""
    if item.shell is not None:
        name, args = "bash", {"command": item.shell, "description": "carried over"}
    else:
        name, args = item.tool, item.args if isinstance(item.args, dict) else {"input": item.args}
    return {"toolCallId": item.call_id, "name": name, "arguments": args, "type": "function"}
