"""Values nested as deep as a JSON parser takes, for the hostile depth tests: a tool call's input a
thousand levels deep (orjson reads up to 1,024), and a JWT-shaped token whose header decodes to
thousands of nested arrays (Python's json recurses past its limit on it)."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import orjson

DEEP_SESSION = "d0d0d0d0-1234-4234-8234-123456789abc"
LEVELS = 1_000


def deep_json(levels: int = LEVELS) -> bytes:
    """JSON text of arrays and objects nested `levels` deep (written as text: no encoder nests so far)."""
    text = b'"the bottom"'
    for i in range(levels):
        text = b'{"k":' + text + b"}" if i % 2 else b"[" + text + b"]"
    return text


def deep_jwt(levels: int = 3_000) -> str:
    """A token in a JWT's shape, its header `{"alg": [{"…": [ … ]}]}` nested `levels` deep; its keys
    differ, so the header reads as random text and not as a filler."""
    rnd = random.Random(levels)
    keys = ("".join(rnd.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(rnd.randint(1, 4))) for _ in range(levels))
    inner = b"".join(b'{"' + k.encode() + b'":[' for k in keys)
    header = b'{"alg":' + inner + b"1" + b"]}" * levels + b"}"
    part = base64.urlsafe_b64encode(header).decode().rstrip("=")
    payload = base64.urlsafe_b64encode(b'{"sub":"x1234567"}').decode().rstrip("=")
    return f"{part}.{payload}.abcdefghijklmnop"


def deep_claude_log(folder: Path) -> Path:
    """A Claude Code session: a prompt holding the deep token, then a Bash call with the deep input."""
    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/deep", "sessionId": DEEP_SESSION,
            "version": "2.0.30"}  # fmt: skip
    records = [
        {**base, "parentUuid": None, "uuid": "u1", "timestamp": "2026-03-02T10:00:01.000Z", "type": "user",
         "message": {"role": "user", "content": f"my token is {deep_jwt()} keep it safe"}},
        {**base, "parentUuid": "u1", "uuid": "a1", "timestamp": "2026-03-02T10:00:02.000Z", "type": "assistant",
         "requestId": "req_1",
         "message": {"id": "m1", "type": "message", "role": "assistant", "model": "claude-test",
                     "content": [{"type": "tool_use", "id": "t1", "name": "Bash",
                                  "input": {"command": "ls", "deep": "DEEP"}}],
                     "usage": {"input_tokens": 1, "output_tokens": 1}}},
    ]  # fmt: skip
    path = folder / "-srv-deep" / f"{DEEP_SESSION}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = b"".join(orjson.dumps(r) + b"\n" for r in records)
    path.write_bytes(lines.replace(b'"DEEP"', deep_json(), 1))
    return path
