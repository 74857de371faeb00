"""Gemini CLI session files that hold several conversations, and the stage that cuts them apart.

More in docs/formats/gemini.md, `sources/gemini/split.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import LineError, LineErrors
from tracetui.regular_file import open_regular
from tracetui.sources.common.coerce import as_str
from tracetui.sources.common.jsonl import iter_records, lines, loads_within_depth
from tracetui.sources.common.staged_files import write_changed

SPLIT = "split"  # the stage's folder of the conversations cut out of shared files
PART_PREFIX = "session@"
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
MAX_SPLIT = 256 << 20  # a shared file larger than this is not cut (said once); its first session is read
# The most conversations cut out of one file (real ones held two to four): each is a log written and a
# session synced, so a hostile file of 20,000 one-line conversations (2 MB) made 20,000 of each.
# Those past it are said once and not staged.
MAX_PARTS = 256
_TAIL = 64  # bytes before where the last scan stopped that must be unchanged to read on from there
_KEY = b'"sessionId"'


def is_record(value: dict[str, Any]) -> bool:
    """A v2 record: a metadata line, a `$set`, a `$rewindTo`, or a message."""
    return any(k in value for k in ("$set", "$rewindTo", "sessionId")) or ("id" in value and "type" in value)


def is_metadata(record: dict[str, Any]) -> bool:
    """A metadata record (`{sessionId, projectHash, startTime, …}`): not a message, `$set` or rewind."""
    return (
        isinstance(record.get("sessionId"), str)
        and not isinstance(record.get("$rewindTo"), str)
        and not isinstance(record.get("$set"), dict)
        and not (isinstance(record.get("id"), str) and record["id"])
    )


def another_session(meta: dict[str, Any], record: dict[str, Any]) -> bool:
    """Whether a metadata record names another conversation than `meta`'s: another id, or the same
    fixed id (not the CLI's random UUID) with another start time."""
    first, sid = meta.get("sessionId"), record.get("sessionId")
    if not isinstance(first, str) or not isinstance(sid, str):
        return False
    if sid != first:
        return True
    start = record.get("startTime")
    return not UUID.match(sid) and isinstance(start, str) and start != meta.get("startTime")


def session_id(meta: dict[str, Any], fallback: str) -> str:
    """The CLI gives each conversation a random UUID; an id of another shape is a fixed one that
    many conversations share (the a2a server writes `"a2a-server"` into every file it records), so
    it is told apart by the start time the file holds. A copy of the same file, or the same session
    rewritten, keeps its start time, and so its id: it is still one session, listed once.
    `fallback`: the id where the metadata names none (the file's name says it)."""
    sid = as_str(meta.get("sessionId"))
    if not sid:
        return fallback
    start = "".join(c for c in as_str(meta.get("startTime")) if c.isascii() and c.isalnum())
    return sid if UUID.match(sid) or not start else f"{sid}-{start}"


class Conversations:
    """Which conversation of a file each record belongs to, records taken in file order: 0 for the
    file's first (and for anything before the first metadata record), else the order in which the
    others opened."""

    __slots__ = ("heads", "current", "_by_id", "_by_start")

    def __init__(self) -> None:
        self.heads: list[dict[str, Any]] = []  # each conversation's first metadata record
        self.current = 0
        # The first head of each id, and of each (id, start) where the start is a string: where a
        # record goes back to, found at once; a hostile file of 20,000 conversations looked through
        # every head at each metadata record (minutes).
        self._by_id: dict[str, int] = {}
        self._by_start: dict[tuple[str, str], int] = {}

    def place(self, record: dict[str, Any]) -> int:
        if is_metadata(record):
            if not self.heads:
                self._add(record)
            elif another_session(self.heads[self.current], record):
                found = self._earlier(record)
                self.current = self._add(record) if found is None else found
        return self.current

    def _earlier(self, record: dict[str, Any]) -> int | None:
        """The first conversation `record` is no other than (`another_session` false), if any."""
        sid, start = record["sessionId"], record.get("startTime")
        if UUID.match(sid) or not isinstance(start, str):
            return self._by_id.get(sid)
        return self._by_start.get((sid, start))

    def _add(self, record: dict[str, Any]) -> int:
        index = len(self.heads)
        self.heads.append(record)
        sid, start = record["sessionId"], record.get("startTime")
        self._by_id.setdefault(sid, index)
        if isinstance(start, str):
            self._by_start.setdefault((sid, start), index)
        return index


def part_key(path: Path | str) -> str:
    """The folder name of a shared file's parts: a digest of the file's path."""
    return hashlib.sha1(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def part_name(sid: str) -> str:
    """A part's file name for a session id: the id itself where it is made of safe characters and
    short, else its safe characters' start and a hash after a `~` (which no id kept as it is holds)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", sid)
    if safe != sid or len(sid) > 100:
        safe = f"{safe[:60]}~{hashlib.sha256(sid.encode('utf-8', 'surrogatepass')).hexdigest()[:20]}"
    return f"{PART_PREFIX}{safe}.jsonl"


def is_part(path: Path) -> bool:
    return path.name.startswith(PART_PREFIX) and path.parent.parent.name == SPLIT


# --------------------------------------------------------------------------------------------
# The stage


def split(
    files: Iterable[Path], folder: Path, known: dict[str, Any], problems: LineErrors
) -> tuple[list[Path], dict[str, Any]]:
    """The parts to sync for `files` (Gemini session files found), each later conversation of a shared
    file as a log of its own under `folder/split/`, and the state to keep: per file its size and
    mtime, how far it was read, a digest of the bytes before that, its first conversation's head and
    its parts. `known`: that state from the last sync. Parts of a file no longer on disk go (the
    bucket keeps its copies); a file outside this sync's folders keeps its parts and its record."""
    out: list[Path] = []
    state: dict[str, Any] = {}
    for path in files:
        key = str(path)
        entry = _staged(path, folder, _entry(known.get(key)), problems)
        if entry is None:
            continue
        state[key] = entry
        out.extend(folder / SPLIT / part_key(path) / name for name in entry["parts"])
    for key, entry in known.items():
        if key in state:
            continue
        if os.path.lexists(key):
            if _entry(entry) is not None:
                state[key] = entry  # not among this sync's folders: left as it is
        else:
            _remove_parts(folder / SPLIT / part_key(key), keep=())
    return out, state


def _entry(value: Any) -> dict[str, Any] | None:
    """A file's record in the state, checked (a damaged one is dropped: the file is read again)."""
    if not isinstance(value, dict):
        return None
    stat, scanned, tail, head, parts = (value.get(k) for k in ("stat", "scanned", "tail", "head", "parts"))
    if not (
        isinstance(stat, list)
        and len(stat) == 2
        and all(type(n) is int for n in stat)
        and type(scanned) is int
        and isinstance(tail, str)
        and (head is None or isinstance(head, dict))
        and isinstance(parts, list)
        and all(isinstance(p, str) and p.startswith(PART_PREFIX) and "/" not in p for p in parts)
    ):
        return None
    return value


def _staged(
    path: Path, folder: Path, old: dict[str, Any] | None, problems: LineErrors
) -> dict[str, Any] | None:
    """One file's record after looking at it (the old one where it has not changed, or it cannot be
    read now), its parts written or removed as it now holds them. None: nothing to record."""
    try:
        st = os.stat(path)
    except OSError:
        return old
    stamp = [st.st_size, st.st_mtime_ns]
    parts = folder / SPLIT / part_key(path)
    if old is not None and old["stat"] == stamp and all((parts / n).is_file() for n in old["parts"]):
        return old
    try:
        with open_regular(path) as fh:
            stamp = [os.fstat(fh.fileno()).st_size, os.fstat(fh.fileno()).st_mtime_ns]
            if not _lines_file(fh, path):  # a v1 document: one session, written whole
                _remove_parts(parts, keep=())
                return {"stat": stamp, "scanned": 0, "tail": "", "head": None, "parts": []}
            if old is not None and not old["parts"]:
                grown = _scan_on(fh, old, stamp)
                if grown is not None:
                    return grown
            fh.seek(0)
            return _scan(fh, path, parts, stamp, problems)
    except (OSError, TracetuiError):  # the sync says what is wrong with the file itself
        return old


def _lines_file(fh: BinaryIO, path: Path) -> bool:
    """A JSONL file (v2, or JSONL under a `.json` name), not a v1 document: its first line alone is
    a JSON object (a v1 document is pretty-printed, so its first line is `{`)."""
    if path.suffix == ".jsonl":
        return True
    first = fh.readline(1 << 16).lstrip(b"\xef\xbb\xbf")
    fh.seek(0)
    try:
        return isinstance(loads_within_depth(first), dict)
    except orjson.JSONDecodeError:
        return False


def _complete_lines(fh: BinaryIO, start: int) -> Iterator[tuple[int, bytes]]:
    """(offset just past the line, the line) for each whole line (ending in a newline) from `start`."""
    fh.seek(start)
    at = start
    for line in fh:
        if not line.endswith(b"\n"):
            return  # torn: an agent mid-write; the next look takes it whole
        at += len(line)
        yield at, line


def _metadata_of(line: bytes) -> dict[str, Any] | None:
    """The metadata record a line holds, looked for only where the key is (a message that quotes it
    has it escaped)."""
    at = line.find(_KEY)
    if at < 0 or (at > 0 and line[at - 1 : at] == b"\\"):
        return None
    try:
        value = loads_within_depth(line.lstrip(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        return None  # the reader says what is wrong with it, in whichever session holds it
    return value if isinstance(value, dict) and is_metadata(value) else None


def _scan_on(fh: BinaryIO, old: dict[str, Any], stamp: list[int]) -> dict[str, Any] | None:
    """A file of one conversation read on from where the last look stopped: its record, still one
    conversation; None where it opened another or its earlier bytes changed (read it whole)."""
    scanned = old["scanned"]
    if stamp[0] < scanned:
        return None
    fh.seek(max(0, scanned - _TAIL))
    if _digest(fh.read(min(_TAIL, scanned))) != old["tail"]:
        return None
    conversations = Conversations()
    if old["head"] is not None:
        conversations.place(old["head"])
    head, end, tail = old["head"], scanned, old["tail"]
    for at, line in _complete_lines(fh, scanned):
        meta = _metadata_of(line)
        if meta is not None and conversations.place(meta) != 0:
            return None
        head = head if head is not None else _head(meta)
        end = at
    if end != scanned:
        fh.seek(max(0, end - _TAIL))
        tail = _digest(fh.read(min(_TAIL, end)))
    return {"stat": stamp, "scanned": end, "tail": tail, "head": head, "parts": []}


def _scan(
    fh: BinaryIO, path: Path, parts: Path, stamp: list[int], problems: LineErrors
) -> dict[str, Any]:
    """A file read from its start: its record, and the lines of each conversation after its first
    written to that conversation's part."""
    conversations = Conversations()
    end = 0
    for at, line in _complete_lines(fh, 0):
        meta = _metadata_of(line)
        if meta is not None and conversations.place(meta) != 0:
            break
        end = at
    else:
        _remove_parts(parts, keep=())
        fh.seek(max(0, end - _TAIL))
        tail = _digest(fh.read(min(_TAIL, end)))
        head = _head(conversations.heads[0]) if conversations.heads else None
        return {"stat": stamp, "scanned": end, "tail": tail, "head": head, "parts": []}
    # Several conversations: each line goes where the reader puts its records.
    if stamp[0] > MAX_SPLIT:
        problems.append(LineError(str(path), 0, "holds several sessions but is too large to cut apart; "
                                                "only its first is read"))  # fmt: skip
        return {"stat": stamp, "scanned": 0, "tail": "", "head": None, "parts": []}
    fh.seek(0)
    data = fh.read(stamp[0])
    data = data[: data.rfind(b"\n") + 1]
    # The lines a slice at a time (jsonl.lines): a list of them all was a second copy of the file.
    owner = _owners(str(path), data[3:] if data.startswith(b"\xef\xbb\xbf") else data, data.count(b"\n"))
    heads = owner.pop()
    by_part: dict[int, list[bytes]] = {}
    for line, index in zip(lines(data), owner, strict=True):
        if index:
            by_part.setdefault(index, []).append(line.lstrip(b"\xef\xbb\xbf") + b"\n")
    if len(by_part) > MAX_PARTS:
        problems.append(LineError(str(path), 0, f"holds {len(by_part) + 1} sessions; only the first "
                                                f"{MAX_PARTS + 1} are read"))  # fmt: skip
        by_part = {index: by_part[index] for index in sorted(by_part)[:MAX_PARTS]}
    names: dict[int, str] = {}
    for index in by_part:
        sid = session_id(heads[index], f"{path.stem}@{index}")
        names[index] = part_name(sid)
    written: list[str] = []
    for index, body in sorted(by_part.items()):
        target = parts / names[index]
        if names[index] in written:
            continue  # two conversations that read as one id: the first keeps the name
        data = b"".join(body)
        try:
            write_changed(target, data)
        except OSError as exc:
            problems.append(LineError(str(path), 0, f"cannot stage its session {names[index]}: {exc}"))
            continue
        written.append(names[index])
    _remove_parts(parts, keep=written)
    return {"stat": stamp, "scanned": 0, "tail": "", "head": None, "parts": written}


def _owners(path: str, data: bytes, count: int) -> list[Any]:
    """For each of `count` lines, the conversation it belongs to (a line with no record: the one
    current there), then the conversations' heads. The reader's own walk over the records."""
    owner = [0] * count
    conversations = Conversations()
    placed = 0  # lines before this one are placed
    for line, record in iter_records(path, data, LineErrors(), is_record):
        for n in range(placed, line - 1):
            owner[n] = conversations.current
        index = conversations.place(record)
        if line > placed:  # a line of several records (a lost newline) goes with its first
            owner[line - 1] = index
        placed = line
    for n in range(placed, count):
        owner[n] = conversations.current
    return [*owner, conversations.heads]


def _head(meta: dict[str, Any] | None) -> dict[str, Any] | None:
    """What of a metadata record tells its conversation from another."""
    if meta is None:
        return None
    return {k: meta[k] for k in ("sessionId", "startTime") if isinstance(meta.get(k), str)}


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _remove_parts(parts: Path, keep: Iterable[str]) -> None:
    """A shared file's parts that stand for nothing now (the bucket keeps its copies)."""
    kept = set(keep)
    try:
        found = [p for p in parts.iterdir() if p.name.startswith(PART_PREFIX) and p.name not in kept]
    except OSError:  # not made yet
        return
    for part in found:
        with contextlib.suppress(OSError):
            part.unlink()
    with contextlib.suppress(OSError):  # kept while it holds anything
        parts.rmdir()
