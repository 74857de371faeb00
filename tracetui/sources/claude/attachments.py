"""What a Claude Code attachment line gives the model, as a CONTEXT step's text and role.

More in docs/formats/claude.md, "Attachments".
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

PROMPT_SNAPSHOT = "prompt_snapshot"


def attachment_context(att: Any, record: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(text, role, meta) of an attachment: what 2.1.3xx wrote as sent (`rendered`, in the role it was
    sent in), else its `content`, else the attachment itself as JSON."""
    if not isinstance(att, dict):
        return "", "user", {}
    kind = att.get("type")
    meta: dict[str, Any] = {"attachment": kind} if isinstance(kind, str) else {}
    role = "system" if record.get("renderedRole") == "system" else "user"
    sent = _rendered(record.get("rendered"), unwrap=role == "system")
    if sent is not None:
        return sent, role, meta
    content = att.get("content")
    if isinstance(content, str):
        return content, "user", meta
    return orjson.dumps(att, default=str).decode(), "user", meta


def sent_nothing(att: Any, record: dict[str, Any]) -> bool:
    """2.1.3xx's `session_context` with an empty `context` (written each turn): nothing was rendered,
    and the request holds nothing of it."""
    return (
        isinstance(att, dict)
        and att.get("type") == "session_context"
        and att.get("context") == {}
        and "rendered" not in record
    )


def _rendered(parts: Any, unwrap: bool) -> str | None:
    """The parts' texts joined; in a system turn each without its `<system-reminder>` wrapper, as 2.1.332
    sends them there (a user message keeps it)."""
    if not isinstance(parts, list):
        return None
    texts = [p["content"] for p in parts if isinstance(p, dict) and isinstance(p.get("content"), str)]
    if not texts or len(texts) != len(parts):
        return None
    if unwrap:
        texts = [_unwrapped(t) for t in texts]
    return "\n".join(texts)


_OPEN, _CLOSE = "<system-reminder>\n", "\n</system-reminder>"


def _unwrapped(text: str) -> str:
    body = text.strip()
    if body.startswith(_OPEN) and body.endswith(_CLOSE) and body.count(_OPEN) == 1:
        return body[len(_OPEN) : -len(_CLOSE)].strip()
    return text


def system_prompt(att: Any) -> tuple[str, str] | None:
    """(text, digest) of a `prompt_snapshot`'s system prompt: its sections joined as the request's
    system block joins them (the CLI's one-line prefix is a block of its own). None for any other
    attachment, or a snapshot that holds none."""
    if not isinstance(att, dict) or att.get("type") != PROMPT_SNAPSHOT:
        return None
    parts = att.get("systemPrompt")
    if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
        return None
    text = "\n\n".join(parts)
    return text, hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
