"""Every text field of a session, by a stable name, and a way to rewrite them all.

Field names: `text`, `cwd`, `tool_input` (a string input) or `tool_input.command`,
`tool_input.edits[0].new_string`, `edits[1].path`, `edits[1].hunks[0]` (the hunk's lines joined
with newlines, so a key spanning lines is one span), `meta.stdout`; session-level fields have no
step and are named `cwd`, `title`, `source`, `files[0]`, `git.remote`, `subagents[0].description`...

Structural values are left out on purpose: ids, parents, timestamps, tool names, and keys that hold
ids, hashes or signatures inside tool inputs and metadata.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tracetui.model import Session, Step

_STRUCTURAL_KEYS = frozenset(
    {
        "id", "uuid", "signature", "thinking_signature", "encrypted_content", "hash", "sha", "sha1", "sha256",
        "digest", "etag", "timestamp", "parentuuid", "tool_use_id", "tool_call_id", "call_id", "message_id",
        "request_id", "requestid", "session_id", "sessionid", "response_id", "item_id", "agent_id", "agentid",
    }
)  # fmt: skip
_EDIT_TEXT_FIELDS = ("path", "old_string", "new_string", "content", "original", "move_to")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def is_structural_key(key: str) -> bool:
    k = key.lower()
    return k in _STRUCTURAL_KEYS or k.endswith("_id") or (key.endswith("Id") and key[:-2].isalpha())


@dataclass(slots=True, frozen=True)
class Field:
    step: str | None
    name: str
    text: str


def _key_part(key: str) -> str:
    return f".{key}" if _PLAIN_KEY.match(key) else "[" + repr(key) + "]"


def _walk(value: Any, name: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if value:
            yield name, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not is_structural_key(key):
                yield from _walk(item, name + _key_part(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{name}[{i}]")


def _map(value: Any, name: str, fn: Callable[[str, str], str]) -> Any:
    if isinstance(value, str):
        return fn(name, value) if value else value
    if isinstance(value, dict):
        return {
            k: (v if not isinstance(k, str) or is_structural_key(k) else _map(v, name + _key_part(k), fn))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_map(item, f"{name}[{i}]", fn) for i, item in enumerate(value)]
    return value


def step_fields(step: Step) -> Iterator[tuple[str, str]]:
    if step.text:
        yield "text", step.text
    if step.tool_input is not None:
        yield from _walk(step.tool_input, "tool_input")
    for i, edit in enumerate(step.edits):
        for attr in _EDIT_TEXT_FIELDS:
            value = getattr(edit, attr)
            if value:
                yield f"edits[{i}].{attr}", value
        for j, hunk in enumerate(edit.hunks):
            if hunk.lines:
                yield f"edits[{i}].hunks[{j}]", "\n".join(hunk.lines)
    if step.cwd:
        yield "cwd", step.cwd
    if step.meta:
        yield from _walk(step.meta, "meta")


def session_fields(session: Session) -> Iterator[tuple[str, str]]:
    for attr in ("cwd", "title", "source"):
        value = getattr(session, attr)
        if value:
            yield attr, value
    for i, path in enumerate(session.files):
        yield f"files[{i}]", path
    if session.git is not None:
        for attr in ("remote", "branch"):
            value = getattr(session.git, attr)
            if value:
                yield f"git.{attr}", value
    for i, sub in enumerate(session.subagents):
        for attr in ("agent_type", "description", "source"):
            value = getattr(sub, attr)
            if value:
                yield f"subagents[{i}].{attr}", value
    for i, err in enumerate(session.errors):
        yield f"errors[{i}].path", err.path
        yield f"errors[{i}].error", err.error


def iter_fields(session: Session) -> Iterator[Field]:
    """Every text field: the session's own first (step None), then each step's in order."""
    for name, text in session_fields(session):
        yield Field(None, name, text)
    for step in session.steps:
        for name, text in step_fields(step):
            yield Field(step.id, name, text)


def field_text(session: Session, step_id: str | None, name: str) -> str | None:
    """The current text of one field, or None when the session has no such field."""
    if step_id is None:
        source = session_fields(session)
    else:
        step = session.step(step_id)
        if step is None:
            return None
        source = step_fields(step)
    for field_name, text in source:
        if field_name == name:
            return text
    return None


Rewrite = Callable[[str | None, str, str], str]  # (step id, field name, text) -> new text


def rewrite_fields(session: Session, fn: Rewrite) -> Session:
    """A deep copy of the session with every text field passed through `fn`."""
    out = copy.deepcopy(session)
    for attr in ("cwd", "title", "source"):
        value = getattr(out, attr)
        if value:
            setattr(out, attr, fn(None, attr, value))
    out.files = [fn(None, f"files[{i}]", p) for i, p in enumerate(out.files)]
    if out.git is not None:
        for attr in ("remote", "branch"):
            value = getattr(out.git, attr)
            if value:
                setattr(out.git, attr, fn(None, f"git.{attr}", value))
    for i, sub in enumerate(out.subagents):
        for attr in ("agent_type", "description", "source"):
            value = getattr(sub, attr)
            if value:
                setattr(sub, attr, fn(None, f"subagents[{i}].{attr}", value))
    for i, err in enumerate(out.errors):
        err.path = fn(None, f"errors[{i}].path", err.path)
        err.error = fn(None, f"errors[{i}].error", err.error)
    for step in out.steps:
        sid = step.id
        if step.text:
            step.text = fn(sid, "text", step.text)
        if step.tool_input is not None:
            step.tool_input = _map(step.tool_input, "tool_input", lambda n, t, sid=sid: fn(sid, n, t))
        for i, edit in enumerate(step.edits):
            for attr in _EDIT_TEXT_FIELDS:
                value = getattr(edit, attr)
                if value:
                    setattr(edit, attr, fn(sid, f"edits[{i}].{attr}", value))
            for j, hunk in enumerate(edit.hunks):
                if hunk.lines:
                    joined = "\n".join(hunk.lines)
                    new = fn(sid, f"edits[{i}].hunks[{j}]", joined)
                    if new != joined:
                        lines = new.split("\n")
                        # A scrub keeps the line count (see apply.py); if it ever did not, the
                        # safe failure is to lose the hunk's text, never to keep the original.
                        if len(lines) != len(hunk.lines):
                            lines = [line[:1] + "<REDACTED>" for line in hunk.lines]
                        hunk.lines = lines
        if step.cwd:
            step.cwd = fn(sid, "cwd", step.cwd)
        if step.meta:
            step.meta = _map(step.meta, "meta", lambda n, t, sid=sid: fn(sid, n, t))
    return out
