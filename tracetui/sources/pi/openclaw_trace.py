"""OpenClaw's runtime trace (`<sessionId>.trajectory.jsonl`), read as a Pi transcript.

Beside each session's transcript, OpenClaw 2026.4 writes a trace of its runs: one JSON event a line,
each with `traceSchema: "openclaw-trajectory"`, the session's `traceId`/`sessionId`, `ts`, `seq`,
`provider`/`modelId` and `workspaceDir`, and a `type`: `session.started`, `trace.metadata`,
`context.compiled`, `prompt.submitted`, `model.completed`, `trace.artifacts`, `session.ended`.
`model.completed` carries `data.messagesSnapshot`: the run's messages in Pi's own AgentMessage shapes
(user, assistant with its usage, toolResult, compactionSummary, custom), its answer included; not
the messages OpenClaw adds that the model never sees (its `delivery-mirror` copies of replies).

More in docs/formats/pi.md, `sources/pi/openclaw_trace.py`.
"""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import LineErrors
from tracetui.sources.common.jsonl import iter_entries, loads_within_depth

SCHEMA = "openclaw-trajectory"

# Events whose content is run metadata or repeats the snapshot (the prompt, the compiled context):
# known, and not steps of their own.
_KNOWN = frozenset(
    {
        "session.started",
        "trace.metadata",
        "context.compiled",
        "prompt.submitted",
        "model.completed",
        "trace.artifacts",
        "session.ended",
    }
)


def first_line(data: bytes) -> bytes:
    """`data.split(b"\\n", 1)[0]`, without that split's copy of the rest of the log (every Pi log is
    asked whether it is a trace: 200 MB more at once for a log of 200 MB)."""
    end = data.find(b"\n")
    return data if end < 0 else data[:end]


def is_trace(data: bytes) -> bool:
    """Whether these bytes are an OpenClaw runtime trace (its first line names the schema)."""
    first = first_line(data)
    if b"traceSchema" not in first:
        return False
    try:
        value = loads_within_depth(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and value.get("traceSchema") == SCHEMA


def records(
    path: str, data: bytes, errors: LineErrors
) -> tuple[dict[str, Any] | None, list[tuple[int, int, dict[str, Any]]], dict[str, int]]:
    """A Pi session header made from the first event, Pi `message` entries made from the snapshots'
    messages (line = the event's, position = the message's rank among the new ones) and the count of
    events of a type this reader does not know."""
    header: dict[str, Any] | None = None
    out: list[tuple[int, int, dict[str, Any]]] = []
    unknown: dict[str, int] = {}
    seen: set[bytes] = set()  # _identity of the messages taken
    for line, _position, event in iter_entries(path, data, errors, lambda v: v.get("traceSchema") == SCHEMA):
        if header is None:
            header = _header(event)
        kind = event.get("type")
        if not isinstance(kind, str) or kind not in _KNOWN:  # `{}` is no key of a set: it raised
            name = f"trajectory/{kind}" if isinstance(kind, str) else "trajectory/(no type)"
            unknown[name] = unknown.get(name, 0) + 1
            continue
        if kind != "model.completed":
            continue
        payload = event.get("data")
        snapshot = payload.get("messagesSnapshot") if isinstance(payload, dict) else None
        if not isinstance(snapshot, list):
            continue
        rank = 0
        for message in snapshot:
            if not isinstance(message, dict):
                continue
            identity = _identity(message)
            if identity in seen:
                continue
            seen.add(identity)
            # The message's own stamp (epoch ms) is when it was written; the event's, when the run ended.
            stamp = message.get("timestamp") or event.get("ts")
            out.append((line, rank, {"type": "message", "timestamp": stamp, "message": message}))
            rank += 1
    return header, out, unknown


def _identity(message: dict[str, Any]) -> bytes:
    """What tells a message from the others across snapshots: its role, stamp and tool call where
    it has a stamp (OpenClaw prunes old tool results in later snapshots, so the content changes),
    else all of it."""
    stamp = message.get("timestamp")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
        return orjson.dumps([message.get("role"), stamp, message.get("toolCallId")])
    return orjson.dumps(message, option=orjson.OPT_SORT_KEYS)


# (Pi header key, trace event key)
_HEADER_FIELDS = (
    ("timestamp", "ts"),
    ("cwd", "workspaceDir"),
    ("provider", "provider"),
    ("modelId", "modelId"),
)


def _header(event: dict[str, Any]) -> dict[str, Any]:
    header: dict[str, Any] = {"type": "session"}
    ident = event.get("sessionId") or event.get("traceId")
    if isinstance(ident, str) and ident:
        header["id"] = ident
    for key, field in _HEADER_FIELDS:
        value = event.get(field)
        if isinstance(value, str) and value:
            header[key] = value
    return header


def version(data: bytes) -> str:
    """`openclaw-trace-v<schemaVersion>` from the first line (is_trace holds)."""
    try:
        value = loads_within_depth(first_line(data))
    except orjson.JSONDecodeError:
        return "openclaw-trace"
    number = value.get("schemaVersion") if isinstance(value, dict) else None
    if isinstance(number, int) and not isinstance(number, bool):
        return f"openclaw-trace-v{number}"
    return "openclaw-trace"
