"""A Gemini CLI session file replayed into its conversation: every message's last copy, rewinds
and compactions (format: docs/formats/gemini.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from tracetui.model import LineError, LineErrors, count_skipped
from tracetui.sources import RawLog
from tracetui.sources.common.coerce import as_list, as_str, opt_str
from tracetui.sources.common.jsonl import clean, document_note, guarded, iter_records, load_document
from tracetui.sources.common.time_span import widen
from tracetui.sources.gemini.parts import KNOWN_TYPES, _parts_text
from tracetui.sources.gemini.split import Conversations, is_record


@dataclass(slots=True)
class _Compaction:
    line: int
    summary: str
    folded: int  # messages folded into the summary
    after: str | _Dropped | None  # the live message before it, when it happened
    timestamp: str | None
    first_kept: str | None  # the first message the compaction kept as it was (what the model still sees)


@dataclass(slots=True, eq=False)
class _Dropped:
    """Messages in a row that make no step, past the MAX_HELD kept by id: all the session has of
    them, their kinds counted as the steps count them and the earliest and latest of their times.
    It stands for them where they stand, as one message with no id: in the events, among the live
    messages, as the one a message after them follows (a key by identity)."""

    skipped: dict[str, int] = field(default_factory=dict)
    times: list[str] = field(default_factory=list)

    def take(self, record: dict[str, Any]) -> None:
        kind = as_str(record.get("type"))  # as `_Reader.message` counts a message it skips
        count_skipped(self.skipped, f"message/{kind}" if kind else "message/(no type)")
        stamp = opt_str(record.get("timestamp"))
        if stamp:
            widen(self.times, stamp)


@dataclass(slots=True)
class _Conversation:
    """A session file replayed: metadata, and every message with its last copy."""

    meta: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> last copy
    live: dict[str | _Dropped, None] = field(default_factory=dict)  # ids of the conversation as it ends
    events: list[str | _Compaction | _Dropped] = field(default_factory=list)  # message ids as first written
    # id -> what it followed when first written: the live message before it, or the compaction
    # that came between them (the conversation goes on from the summary)
    parent: dict[str | _Dropped, str | _Compaction | _Dropped | None] = field(default_factory=dict)
    pending: _Compaction | None = None  # a compaction no message has followed yet
    rewound: set[str] = field(default_factory=set)
    folded: dict[str, _Compaction] = field(default_factory=dict)  # ids folded into a compaction
    lines: dict[str, int] = field(default_factory=dict)  # id -> line first written
    copies: dict[str, str] = field(default_factory=dict)  # a kept message's new id -> its own id
    # What is kept of the messages no step is made of, by (type, time): one for them all where they
    # are alike (`kept`), up to MAX_STUBS kinds of them.
    stubs: dict[tuple[str | None, str | None], dict[str, Any]] = field(default_factory=dict)
    held: int = 0  # messages that make no step kept by id: past MAX_HELD, only counted (`_Dropped`)
    dropped: int = 0  # the line of the first message not kept by id, once there is one
    version: str = "gemini-v2"

    def kept(self, record: dict[str, Any], inert: bool | None = None) -> dict[str, Any]:
        """What is kept of a message record until the session is built: the record, but for one of a
        type the reader makes no step of, with no text and no calls (`_signature`), only its type and
        time (the steps read its id from where it is kept). A log of two million such records held
        them all, 1.8 GB for 200 MB. `inert`: what `_inert` says of it, where already asked."""
        if not (_inert(record) if inert is None else inert):
            return record
        kind, stamp = record.get("type"), record.get("timestamp")
        key = (kind if isinstance(kind, str) else None, stamp if isinstance(stamp, str) else None)
        stub = self.stubs.get(key)
        if stub is None:
            stub = {**({"type": key[0]} if key[0] is not None else {}),
                    **({"timestamp": key[1]} if key[1] is not None else {})}  # fmt: skip
            if len(self.stubs) < MAX_STUBS:
                self.stubs[key] = stub
        return stub

    def last_live(self) -> str | _Dropped | None:
        return next(reversed(self.live), None) if self.live else None

    def write(self, record: dict[str, Any], line: int) -> None:
        """A message record written (again): the last copy wins, the first place stays."""
        mid = record["id"]
        inert = _inert(record)
        if inert and mid not in self.records:
            if self.held >= MAX_HELD:
                self._drop(record, line)
                return
            self.held += 1
        record = self.kept(record, inert)
        if mid in self.copies:  # a compaction's copy of a message already read: no step of its own
            self.records[mid] = record
            return
        if mid not in self.records:
            self.events.append(mid)
            self.parent[mid] = self.pending or self.last_live()
            self.pending = None
            self.lines[mid] = line
        elif mid in self.rewound and mid not in self.live:
            self.rewound.discard(mid)  # written again after a rewind: it is back
        self.records[mid] = record
        self.live[mid] = None

    def _drop(self, record: dict[str, Any], line: int) -> None:
        """A new message that makes no step, past MAX_HELD of them: counted where it stands, its id
        not kept. It leads on to the message before it, as one kept does (it has no step to lead to)."""
        self.dropped = self.dropped or line
        last = self.last_live()
        if not (isinstance(last, _Dropped) and self.events[-1] is last and self.pending is None):
            last = _Dropped()  # what it follows taken as a message takes it
            self.events.append(last)
            self.parent[last] = self.pending or self.last_live()
            self.pending = None
            self.live[last] = None
        last.take(record)

    def rewind(self, target: str) -> None:
        ids = list(self.live)
        cut = ids.index(target) if target in self.live else 0  # unknown id: the agent clears all
        for mid in ids[cut:]:
            del self.live[mid]
            if isinstance(mid, str):  # a run of messages not kept (`_Dropped`) makes no step to mark
                self.rewound.add(mid)

    def replace(self, messages: list[dict[str, Any]], line: int, stamp: str | None) -> None:
        if not self.records:
            # Late-2026 builds open every session with its history set whole (the session context
            # alone): nothing was there to replace, so these are the first messages, not a summary.
            for m in messages:
                self.write(m, line)
            return
        fresh = [m for m in messages if m["id"] not in self.records]
        if not fresh:  # the same messages with new copies (masked tool output synced back, a resume)
            for m in messages:
                self.records[m["id"]] = self.kept(_synced(self.records[m["id"]], m))
            self.live = dict.fromkeys(m["id"] for m in messages)
            return
        copies = self._copies(messages)
        listed = {m["id"] for m in messages} | set(copies.values())
        if all(mid in listed for mid in self.live):
            # Nothing dropped: the history set again, whole (0.61 on --resume, each result repeated
            # as a `<id>_response` user record), not a summary. Its copies are the model's form of
            # the records (no `toolCalls`, no diffs): the records stay; the new ones add no steps.
            self.live = {}
            for m in messages:
                if m["id"] in self.records:
                    self.live[m["id"]] = None
                else:
                    self.write(m, line)
            return
        # Known messages may open it (0.61: the session context), before the summary's.
        prefix = 0
        while prefix < len(messages) and messages[prefix]["id"] in self.records:
            prefix += 1
        head: list[dict[str, Any]] = []
        for m in messages[prefix:]:
            if m["id"] in self.records or m["id"] in copies:
                break
            head.append(m)
        texts = [_parts_text(m.get("content")) for m in head if m.get("type") == "user"]
        summary = "\n\n".join(t for t in texts if t.strip()) or "\n\n".join(
            t for t in (_parts_text(m.get("content")) for m in head) if t.strip()
        )
        when = next((m["timestamp"] for m in head if isinstance(m.get("timestamp"), str)), stamp)
        kept = next((copies.get(m["id"], m["id"]) for m in messages[prefix + len(head) :]), None)
        compaction = _Compaction(line, summary, len(head), self.last_live(), when, kept)
        self.events.append(compaction)
        self.live = {}
        # By identity, in a set: a scan of `head` for every message cost a history of 100,000 new
        # messages (one 10 MB record) 10^10 comparisons.
        folded = {id(h) for h in head}
        for m in messages:
            mid = m["id"]
            if id(m) in folded:
                self.records[mid] = self.kept(m)
                self.folded[mid] = compaction
                self.live[mid] = None
            elif mid in copies:  # 0.61 keeps messages under new ids: the live one stands for it
                self.copies[mid] = copies[mid]
                self.records[mid] = self.kept(m)
                self.live[copies[mid]] = None
            else:
                self.write(m, line)
        self.pending = compaction

    def _copies(self, messages: list[dict[str, Any]]) -> dict[str, str]:
        """New ids in a history replacement that repeat a live message it leaves out (the same type,
        text and call ids): Gemini CLI 0.61's compression copies the messages it keeps."""
        listed = {m["id"] for m in messages}
        left: dict[tuple[Any, ...], list[str]] = {}  # (type, signature) -> live ids left out, in order
        for mid in self.live:
            if mid not in listed and mid in self.records:
                record = self.records[mid]
                left.setdefault((_kind(record), *_signature(record)), []).append(mid)
        out: dict[str, str] = {}
        for m in messages:
            mark = _signature(m)
            if m["id"] in self.records or mark == ((), (), ()):
                continue
            same = left.get((_kind(m), *mark))
            if same:
                out[m["id"]] = same.pop(0)
        return out


