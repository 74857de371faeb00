"""The `raw` format: each session's own log files, in the agent's own format, redacted in place.

Placeholders go inside the JSON strings of the original records; every record and byte with nothing
to scrub stays as the agent wrote it, and a string that changes keeps its escaping style (an ASCII
string with `\\u` escapes is written with them). A value can sit inside a JSON string that is itself
inside a JSON string (Codex's tool arguments): its escaped spellings are replaced as well.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from tracetui.capsule.scrub import MIN_VALUE, Scrubbed, inert, new_placeholders
from tracetui.export.manifest import safe_component
from tracetui.redact import Finding, Identity, scan_text
from tracetui.redact.rules import holds_credential
from tracetui.sources import RawLog
from tracetui.sources.common.json_tokens import STRING_TOKEN, token_of, token_value
from tracetui.sources.common.jsonl import WRITES, cut_line, load_document, loads_whole
from tracetui.sources.registry import AGENT_FOLDERS

_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")  # in a file name: `<HOME>` becomes `HOME`



def agent_folder(agent: str) -> str:
    """The folder an agent's files go in (`registry.AGENT_FOLDERS`, else its name made safe)."""
    return AGENT_FOLDERS.get(agent, safe_component(agent))


def spellings(scrubbed: Scrubbed) -> Scrubbed:
    """The session's value map plus each value as it reads JSON-escaped once and twice."""
    extra: dict[str, str] = {}
    for value, placeholder in scrubbed.replacements.items():
        once = json.dumps(value, ensure_ascii=False)[1:-1]
        for variant in (once, json.dumps(once, ensure_ascii=False)[1:-1], json.dumps(value)[1:-1]):
            if variant != value:
                extra.setdefault(variant, placeholder)
    return scrubbed.with_spellings(extra)


def scrub_bytes(data: bytes, scrubbed: Scrubbed) -> bytes:
    """A log file with every planned value replaced inside its JSON strings, line by line."""
    data = within_writable_depth(data)
    values = sorted(scrubbed.replacements, key=lambda v: (-len(v), v))
    if not values:
        return data
    # Any value anywhere, word boundaries or not: in the raw line `\nalice` is a newline and a
    # name, which the value map (bounded for short values) sees only once the string is decoded.
    anywhere = re.compile("|".join(re.escape(v) for v in values))
    out = []
    for line in data.split(b"\n"):
        out.append(_scrub_line(line, scrubbed, anywhere))
    return b"\n".join(out)


def within_writable_depth(data: bytes) -> bytes:
    """A log with each line nested deeper than a JSON writer writes again written as the readers read
    it (`cut_line`): copied as it was, a line 100,000 levels deep was a file that Python's json (a
    RecursionError) and orjson (past 1,024 levels) cannot read, in a dataset for others to read."""
    if data.count(b"[") + data.count(b"{") <= WRITES:
        return data  # too few brackets to nest so deep: the common case, for the cost of counting them
    return b"\n".join(cut if (cut := cut_line(line)) is not None else line for line in data.split(b"\n"))


def deep_lines(data: bytes) -> list[int]:
    """The 1-based numbers of the lines of `data` that `within_writable_depth` would cut."""
    if data.count(b"[") + data.count(b"{") <= WRITES:
        return []
    return [n for n, line in enumerate(data.split(b"\n"), 1) if cut_line(line) is not None]


def _scrub_line(line: bytes, scrubbed: Scrubbed, anywhere: re.Pattern[str]) -> bytes:
    text = line.decode("utf-8", "surrogateescape")
    if not anywhere.search(text) and not (_may_escape(text) and anywhere.search(_unescaped(text))):
        return line  # nothing to scrub: the agent's bytes as they were

    def swap(match: re.Match[str], depth: int = 0) -> str:
        token = match.group(0)
        try:
            value = token_value(token)
        except ValueError:
            return scrubbed.text(token)  # a torn string: scrubbed as the text it is
        new = scrubbed.text(value)
        if depth < _INNER_DEPTH and "\\" in new and '"' in new:
            # A JSON document inside the string (Codex's tool arguments and outputs): its own strings are
            # decoded too, so a value spelled there with escapes (`\\u0067hp_…`, `\\/`) is found.
            new = STRING_TOKEN.sub(lambda inner: swap(inner, depth + 1), new)
        return token if new == value else token_of(new, token)

    result = STRING_TOKEN.sub(swap, text)
    # Outside strings a JSON record holds no text of the log; a line that is no JSON at all (a torn
    # record) may, and is scrubbed whole.
    result = scrubbed.text(result)
    return result.encode("utf-8", "surrogateescape")


