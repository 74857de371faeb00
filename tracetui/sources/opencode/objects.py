"""OpenCode's objects (sessions, messages, parts), read from any of the forms that hold them.

The reader and the stage both read into it, so it is a module of its own beneath both. The forms
and their precedence: docs/formats/opencode.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from tracetui.model import LineError, LineErrors, count_skipped
from tracetui.sources import RawLog
from tracetui.sources.common.coerce import as_list, as_str, opt_str
from tracetui.sources.common.jsonl import document_note, iter_entries, load_document

STAGED = "opencode-staged"  # the `t:"header"` line's `format` in a staged log
# The kinds of part the reader makes steps or tokens of. Of the rest it reads only the ids and the
# type (to count them, under their message), so the reader's `Objects` keeps just those (`_STUB`).
MADE = frozenset(
    {"text", "reasoning", "tool", "step-start", "step-finish", "patch", "compaction", "subtask", "agent",
     "file", "retry"}
)  # fmt: skip
_STUB = ("id", "messageID", "sessionID", "type")
# Parts of the other kinds the reader holds, a stub each (some 400 bytes): it takes parts in the order
# of their ids, not the log's, so it cannot count one where it stands. Past these, a new one is counted
# as it is read and not held (a hostile log's millions). No log of the corpus has any but snapshots.
MAX_HELD = 10_000


@dataclass(slots=True)
class Objects:
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    origin: dict[str, str] = field(default_factory=dict)  # session id -> where it was read from
    root: str | None = None
    staged: bool = False
    # The reader's: parts of kinds it makes nothing of held as stubs, MAX_HELD of them, the rest counted
    # in `dropped` (as `Session.skipped`) and `dropped_parts`. The stage and the writer keep every part.
    skim: bool = False
    held: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    dropped_parts: int = 0

    def session(self, info: dict[str, Any], origin: str) -> None:
        sid = opt_str(info.get("id"))
        if sid:
            self.sessions[sid] = info
            self.origin.setdefault(sid, origin)
            self.gone.discard(sid)

    def message(self, info: dict[str, Any], sid: str | None = None) -> str | None:
        mid = opt_str(info.get("id"))
        if not mid:
            return None
        if sid and not isinstance(info.get("sessionID"), str):
            info = {**info, "sessionID": sid}
        self.messages[mid] = info
        self.gone.discard(mid)
        return mid

    def part(self, part: dict[str, Any], mid: str | None = None, sid: str | None = None) -> None:
        pid = opt_str(part.get("id"))
        if not pid:
            return
        if mid and not isinstance(part.get("messageID"), str):
            part = {**part, "messageID": mid}
        if sid and not isinstance(part.get("sessionID"), str):
            part = {**part, "sessionID": sid}
        kind = part.get("type")
        if self.skim and not (isinstance(kind, str) and kind in MADE):
            part = {k: part[k] for k in _STUB if k in part}
            if pid not in self.parts:
                if self.held >= MAX_HELD:
                    self.dropped_parts += 1
                    if kind != "snapshot":  # the reader counts every other kind it skips
                        name = f"part/{kind}" if isinstance(kind, str) else "part/(no type)"
                        count_skipped(self.dropped, name)
                    self.gone.discard(pid)
                    return
                self.held += 1
        self.parts[pid] = part
        self.gone.discard(pid)

    def add(self, value: Any, origin: str) -> bool:
        """Take one JSON value of any form; False when it is none of them."""
        if not isinstance(value, dict):
            return False
        kind = value.get("t")
        if isinstance(kind, str) and value.get("format", STAGED) == STAGED and kind in _STAGED_KINDS:
            return self.staged_line(kind, value, origin)
        info = value.get("info")
        if isinstance(info, dict) and isinstance(value.get("messages"), list):  # an export
            self.session(info, origin)
            sid = opt_str(info.get("id"))
            self.root = self.root or sid
            for item in value["messages"]:
                self.add_with_parts(item, sid)
            for child in as_list(value.get("subagents")):
                self.add(child, origin)
            return True
        if isinstance(info, dict) and isinstance(value.get("parts"), list):  # a message with its parts
            self.add_with_parts(value, None)
            return True
        return self.fragment(value, origin)

    def add_with_parts(self, item: Any, sid: str | None) -> None:
        if not isinstance(item, dict) or not isinstance(item.get("info"), dict):
            return
        mid = self.message(item["info"], sid)
        msid = opt_str(self.messages[mid].get("sessionID")) if mid else sid
        for part in as_list(item.get("parts")):
            if isinstance(part, dict):
                self.part(part, mid, msid)

    def fragment(self, value: dict[str, Any], origin: str) -> bool:
        """A loose storage file: a session info, a message or a part."""
        if isinstance(value.get("type"), str) and ("messageID" in value or "callID" in value):
            self.part(value)
            return True
        if isinstance(value.get("role"), str) and "id" in value:
            self.message(value)
            return True
        sid = value.get("id")
        if isinstance(sid, str) and (
            any(k in value for k in ("directory", "projectID", "title", "slug"))
            or (sid.startswith("ses_") and "time" in value)  # mid-2025 builds wrote only id, version, time
        ):
            self.session(value, origin)
            return True
        return False

    def staged_line(self, kind: str, value: dict[str, Any], origin: str) -> bool:
        self.staged = True
        if kind == "header":
            self.root = opt_str(value.get("root")) or self.root
        elif kind == "session" and isinstance(value.get("info"), dict):
            self.session(value["info"], as_str(value.get("source")) or origin)
        elif kind == "message" and isinstance(value.get("info"), dict):
            self.message(value["info"])
        elif kind == "part" and isinstance(value.get("part"), dict):
            self.part(value["part"])
        elif kind == "gone":
            self.gone.update(x for x in as_list(value.get("ids")) if isinstance(x, str))
        return True


_STAGED_KINDS = frozenset({"header", "session", "message", "part", "gone", "error"})


def load_objects(log: RawLog, objects: Objects, errors: LineErrors) -> None:
    data = log.data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace():  # as `not data.strip()`, without its copy of the whole log
        errors.append(LineError(log.path, 0, "the file is empty"))
        return
    try:
        whole, note = load_document(data)
    except orjson.JSONDecodeError:
        whole, note = None, None
    if note:
        errors.append(document_note(log.path, note))
    if whole is not None:
        if not objects.add(whole, log.path):
            errors.append(LineError(log.path, 1, "not an OpenCode session, message, part or export document"))
        return
    # Not one JSON document: a staged log, or an export written one message per line.
    for line, _, record in iter_entries(log.path, data, errors, lambda v: "t" in v or "info" in v):
        if record.get("t") == "error":
            errors.append(LineError(as_str(record.get("path")) or log.path, 0, as_str(record.get("error"))))
            continue
        if not objects.add(record, log.path):
            errors.append(LineError(log.path, line, "not an OpenCode record; skipped"))