_NONE: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = ((), (), ())


def _synced(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A history `$set`'s copy of a message already read. Gemini CLI 0.61 keeps a record's own fields
    and takes the history's content (`updateMessagesFromHistory`); one whose history was set back to the
    session context (a second `--resume`, or one in the minute the file is named for) makes each copy
    afresh: id, type, the resume's time and the model's form of the content, no `toolCalls`, `tokens`
    or `model`. So the record's fields stay, its time too, and the content is the copy's."""
    if old.get("type") != new.get("type"):
        return new
    merged = {**old, **new}
    if "timestamp" in old:
        merged["timestamp"] = old["timestamp"]
    return merged


def _inert(record: dict[str, Any]) -> bool:
    """A message of a type the reader makes no step of, with no text and no calls: what the session
    has of it is its type (a skipped kind) and its time."""
    kind = record.get("type")
    try:
        if isinstance(kind, str) and kind in KNOWN_TYPES:
            return False
        return _signature(record) == _NONE and not _parts_text(record.get("content")).strip()
    except Exception:  # what the steps say of it is said there, of the record itself
        return False


MAX_STUBS = 1_000
# Messages that make no step kept by id, each some 300 to 600 bytes (its maps' entries, its stub): a
# later copy, rewind or history set may name one. No log of the corpus has any.
MAX_HELD = 10_000


def _kind(message: dict[str, Any]) -> str | None:
    """A message's `type` where it is a string (a log's value of another type names no kind)."""
    kind = message.get("type")
    return kind if isinstance(kind, str) else None


def _signature(message: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A message's texts, call ids and response ids, however it holds them (content parts, a string,
    `toolCalls`): a copy in the model's history form matches the record it came from."""
    content = message.get("content")
    found = content if isinstance(content, list) else [{"text": content}] if isinstance(content, str) else []
    parts: list[dict[str, Any]] = [p for p in found if isinstance(p, dict)]
    texts = tuple(p["text"] for p in parts if isinstance(p.get("text"), str) and p["text"])
    calls = {str(p["functionCall"].get("id")) for p in parts if isinstance(p.get("functionCall"), dict)}
    calls |= {str(c.get("id")) for c in as_list(message.get("toolCalls")) if isinstance(c, dict)}
    answers = tuple(
        str(p["functionResponse"].get("id")) for p in parts if isinstance(p.get("functionResponse"), dict)
    )
    return texts, tuple(sorted(calls)), answers


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("id"), str) and bool(value["id"])


