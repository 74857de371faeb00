"""A scripted model server on 127.0.0.1 for running the agents' own programs offline (issue 39).

It speaks Anthropic's Messages API (`POST /v1/messages`, streamed as server-sent events) and
OpenAI's Responses API (`POST /v1/responses`, SSE; the WebSocket upgrade Codex tries first is
answered 426 so it falls back to HTTP at once), OpenAI's Chat Completions (`POST /v1/chat/completions`,
SSE: OpenCode's OpenAI-compatible providers) and Gemini's (`:streamGenerateContent?alt=sse`). Each request that offers tools (the agent's main
loop) gets the script's next reply: text and tool calls; a request without tools (titles,
summaries) gets a short text. Every request is recorded, body parsed, for the tests to compare.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    """A tool call the model makes: the tool's name as the agent declares it, its arguments.
    `custom`: a Responses custom (freeform) tool, whose input is `text` rather than JSON."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    custom: str | None = None
    namespace: str | None = None  # a Responses namespace tool's (Codex's `multi_agent_v1`)


@dataclass
class Reply:
    """One model response: text (may be empty) then tool calls, in that order."""

    text: str = ""
    calls: list[Call] = field(default_factory=list)
    # Given only to a request whose last input item (or last user message) holds this text (a
    # subagent's first request, which runs alongside its parent's); None: the next request in order.
    when: str | None = None
    # The input tokens its usage reports (50 unless said): a large count makes the agent compact.
    tokens: int | None = None
    # An HTTP error status instead of a response (529: Anthropic's "overloaded", 500, 429), with the
    # error body the request's API sends; the agent retries, and its next request gets the next reply.
    status: int | None = None
    # The model's reasoning before its text, as each API streams it: Anthropic's `thinking` block (with a
    # made-up signature), the Responses API's `reasoning` item with a summary, Chat Completions'
    # `reasoning_content`, Gemini's `thought` part.
    thinking: str | None = None


@dataclass
class Request:
    path: str
    body: dict[str, Any]
    main: bool  # offered tools: the agent's own loop, not a side request


class Script:
    """The replies, in order; past the end every main request gets `done`."""

    def __init__(self, replies: list[Reply], done: str = "Done.") -> None:
        self.replies = list(replies)
        self.done = done
        self.lock = threading.Lock()

    def next(self, body: Any = None) -> Reply:
        last = json.dumps([_last_item(body), _last_user_message(body)])
        with self.lock:
            for i, reply in enumerate(self.replies):
                if reply.when is not None and reply.when in last:
                    return self.replies.pop(i)
            for i, reply in enumerate(self.replies):
                if reply.when is None:
                    return self.replies.pop(i)
            return Reply(self.done)


def _last_item(body: Any) -> Any:
    """The last message or item of a request, whichever API it speaks."""
    if not isinstance(body, dict):
        return None
    for name in ("input", "messages", "contents"):
        items = body.get(name)
        if isinstance(items, list) and items:
            return items[-1]
    return None