_INNER_DEPTH = 3  # JSON documents inside JSON strings, as deep as `unplanned` reads them
# An escape a JSON encoder may write for a character a value holds: `\\u0067` for `g` (any encoder may,
# and an attacker does), `\\/` for `/` (PHP's and some Java encoders' default), at any depth of escaping.
_ESCAPED = re.compile(r"\\+(?:u([0-9a-fA-F]{4})|/)")


def _may_escape(text: str) -> bool:
    return "\\u" in text or "\\/" in text


def _unescaped(text: str) -> str:
    """`text` with every `\\uXXXX` and `\\/` read as its character, however many backslashes escape it:
    where to look for a value, not a decoding (`swap` decodes each string for real)."""

    def one(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return "/"
        code = int(m.group(1), 16)
        return m.group(0) if 0xD800 <= code < 0xE000 else chr(code)

    return _ESCAPED.sub(one, text)


# What reading a record nested hundreds of levels deep raises: orjson writes 254 levels and reads 1,024;
# a walk of it in Python meets the recursion limit first.
TOO_DEEP = (RecursionError, orjson.JSONEncodeError)


def gate_view(data: bytes) -> bytes:
    """What the second gate reads of an exported log: every record with its opaque blobs (signatures,
    encrypted reasoning, hashes: base64 there reads as a token to a pattern) left out, and a string that
    is a JSON document read as that document. Ids are read: a log's author chooses them, and the other
    formats' gate reads them too. Lines that are not JSON are read as they are."""
    # Joined as they are made: an orjson.dumps result keeps about 4 KB whatever its length.
    out = bytearray()
    for k, line in enumerate(data.split(b"\n")):
        if k:
            out += b"\n"
        try:
            out += orjson.dumps(_expanded(loads_whole(line)))
        except (orjson.JSONDecodeError, *TOO_DEEP):
            # Not JSON, or nested past what orjson writes (254 levels) or Python walks: read as its text,
            # never left out (the readers cut such a value, so only the gate sees what it holds).
            out += line
    return bytes(out)


def _expanded(obj: Any, depth: int = 0) -> Any:
    """`_without_opaque`, with a string that is itself a JSON document (Codex's tool arguments and
    outputs) read as that document: the gate reads its strings decoded, escapes and all, as a reader does."""
    if isinstance(obj, str):
        if depth < _INNER_DEPTH and obj[:1] in ("{", "[") and obj[-1:] in ("}", "]"):
            try:
                inner = loads_whole(obj)
            except orjson.JSONDecodeError:  # TooDeep as well: the gate reads such a string as its text
                return obj
            if isinstance(inner, (dict, list)):
                return _expanded(inner, depth + 1)
        return obj
    if isinstance(obj, dict):
        return {
            k: None if _opaque(k, v) else _expanded(v, depth)
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_expanded(v, depth) for v in obj]
    return obj


# Keys whose values are opaque blobs, never text: a signature, encrypted reasoning, a hash.
_OPAQUE_KEYS = frozenset({
    "signature", "thinking_signature", "encrypted_content", "hash", "sha", "sha1", "sha256", "digest", "etag",
})


# A blob as those keys hold one: long and unbroken (a signature, encrypted reasoning), or a digest in hex,
# named (`sha256:…`) or quoted as an ETag (`W/"…"`).
_BLOB = re.compile(r'[A-Za-z0-9+/=_\-]{64,}|(?:W/)?"?(?:[A-Za-z0-9]{1,16}[:=\-])?[0-9a-fA-F\-]{4,128}"?')


def _opaque(key: Any, value: Any) -> bool:
    """Whether `value` under `key` is left out of the gate: only a blob is. Whatever else a key of that
    name holds (an object, a list, a sentence, a token) is read: no plan reads a part of a record no
    reader shows, so the gate is all that does. A token is read however long it runs: a 164-character
    `sk-proj-…` key is blob-shaped, and only the format rules tell it from a signature."""
    return (
        isinstance(key, str) and key.lower() in _OPAQUE_KEYS and isinstance(value, str)
        and _BLOB.fullmatch(value) is not None and not holds_credential(value)
    )


def _without_opaque(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            k: None if _opaque(k, v) else _without_opaque(v)
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_without_opaque(v) for v in obj]
    return obj


@dataclass(slots=True)
class Unplanned:
    """A finding in a part of the agent's record that no reader shows (so no plan holds it), such as
    Claude Code's `toolUseResult` copies. `value` stays in memory: it is what gets scrubbed."""

    member: str
    line: int
    kind: str
    tier: str
    detector: str
    value: str

    def where(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "line": self.line,
            "kind": self.kind,
            "tier": self.tier,
            "detector": self.detector,
        }


def unplanned(
    members: dict[str, bytes],
    shown: set[str],
    known: set[str],
    identity: Identity,
    scan_many: Callable[[list[str], Identity], list[list[Finding]]] | None = None,
) -> list[Unplanned]:
    """Findings in the strings of already scrubbed log files that are not the text of a field the
    plan covered (`shown`: the scrubbed session's field texts), leaving out values the plan already
    decided (`known`), placeholders and opaque blobs. In file and line order. `scan_many` scans the
    texts together (an export's, on every core); by default each is scanned here in turn."""
    texts = _unshown_texts(members, shown)
    plain = [text for _, _, text in texts]
    results = scan_many(plain, identity) if scan_many is not None else [scan_text(t, identity) for t in plain]
    found: list[Unplanned] = []
    taken: set[str] = set()
    for (name, line_no, text), findings in zip(texts, results):
        for f in findings:
            value = text[f.start : f.end]
            if len(value) < MIN_VALUE or value in known or value in taken or _PLACEHOLDER.fullmatch(value):
                continue
            taken.add(value)
            found.append(Unplanned(name, line_no, f.kind, f.tier, f.detector, value))
    return found


def _unshown_texts(members: dict[str, bytes], shown: set[str]) -> list[tuple[str, int, str]]:
    """(member, line, string) of each distinct string of the files, in file and line order, that is no
    field's text and could hold a value."""
    out: list[tuple[str, int, str]] = []
    seen: set[str] = set()
    for name, data in members.items():
        for line_no, line in enumerate(data.split(b"\n"), 1):
            try:
                texts = list(_strings(_without_opaque(loads_whole(line))))
            except (orjson.JSONDecodeError, *TOO_DEEP):
                texts = [line.decode("utf-8", "replace")]
            for text in texts:
                if text in shown or text in seen or len(text) < MIN_VALUE or inert(text):
                    continue
                seen.add(text)
                out.append((name, line_no, text))
    return out


def _strings(obj: Any, depth: int = 0) -> Iterator[str]:
    """Every string in a record; a string that is itself a JSON document (Codex's tool arguments and
    wrapped outputs) gives its own strings instead, so a value found is never a piece of escaping,
    and replacing it (by its escaped spelling) keeps the inner document valid."""
    if isinstance(obj, str):
        if depth < 3 and obj[:1] in ("{", "[") and obj[-1:] in ("}", "]"):
            try:
                inner = loads_whole(obj)
            except orjson.JSONDecodeError:
                inner = None
            if isinstance(inner, (dict, list)):
                yield from _strings(_without_opaque(inner), depth + 1)
                return
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v, depth)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v, depth)