def _replay_document(doc: dict[str, Any]) -> _Conversation:
    conv = _Conversation(version="gemini-v1")
    conv.meta = {k: v for k, v in doc.items() if k != "messages"}
    for record in as_list(doc.get("messages")):
        if _is_message(record):
            conv.write(record, 1)
    return conv


def _replay_lines(path: str, data: bytes, errors: LineErrors, skipped: dict[str, int]) -> _Conversation:
    """The file's first conversation: the records of any other written into it (see `gemini_split`)
    are passed over here, with what is wrong with their lines, and read from its own staged log."""
    conv = _Conversation()
    conversations = Conversations()
    pending = LineErrors()  # what is wrong with the lines before the next record
    records = iter_records(path, data, pending, is_record)
    while True:
        # The lines before the next record were in the conversation current until then.
        before = conversations.current
        line, record = next(records, (0, None))
        if before == 0:
            errors.extend(pending)
        pending.clear()
        if record is None:
            break
        if conversations.place(record) != 0:
            continue
        with guarded(errors, path, line):
            if isinstance(record.get("$rewindTo"), str):
                conv.rewind(record["$rewindTo"])
            elif isinstance(record.get("$set"), dict):
                update = record["$set"]
                if isinstance(update.get("messages"), list):
                    messages = [m for m in update["messages"] if _is_message(m)]
                    conv.replace(messages, line, opt_str(update.get("lastUpdated")))
                conv.meta.update({k: v for k, v in update.items() if k != "messages"})
            elif _is_message(record):
                conv.write(record, line)
            elif isinstance(record.get("sessionId"), str):
                conv.meta.update({k: v for k, v in record.items() if k != "messages"})
                for m in as_list(record.get("messages")):  # a whole legacy record on one line
                    if _is_message(m):
                        conv.write(m, line)
            else:
                count_skipped(skipped, "(unknown record)")
    if conv.dropped:
        errors.append(LineError(path, conv.dropped, (
            f"past {MAX_HELD:,} messages that make no step, their ids are not kept: "
            "a later record that names one reads as naming none"
        ), True))  # fmt: skip
    return conv


# `data.lstrip().startswith(b"{")` without the copy of the log `lstrip` makes (its blanks: Python's).
_OPENS = re.compile(rb"[ \t\n\r\x0b\x0c]*\{")


def _replay(log: RawLog, errors: LineErrors, skipped: dict[str, int]) -> _Conversation:
    data = log.data[3:] if log.data.startswith(b"\xef\xbb\xbf") else log.data
    if not log.path.endswith(".jsonl"):
        # v1 (and /export-session): one document, written whole.
        try:
            doc, note = load_document(data)
        except orjson.JSONDecodeError as exc:
            if _OPENS.match(data) and b"\n{" in data and b'"$set"' in data:
                return _replay_lines(log.path, data, errors, skipped)  # JSONL under a .json name
            errors.append(LineError(log.path, 1, f"not a valid JSON document: {str(exc)[:120]}"))
            return _Conversation(version="gemini-v1")
        if note:
            errors.append(document_note(log.path, note))
        if isinstance(doc, dict):
            return _replay_document(clean(doc))
        errors.append(LineError(log.path, 1, f"expected a JSON object, got {type(doc).__name__}"))
        return _Conversation(version="gemini-v1")
    return _replay_lines(log.path, data, errors, skipped)
