"""Every text field of a session, by a stable name, and a way to rewrite them all.

Field names: `text`, `tool`, `model`, `cwd`, `tool_input` (a string input) or `tool_input.command`,
`tool_input.edits[0].new_string`, `edits[1].path`, `edits[1].hunks[0]` (the hunk's lines joined
with newlines, so a key spanning lines is one span), `meta.stdout`; a key that is no name is a field of
its own and names its value by position (`tool_input{#2}`, `tool_input[#2]`); session-level fields have
no step and are named `cwd`, `title`, `source`, `version`, `models[0]`, `files[0]`, `git.remote`,
`subagents[0].description`...

More in docs/internals/redact.md, `redact/fields.py`.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tracetui.model import FileEdit, Hunk, Session, Step

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
    # Held at or under a key that names an id, a hash or a signature (`is_structural_key`): read for what
    # a gate would scrub there (sure findings) and nothing more, so an ordinary id proposes nothing.
    sure_only: bool = False


@dataclass(slots=True)
class _Slot:
    """One text field and where it lives: `holder.key` (an attribute) or `holder[key]` (an item)."""

    name: str
    text: str
    holder: Any
    key: Any
    sure_only: bool = False

    def put(self, new: str) -> None:
        if isinstance(self.holder, Hunk):
            _put_hunk(self.holder, new)
        elif isinstance(self.holder, dict | list):
            self.holder[self.key] = new
        else:
            setattr(self.holder, self.key, new)


def _put_hunk(hunk: Hunk, joined: str) -> None:
    lines = joined.split("\n")
    # A scrub keeps the line count (see apply.py); if it ever did not, the safe failure is to lose
    # the hunk's text, never to keep the original.
    if len(lines) != len(hunk.lines):
        lines = [line[:1] + "<REDACTED>" for line in hunk.lines]
    hunk.lines = lines


_TOKEN_RUN = re.compile(r"[A-Za-z0-9]{12,}")


def names_a_key(key: str) -> bool:
    """Whether a JSON key reads as a name (`file_path`, `x-api-key`, `-i`): short, printable ASCII, no
    long run mixing letters and digits. Anything else may be a value written as a key (a token keying a
    map, or put there): it is read and scrubbed as a field of its own, and no field's name spells it,
    since field names are shown where values never are (`scan`, a refusal's list, the plan)."""
    if len(key) > 32 or not key.isascii() or not key.isprintable():
        return False
    return not any(
        any(c.isdigit() for c in run) and any(c.isalpha() for c in run) for run in _TOKEN_RUN.findall(key)
    )


def _key_part(key: str, position: int) -> str:
    if not names_a_key(key):
        return f"[#{position}]"  # the value under the dict's key at that position
    return f".{key}" if _PLAIN_KEY.match(key) else "[" + repr(key) + "]"


@dataclass(slots=True)
class _KeySlot(_Slot):
    """A JSON key that is no name (see `names_a_key`): rewriting it renames the key in place."""

    def put(self, new: str) -> None:
        items = list(self.holder.items())
        self.holder.clear()
        for k, v in items:
            if k == self.key:
                while new in self.holder:
                    new += "_"  # two keys scrubbed to one placeholder stay two keys
                self.holder[new] = v
            else:
                self.holder[k] = v


def _nested(value: Any, name: str, holder: Any, key: Any) -> Iterator[_Slot]:
    """The non-empty strings inside a JSON-like value; a key that is no name is a field too
    (`tool_input{#2}`), after its value (`tool_input[#2]`): renaming it moves the value. What a key that
    names an id or a hash holds is read too (`sure_only`): the gates read it, a credential put there.
    Walked with a stack of its own, depth first: a value nested a thousand levels deep (a log's JSON
    may be) took a recursive walk past Python's limit."""
    todo: list[Any] = [(value, name, holder, key, False)]
    while todo:
        item = todo.pop()
        if isinstance(item, _Slot):  # a key, due once its value's strings are out
            yield item
            continue
        value, name, holder, key, sure = item
        if isinstance(value, str):
            if value:
                yield _Slot(name, value, holder, key, sure)
        elif isinstance(value, dict):
            due: list[Any] = []
            for position, (k, child) in enumerate(list(value.items())):
                if isinstance(k, str):
                    under = sure or is_structural_key(k)
                    due.append((child, name + _key_part(k, position), value, k, under))
                    if k and not names_a_key(k):
                        due.append(_KeySlot(f"{name}{{#{position}}}", k, value, k, under))
            todo.extend(reversed(due))
        elif isinstance(value, list):
            todo.extend(reversed([(child, f"{name}[{i}]", value, i, sure) for i, child in enumerate(value)]))


def _attrs(obj: Any, prefix: str, attrs: tuple[str, ...]) -> Iterator[_Slot]:
    for attr in attrs:
        value = getattr(obj, attr)
        if value:
            yield _Slot(prefix + attr, value, obj, attr)


def _edit_slots(i: int, edit: FileEdit) -> Iterator[_Slot]:
    yield from _attrs(edit, f"edits[{i}].", _EDIT_TEXT_FIELDS)
    for j, hunk in enumerate(edit.hunks):
        if hunk.lines:
            yield _Slot(f"edits[{i}].hunks[{j}]", "\n".join(hunk.lines), hunk, None)


def _step_slots(step: Step) -> Iterator[_Slot]:
    if step.text:
        yield _Slot("text", step.text, step, "text")
    # A tool's and a model's name are the log's text too (an MCP server's, a custom provider's), and
    # every format carries them.
    yield from _attrs(step, "", ("tool", "model"))
    if step.tool_input is not None:
        yield from _nested(step.tool_input, "tool_input", step, "tool_input")
    for i, edit in enumerate(step.edits):
        yield from _edit_slots(i, edit)
    if step.cwd:
        yield _Slot("cwd", step.cwd, step, "cwd")
    if step.meta:
        yield from _nested(step.meta, "meta", step, "meta")


def _session_slots(session: Session) -> Iterator[_Slot]:
    yield from _attrs(session, "", ("cwd", "title", "source", "version"))
    for i, model in enumerate(session.models):
        if model:
            yield _Slot(f"models[{i}]", model, session.models, i)
    for i, path in enumerate(session.files):
        yield _Slot(f"files[{i}]", path, session.files, i)
    if session.git is not None:
        yield from _attrs(session.git, "git.", ("remote", "branch"))
    for i, sub in enumerate(session.subagents):
        yield from _attrs(sub, f"subagents[{i}].", ("agent_type", "description", "source"))
    for i, err in enumerate(session.errors):
        yield _Slot(f"errors[{i}].path", err.path, err, "path")
        yield _Slot(f"errors[{i}].error", err.error, err, "error")


def step_fields(step: Step) -> Iterator[tuple[str, str]]:
    for slot in _step_slots(step):
        yield slot.name, slot.text


def session_fields(session: Session) -> Iterator[tuple[str, str]]:
    for slot in _session_slots(session):
        yield slot.name, slot.text


def iter_fields(session: Session) -> Iterator[Field]:
    """Every text field: the session's own first (step None), then each step's in order."""
    for slot in _session_slots(session):
        yield Field(None, slot.name, slot.text, slot.sure_only)
    for step in session.steps:
        for slot in _step_slots(step):
            yield Field(step.id, slot.name, slot.text, slot.sure_only)


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
    """A deep copy of the session with every text field (the ones `iter_fields` reads) through `fn`."""
    # Through pickle: a copy as deep, in a third of deepcopy's time (a session is plain data, and
    # `redact.many` sends sessions to its workers the same way).
    out: Session = pickle.loads(pickle.dumps(session, protocol=pickle.HIGHEST_PROTOCOL))
    for slot in _session_slots(out):
        _rewrite(slot, None, fn)
    for step in out.steps:
        for slot in _step_slots(step):
            _rewrite(slot, step.id, fn)
    return out


def _rewrite(slot: _Slot, step_id: str | None, fn: Rewrite) -> None:
    new = fn(step_id, slot.name, slot.text)
    if new != slot.text:
        slot.put(new)
