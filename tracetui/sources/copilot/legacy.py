"""Copilot CLI's early `history-session-state` document as the events the later format writes
(format: docs/formats/copilot.md)."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import LineError, LineErrors, count_skipped
from tracetui.sources.common.coerce import as_dict, as_list, as_str, opt_str
from tracetui.sources.common.jsonl import document_note, load_document


def _legacy_events(
    path: str, data: bytes, errors: LineErrors, skipped: dict[str, int]
) -> list[dict[str, Any]]:
    """A legacy `history-session-state` document as the events the later format writes, so one
    reader reads both. Its `timeline` (user, copilot, tool_call_requested, tool_call_completed,
    info entries, with times and results) is the record; `chatMessages` (Chat-Completions-style
    messages, no times) stands in where a document has no timeline."""
    try:
        doc, note = load_document(data)  # a value nested past what orjson writes again is cut there
    except orjson.JSONDecodeError as exc:
        errors.append(LineError(path, 1, f"not a JSON document: {exc}"))
        return []
    if note:
        errors.append(document_note(path, note))
    if not isinstance(doc, dict):
        errors.append(LineError(path, 1, "not a JSON object"))
        return []
    start = {"sessionId": as_str(doc.get("sessionId")), "startTime": opt_str(doc.get("startTime"))}
    events: list[dict[str, Any]] = [{"type": "session.start", "id": "start", "timestamp": start["startTime"],
                                     "data": start}]  # fmt: skip
    timeline = [e for e in as_list(doc.get("timeline")) if isinstance(e, dict)]
    if timeline:
        # A timeline entry may lack the output the chat messages hold (role tool, by call id).
        outputs = {
            as_str(m.get("tool_call_id")): m.get("content")
            for m in as_list(doc.get("chatMessages"))
            if isinstance(m, dict) and m.get("role") == "tool" and m.get("tool_call_id")
        }
        events.extend(_from_timeline(timeline, outputs, skipped))
    else:
        events.extend(_from_chat(as_list(doc.get("chatMessages")), skipped))
    return events


def _from_timeline(
    timeline: list[dict[str, Any]], outputs: dict[str, Any], skipped: dict[str, int]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    started: set[str] = set()
    for n, entry in enumerate(timeline):
        kind = as_str(entry.get("type"))
        eid = as_str(entry.get("id")) or f"T{n}"
        stamp = opt_str(entry.get("timestamp"))
        text = as_str(entry.get("text"))

        def event(name: str, data: dict[str, Any], suffix: str = "") -> None:
            out.append({"type": name, "id": eid + suffix, "timestamp": stamp, "data": data})

        call_id = as_str(entry.get("callId"))
        if kind == "user":
            event("user.message", {"content": text})
        elif kind == "copilot":
            event("assistant.message", {"messageId": eid, "content": text})
        elif kind in ("tool_call_requested", "tool_call_completed"):
            if call_id not in started:
                started.add(call_id)
                request = {
                    "toolCallId": call_id,
                    "name": entry.get("name"),
                    "arguments": entry.get("arguments"),
                }
                if isinstance(entry.get("intentionSummary"), str):
                    request["intentionSummary"] = entry["intentionSummary"]
                event(
                    "assistant.message", {"messageId": eid, "content": "", "toolRequests": [request]}, ":call"
                )
            if kind == "tool_call_completed":
                raw = entry.get("result")
                result = as_dict(raw)
                log = (
                    raw
                    if isinstance(raw, str)
                    else as_str(result.get("log"))
                    or _any_text(result.get("content"))
                    or as_str(result.get("error"))
                    or as_str(result.get("message"))
                    or _any_text(outputs.get(call_id))
                )
                event(
                    "tool.execution_complete",
                    {
                        "toolCallId": call_id,
                        # Real documents say "success" or "failure" (not "error"): only a success is one.
                        "success": not isinstance(raw, dict) or result.get("type", "success") == "success",
                        "result": {"content": log},
                    },
                )
        elif kind in ("info", "warning", "error"):
            event(f"session.{kind}", {"message": text, f"{kind}Type": kind})
        else:
            count_skipped(skipped, f"legacy/{kind or '(no type)'}")
    return out


def _any_text(value: Any) -> str:
    """A result's text: a string, or the text parts of a content list, else its JSON."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        texts = [as_str(v.get("text")) for v in value if isinstance(v.get("text"), str)]
        if texts:
            return "\n".join(texts)
    return orjson.dumps(value, default=str).decode()


def _from_chat(messages: list[Any], skipped: dict[str, int]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = as_str(message.get("role"))
        content = message.get("content")
        text = (
            content
            if isinstance(content, str)
            else "\n".join(
                as_str(as_dict(part).get("text")) for part in as_list(content) if as_dict(part).get("text")
            )
        )
        eid = f"M{n}"
        if role == "user":
            out.append({"type": "user.message", "id": eid, "data": {"content": text}})
        elif role == "system":
            out.append({"type": "system.message", "id": eid, "data": {"content": text, "role": role}})
        elif role == "assistant":
            requests = []
            for call in as_list(message.get("tool_calls")):
                function = as_dict(as_dict(call).get("function"))
                requests.append(
                    {
                        "toolCallId": as_str(as_dict(call).get("id")),
                        "name": function.get("name"),
                        "arguments": function.get("arguments"),
                    }  # fmt: skip
                )
            data = {"messageId": eid, "content": text, "toolRequests": requests}
            out.append({"type": "assistant.message", "id": eid, "data": data})
        elif role == "tool":
            result = {
                "toolCallId": as_str(message.get("tool_call_id")),
                "success": True,
                "result": {"content": text},
            }
            out.append({"type": "tool.execution_complete", "id": eid, "data": result})
        else:
            count_skipped(skipped, f"legacy/{role or '(no role)'}")
    return out