def _last_user_message(body: Any) -> Any:
    """The last user message of an Anthropic request: Claude Code 2.1.3xx may send a system turn after
    it (the tools it defers), so a subagent's prompt is no longer the last item."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if isinstance(messages, list):
        for item in reversed(messages):
            if isinstance(item, dict) and item.get("role") == "user":
                return item
    return None


class ModelServer:
    """`with ModelServer(script) as server:` serves on `server.port` until the block ends."""

    def __init__(self, script: Script, side_text: str = "Resumed session") -> None:
        self.script = script
        self.side_text = side_text
        self.requests: list[Request] = []
        self._ids = itertools.count(1)
        # Ids unique across runs, as an API's are: a resumed run's calls must not take an earlier run's.
        self._run = os.urandom(4).hex()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def main_requests(self) -> list[Request]:
        return [r for r in self.requests if r.main]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{self._run}{next(self._ids):04d}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if self.headers.get("Upgrade", "").lower() == "websocket":
                    self._send(426, b"{}")  # Codex falls back to plain HTTP at once
                elif self.path.rstrip("/").endswith("/models"):
                    self._send(200, json.dumps({"data": [], "models": []}).encode())
                else:
                    self._send(404, b"{}")

            def do_HEAD(self) -> None:
                self._send(200, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                path = self.path.split("?", 1)[0]
                if path.endswith("/messages/count_tokens"):
                    self._send(200, b'{"input_tokens": 100}')
                    return
                if path.endswith(":countTokens"):
                    self._send(200, b'{"totalTokens": 100}')
                    return
                main = bool(body.get("tools")) if isinstance(body, dict) else False
                server.requests.append(Request(path, body, main))
                # Codex's remote compaction request offers tools too, but is answered as a side request.
                side = not main or (_last_item(body) or {}).get("type") == "compaction_trigger"
                reply = Reply(server.side_text) if side else server.script.next(body)
                if reply.status is not None:
                    self._send(reply.status, json.dumps(error_body(path, reply.status)).encode())
                    return
                if path.endswith("/messages"):
                    events = anthropic_events(server, body, reply)
                elif path.endswith("/responses"):
                    events = responses_events(server, body, reply)
                elif path.endswith("/chat/completions"):
                    events = chat_events(server, body, reply)
                elif ":streamGenerateContent" in path or ":generateContent" in path:
                    events = gemini_events(server, path, body, reply)
                    if ":generateContent" in path:
                        self._send(200, json.dumps(events[-1][1]).encode())
                        return
                else:
                    self._send(404, b"{}")
                    return
                if isinstance(body, dict) and body.get("stream") is False:
                    self._send(200, json.dumps(events[-1][1]).encode())
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                for name, data in events:
                    if name == "_final":
                        continue
                    head = f"event: {name}\n" if name else ""  # Gemini's stream names no events
                    text = data if data == "[DONE]" else json.dumps(data)  # Chat Completions' last event
                    self.wfile.write(f"{head}data: {text}\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

            def _send(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def error_body(path: str, status: int) -> dict[str, Any]:
    """The error each API sends with `status`: Anthropic's typed error, OpenAI's, Gemini's."""
    message = {400: "Bad request", 429: "Rate limited", 529: "Overloaded"}.get(status, "Internal server error")
    if path.endswith("/messages"):
        kind = {400: "invalid_request_error", 429: "rate_limit_error", 529: "overloaded_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    if ":streamGenerateContent" in path or ":generateContent" in path:
        state = {429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}.get(status, "INTERNAL")
        return {"error": {"code": status, "message": message, "status": state}}
    return {"error": {"message": message, "type": "server_error", "code": None}}


def anthropic_events(server: ModelServer, body: dict[str, Any], reply: Reply) -> list[tuple[str, Any]]:
    model = body.get("model") or "claude-sonnet-4-5"
    usage = {"input_tokens": reply.tokens or 50, "output_tokens": 1, "cache_read_input_tokens": 0,
             "cache_creation_input_tokens": 0}
    msg_id = server.new_id("msg_stub")
    events: list[tuple[str, Any]] = [("message_start", {"type": "message_start", "message": {
        "id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": usage}})]
    content: list[dict[str, Any]] = []
    blocks: list[dict[str, Any]] = []
    if reply.thinking:
        blocks.append({"type": "thinking", "thinking": reply.thinking, "signature": "c3R1Yi1zaWduYXR1cmU="})
    if reply.text or not reply.calls:
        blocks.append({"type": "text", "text": reply.text or "ok"})
    for call in reply.calls:
        blocks.append({"type": "tool_use", "id": server.new_id("toolu_stub"), "name": call.name,
                       "input": call.args})
    for i, block in enumerate(blocks):
        if block["type"] == "thinking":
            start = {"type": "thinking", "thinking": ""}
            thought = {"type": "thinking_delta", "thinking": block["thinking"]}
            signed = {"type": "signature_delta", "signature": block["signature"]}
            events.append(("content_block_start", {"type": "content_block_start", "index": i, "content_block": start}))
            for delta in (thought, signed):
                events.append(("content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta}))
        elif block["type"] == "text":
            events.append(("content_block_start", {"type": "content_block_start", "index": i,
                                                   "content_block": {"type": "text", "text": ""}}))
            events.append(("content_block_delta", {"type": "content_block_delta", "index": i,
                                                   "delta": {"type": "text_delta", "text": block["text"]}}))
        else:
            events.append(("content_block_start", {"type": "content_block_start", "index": i, "content_block": {
                "type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}}))
            events.append(("content_block_delta", {"type": "content_block_delta", "index": i, "delta": {
                "type": "input_json_delta", "partial_json": json.dumps(block["input"])}}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
        content.append(block)
    stop = "tool_use" if reply.calls else "end_turn"
    events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                     "usage": {"output_tokens": 20}}))
    events.append(("message_stop", {"type": "message_stop"}))
    events.append(("_final", {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                              "content": content, "stop_reason": stop, "stop_sequence": None,
                              "usage": {**usage, "output_tokens": 20}}))
    return events


def responses_events(server: ModelServer, body: dict[str, Any], reply: Reply) -> list[tuple[str, Any]]:
    model = body.get("model") or "gpt-5"
    resp_id = server.new_id("resp_stub")
    base = {"id": resp_id, "object": "response", "created_at": int(time.time()), "model": model}
    events: list[tuple[str, Any]] = [("response.created", {"type": "response.created", "response": {
        **base, "status": "in_progress", "output": []}})]
    items: list[dict[str, Any]] = []
    if (_last_item(body) or {}).get("type") == "compaction_trigger":
        # Codex 0.16x's remote compaction: one `compaction` item, its summary opaque (the side text here).
        items.append({"type": "compaction", "id": server.new_id("cmp_stub"), "encrypted_content": server.side_text})
    else:
        if reply.thinking:
            summary = [{"type": "summary_text", "text": reply.thinking}]
            items.append({"type": "reasoning", "id": server.new_id("rs_stub"), "encrypted_content": "c3R1Yg==",
                          "summary": summary})
        if reply.text or not reply.calls:
            said = [{"type": "output_text", "text": reply.text or "ok", "annotations": []}]
            items.append({"type": "message", "id": server.new_id("msg_stub"), "role": "assistant",
                          "status": "completed", "content": said})
    for call in reply.calls:
        call_id = server.new_id("call_stub")
        if call.custom is not None:
            items.append({"type": "custom_tool_call", "id": server.new_id("ctc_stub"), "call_id": call_id,
                          "name": call.name, "input": call.custom, "status": "completed"})
        else:
            items.append({"type": "function_call", "id": server.new_id("fc_stub"), "call_id": call_id,
                          "name": call.name, "arguments": json.dumps(call.args), "status": "completed",
                          **({"namespace": call.namespace} if call.namespace else {})})
    for i, item in enumerate(items):
        events.append(("response.output_item.added", {"type": "response.output_item.added", "output_index": i,
                                                      "item": item}))
        if item["type"] == "message":
            events.append(("response.output_text.delta", {"type": "response.output_text.delta", "output_index": i,
                                                          "item_id": item["id"], "content_index": 0,
                                                          "delta": item["content"][0]["text"]}))
        events.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": i,
                                                     "item": item}))
    usage = {"input_tokens": reply.tokens or 50, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 20,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": (reply.tokens or 50) + 20}
    done = {**base, "status": "completed", "output": items, "usage": usage}
    events.append(("response.completed", {"type": "response.completed", "response": done}))
    events.append(("_final", done))
    return events


def gemini_events(server: ModelServer, path: str, body: dict[str, Any], reply: Reply) -> list[tuple[str, Any]]:
    model = path.rsplit("/", 1)[-1].split(":", 1)[0] or "gemini-2.5-pro"
    parts: list[dict[str, Any]] = []
    if reply.thinking:
        parts.append({"text": reply.thinking, "thought": True})
    if reply.text or not reply.calls:
        parts.append({"text": reply.text or "ok"})
    for call in reply.calls:
        parts.append({"functionCall": {"id": server.new_id("call_stub"), "name": call.name, "args": call.args}})
    chunk = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
             "usageMetadata": {"promptTokenCount": reply.tokens or 50, "candidatesTokenCount": 20,
                               "totalTokenCount": (reply.tokens or 50) + 20},
             "modelVersion": model, "responseId": server.new_id("resp_stub")}
    return [("", chunk), ("_final", chunk)]


def chat_events(server: ModelServer, body: dict[str, Any], reply: Reply) -> list[tuple[str, Any]]:
    """Chat Completions chunks (unnamed SSE events, `data: [DONE]` last): the text, then each call."""
    model = body.get("model") or "stub-model"
    base = {"id": server.new_id("chatcmpl_stub"), "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model}
    events: list[tuple[str, Any]] = [("", {**base, "choices": [{"index": 0, "delta": {"role": "assistant",
                                                                                       "content": ""}}]})]
    if reply.thinking:
        thought = {"reasoning_content": reply.thinking}
        events.append(("", {**base, "choices": [{"index": 0, "delta": thought}]}))
    if reply.text or not reply.calls:
        events.append(("", {**base, "choices": [{"index": 0, "delta": {"content": reply.text or "ok"}}]}))
    calls = []
    for n, call in enumerate(reply.calls):
        call_id = server.new_id("call_stub")
        calls.append({"id": call_id, "type": "function", "function": {"name": call.name,
                                                                      "arguments": json.dumps(call.args)}})
        events.append(("", {**base, "choices": [{"index": 0, "delta": {"tool_calls": [{
            "index": n, "id": call_id, "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.args)}}]}}]}))
    finish = "tool_calls" if reply.calls else "stop"
    usage = {"prompt_tokens": reply.tokens or 50, "completion_tokens": 20, "total_tokens": (reply.tokens or 50) + 20}
    events.append(("", {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": usage}))
    events.append(("", "[DONE]"))
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or ("ok" if not reply.calls else None)}
    if calls:
        message["tool_calls"] = calls
    events.append(("_final", {**base, "object": "chat.completion",
                              "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                              "usage": usage}))
    return events
