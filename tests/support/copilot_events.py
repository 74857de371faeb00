"""A Copilot CLI session's `events.jsonl` made from (type, data) pairs, each event chained to the one
before it as the CLI writes them, a minute apart; read by the Copilot reader."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.sources import RawLog
from tracetui.sources.copilot import reader as copilot

# (type, data), or (type, data, agentId) for an event a subagent wrote
Event = tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str | None]


def events_log(items: list[Event], hour: str = "2026-05-20T09") -> bytes:
    lines = []
    for n, item in enumerate(items):
        line: dict[str, Any] = {
            "type": item[0],
            "id": f"ev{n}",
            "timestamp": f"{hour}:{n:02d}:00.000Z",
            "parentId": f"ev{n - 1}" if n else None,
            "data": item[1],
        }
        if len(item) > 2 and item[2] is not None:
            line["agentId"] = item[2]
        lines.append(line)
    return b"".join(orjson.dumps(x) + b"\n" for x in lines)


def read_events(path: str, items: list[Event], hour: str = "2026-05-20T09") -> Any:
    """The session the reader makes of `items` written at `path`."""
    return copilot.read(RawLog(path, events_log(items, hour)), [])