def placeholders_for(
    found: list[Unplanned], receipt: list[dict[str, Any]]
) -> dict[str, tuple[str, Unplanned]]:
    """A placeholder for each unplanned value, numbered after the plan's own of that label."""
    chosen = new_placeholders([(f.kind, f.value) for f in found], receipt)
    return {f.value: (chosen[f.value], f) for f in found}


def layout(
    agent: str, files: list[RawLog], scrubbed: Scrubbed, session_id: str = ""
) -> list[tuple[str, RawLog]]:
    """`sessions/<agent folder>/<file>` for each file, companions placed relative to the main log
    as the agent keeps them (`<id>/subagents/agent-*.jsonl` beside `<id>.jsonl`), every component
    scrubbed and made a plain name. A main log whose name does not carry the session's id (Copilot's
    `<id>/events.jsonl`) keeps its folder, since that is where its reader finds the id."""
    if not files:
        return []
    main = PurePosixPath(files[0].path.replace("\\", "/"))
    base = main.parent
    if session_id and session_id not in main.name and base.parent != base:
        base = base.parent
    folder = agent_folder(agent)
    placed = []
    for raw in files:
        path = PurePosixPath(raw.path.replace("\\", "/"))
        try:
            parts = path.relative_to(base).parts
        except ValueError:
            parts = (path.name,)
        # The agent's own names, capitals and all (its reader may pair files by name); the writer
        # tells apart two that are one on a caseless disk.
        clean = [
            safe_component(_PLACEHOLDER.sub(r"\1", scrubbed.text(p)), keep_case=True)
            for p in parts
            if p not in ("", ".", "..")
        ]
        clean = clean or ["_"]
        placed.append(("/".join(["sessions", folder, *clean]), raw))
    return placed


