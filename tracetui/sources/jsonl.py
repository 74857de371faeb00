"""Tolerant JSONL reading shared by every reader."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from tracetui.model import LineError


def complete_length(data: bytes) -> int:
    """How many leading bytes of a growing log are safe to consume now.

    Everything up to the last newline is complete. A last line without a newline is taken only if
    it already parses as a JSON object: a finished log need not end in a newline, but a torn line
    (an agent mid-write) must wait for the next sync.
    """
    end = data.rfind(b"\n") + 1
    tail = data[end:]
    if tail.strip():
        try:
            if isinstance(orjson.loads(tail), dict):
                return len(data)
        except orjson.JSONDecodeError:
            pass
    return end


def iter_records(
    path: str, data: bytes, errors: list[LineError]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (1-based line number, record) for each JSON-object line.

    Blank lines are ignored; a line that is not JSON, or is JSON but not an object, is recorded in
    `errors` and skipped, and the rest of the file still loads.
    """
    loads = orjson.loads
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            record = loads(line)
        except orjson.JSONDecodeError as exc:
            errors.append(LineError(path, number, f"not valid JSON: {_short(str(exc))}"))
            continue
        if not isinstance(record, dict):
            errors.append(LineError(path, number, f"expected a JSON object, got {type(record).__name__}"))
            continue
        yield number, record


def _short(message: str, limit: int = 120) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
