"""A new Pi session holding another session's history up to one step, as Pi writes a session.

Pi keeps a session as a JSONL tree: a `session` header (id, time, cwd; `parentSession` for a fork),
then entries chained by `id` / `parentId`. This writer writes the header (naming the source as the
parent) and one `message` entry per user prompt, per assistant turn (its texts and tool calls, as
one response) and per tool result, from `sources/common/carried.py`'s items: a shell call becomes
Pi's `bash`, other calls keep their name. Each entry keeps its step's time, older than the header's,
so tracetui reads them as the fork's copies. More in docs/formats/pi.md, `sources/pi/writer.py`.
"""

from __future__ import annotations

import os
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.sources.common.carried import Item
from tracetui.sources.common.coerce import epoch_ms

NAME_LIMIT = 250  # bytes: a folder name past it is longer than a file system takes (255)


def folder_name(cwd: str) -> str:
    """The `sessions/` folder Pi keeps `cwd`'s sessions in: `--<cwd, its separators dashes>--`."""
    name = "--" + cwd.lstrip("/\\").replace("/", "-").replace("\\", "-").replace(":", "-") + "--"
    # Counted in bytes: 150 `é` are 300, and the file system's refusal named no limit, only the path.
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > NAME_LIMIT:
        raise TracetuiError(f"the working folder's name is too long for Pi's session folders ({size} "
                            f"bytes, at most {NAME_LIMIT})")
    return name


def file_name(new_id: str, now: str) -> str:
    """`<time, : and . as ->_<id>.jsonl`, as Pi names a session file."""
    return f"{now.replace(':', '-').replace('.', '-')}_{new_id}.jsonl"


def from_items(items: list[Item], source: str, cwd: str, new_id: str, now: str) -> bytes:
    """The session `new_id`, forked from `source` (the source's id), holding `items`."""
    now_ms = epoch_ms(now, 0)
    out = [orjson.dumps({"type": "session", "version": 3, "id": new_id, "timestamp": now, "cwd": cwd,
                         "parentSession": source})]
    parent: str | None = None
    turn: list[dict[str, Any]] = []
    turn_item: Item | None = None

    def entry(message: dict[str, Any], stamp: str | None) -> None:
        nonlocal parent
        entry_id = os.urandom(4).hex()
        out.append(orjson.dumps({"type": "message", "id": entry_id, "parentId": parent,
                                 "timestamp": stamp or now, "message": message}))
        parent = entry_id

    def close_turn() -> None:
        nonlocal turn, turn_item
        if turn and turn_item is not None:
            calls = any(block["type"] == "toolCall" for block in turn)
            entry({"role": "assistant", "content": turn, "api": "anthropic-messages", "provider": "tracetui",
                   "model": turn_item.model or "unknown",
                   "usage": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 0,
                             "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": 0}},
                   "stopReason": "toolUse" if calls else "stop",
                   "timestamp": epoch_ms(turn_item.timestamp, now_ms)}, turn_item.timestamp)
        turn, turn_item = [], None

    names: dict[str, str] = {}
    for item in items:
        if item.kind == "assistant" or item.kind == "call":
            if turn_item is None:
                turn_item = item
            if item.kind == "assistant":
                turn.append({"type": "text", "text": item.text})
            else:
                name, args = ("bash", {"command": item.shell}) if item.shell is not None else (
                    item.tool, item.args if isinstance(item.args, dict) else {"input": item.args})
                names[item.call_id] = name
                turn.append({"type": "toolCall", "id": item.call_id, "name": name, "arguments": args})
            continue
        close_turn()
        stamp = epoch_ms(item.timestamp, now_ms)
        if item.kind == "user":
            entry({"role": "user", "content": [{"type": "text", "text": item.text}], "timestamp": stamp},
                  item.timestamp)
        else:
            entry({"role": "toolResult", "toolCallId": item.call_id, "toolName": names.get(item.call_id, "tool"),
                   "content": [{"type": "text", "text": item.text}], "isError": item.is_error, "timestamp": stamp},
                  item.timestamp)
    close_turn()
    if len(out) == 1:
        raise TracetuiError("nothing up to that step is a prompt, an answer or a tool call to carry")
    return b"\n".join(out) + b"\n"