def opencode_documents(staged: RawLog) -> list[RawLog]:
    """An OpenCode session tree as the bucket keeps it (a staged log of OpenCode's own objects) put
    back into OpenCode's own export format: one `{info, messages: [{info, parts}]}` document per
    session, as `opencode export` writes it, named `<session id>.json`. What OpenCode removed (a
    revert, a deleted session) is left out, as its own export leaves it out."""
    from tracetui.model import LineErrors
    from tracetui.sources.opencode.objects import Objects, load_objects

    objects = Objects()
    load_objects(staged, objects, LineErrors())
    parts_of: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for pid, part in objects.parts.items():
        mid = part.get("messageID")
        if isinstance(mid, str) and pid not in objects.gone:
            parts_of.setdefault(mid, []).append((pid, part))
    messages_of: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for mid, info in objects.messages.items():
        sid = info.get("sessionID")
        if isinstance(sid, str) and mid not in objects.gone:
            messages_of.setdefault(sid, []).append((mid, info))
    documents = []
    for sid in sorted(objects.sessions):
        if sid in objects.gone:
            continue
        # OpenCode's ids sort in the order they were made.
        messages = [
            {"info": info, "parts": [part for _, part in sorted(parts_of.get(mid, []), key=lambda x: x[0])]}
            for mid, info in sorted(messages_of.get(sid, []), key=lambda x: x[0])
        ]
        doc = {"info": objects.sessions[sid], "messages": messages}
        documents.append(RawLog(f"{safe_component(sid)}.json", orjson.dumps(doc) + b"\n"))
    return documents


def gemini_files(logs: list[RawLog], root: Path) -> list[RawLog]:
    """A Gemini session's files with what the bucket staged put back in Gemini's own shapes: a session
    that only `logs.json` knows (its prompts, staged as a log of its own) as a `logs.json` of its
    entries, in a folder of its id; a conversation cut out of a shared session file as the session
    file it would have had (`chats/session-<id>.jsonl`, its lines as Gemini wrote them)."""
    from tracetui.sources.gemini.reader import PROMPTS_PREFIX
    from tracetui.sources.gemini.split import PART_PREFIX

    out: list[RawLog] = []
    for log in logs:
        path = Path(log.path)
        if not path.is_relative_to(root):
            out.append(log)
        elif path.name.startswith(PROMPTS_PREFIX):
            try:
                doc, _ = load_document(log.data)  # its note is the sync's to give
            except orjson.JSONDecodeError:
                continue
            entries = doc.get("entries") if isinstance(doc, dict) else None
            sid = safe_component(str(doc.get("sessionId") or path.stem.removeprefix(PROMPTS_PREFIX)))
            out.append(RawLog(f"{sid}/logs.json", orjson.dumps(entries if isinstance(entries, list) else [])))
        elif path.name.startswith(PART_PREFIX):
            sid = safe_component(path.stem.removeprefix(PART_PREFIX))
            out.append(RawLog(f"{sid}/chats/session-{sid}.jsonl", log.data))
        # Anything else the stage keeps is its own bookkeeping, not the agent's.
    return out
