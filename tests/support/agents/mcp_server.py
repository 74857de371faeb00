"""A tool server speaking MCP over stdio (newline-delimited JSON-RPC), for the agents' programs: one tool,
`echo`, that answers `echo: TEXT` (and fails, `isError`, when TEXT is `fail`). Run as
`python mcp_server.py`; it reads until its stdin closes."""

from __future__ import annotations

import json
import sys
from typing import Any

TOOL = {"name": "echo", "description": "Echo a text back",
        "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}


def answer(request: dict[str, Any]) -> dict[str, Any]:
    method, params = request.get("method"), request.get("params") or {}
    if method == "initialize":
        return {"protocolVersion": params.get("protocolVersion", "2025-06-18"), "capabilities": {"tools": {}},
                "serverInfo": {"name": "stub", "version": "1.0"}}
    if method == "tools/list":
        return {"tools": [TOOL]}
    if method == "tools/call":
        text = (params.get("arguments") or {}).get("text")
        if text == "fail":  # a tool that reports its own failure, as MCP's result says it
            return {"content": [{"type": "text", "text": "echo failed: asked to"}], "isError": True}
        return {"content": [{"type": "text", "text": f"echo: {text}"}], "isError": False}
    return {}


def main() -> None:
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if isinstance(request, dict) and request.get("id") is not None:  # notifications get no answer
            sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": answer(request)}) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
