"""Pi and OpenClaw message fields read: the model, text, tokens, a result's details and times
(format: docs/formats/pi.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tracetui.model import Tokens, usd
from tracetui.sources.common.coerce import as_count, as_dict, as_str


def _model_name(provider: Any, model: Any) -> str | None:
    if not isinstance(model, str) or not model:
        return None
    return f"{provider}/{model}" if isinstance(provider, str) and provider else model


def _content_text(content: Any) -> str:
    """User/tool content: a string, or text and image blocks (images become "[image]")."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts: list[str] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            parts.append(as_str(block.get("text")))
        elif kind == "image":
            parts.append("[image]")
    return "\n".join(parts)


def _tokens(usage: Any) -> Tokens | None:
    if not isinstance(usage, dict):
        return None
    return Tokens(
        _count(usage.get("input")),
        _count(usage.get("output")),
        _count(usage.get("cacheRead")),
        _count(usage.get("cacheWrite")),
        usd(as_dict(usage.get("cost")).get("total")),  # Pi's own price of the request, by its table
    )


def _count(value: Any) -> int:
    return as_count(value)


def _result_meta(details: Any) -> dict[str, Any]:
    """The small, useful bits of a tool result's details (exit code, duration, truncation)."""
    if not isinstance(details, dict):
        return {}
    meta: dict[str, Any] = {}
    if isinstance(details.get("exitCode"), int):
        meta["exit_code"] = details["exitCode"]
    if isinstance(details.get("durationMs"), (int, float)):
        meta["duration_ms"] = details["durationMs"]
    if details.get("truncation") or details.get("truncated") is True:
        meta["truncated"] = True
    if isinstance(details.get("fullOutputPath"), str):
        meta["full_output_path"] = details["fullOutputPath"]
    if isinstance(details.get("firstChangedLine"), int):
        meta["first_changed_line"] = details["firstChangedLine"]
    return meta


# Pi's bash tool fails a command that exits non-zero, its text ending with this line (0.40 to 0.73
# checked), and returns the output alone for one that exits 0; `details` holds no status.
_BASH_EXIT = re.compile(r"(?:\A|\n)Command exited with code (-?\d{1,10})\s*\Z")


def bash_exit(text: str, is_error: bool) -> int | None:
    """The exit status of Pi's bash tool's command, from its result: None where it does not say
    (aborted, timed out, another failure)."""
    found = _BASH_EXIT.search(text[-200:])
    if found is not None:
        return int(found.group(1))
    return None if is_error else 0


_ISO_FAST = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")


def _iso(value: Any) -> str | None:
    """An ISO-8601 UTC string (`...T..:..:..mmmZ`, the form Pi writes) from a string or epoch ms."""
    if isinstance(value, str):
        if _ISO_FAST.match(value):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        try:
            moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
