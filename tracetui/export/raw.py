"""The `raw` format: each session's own log files, in the agent's own format, redacted in place.

Placeholders go inside the JSON strings of the original records; every record and byte with nothing
to scrub stays as the agent wrote it, and a string that changes keeps its escaping style (an ASCII
string with `\\u` escapes is written with them). A value can sit inside a JSON string that is itself
inside a JSON string (Codex's tool arguments): its escaped spellings are replaced as well.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

import orjson

from tracetui.capsule.scrub import Scrubbed
from tracetui.export.manifest import safe_component
from tracetui.redact.fields import is_structural_key
from tracetui.sources import RawLog

# The folder each agent's files go in (the names the community's datasets use).
AGENT_FOLDERS = {"claude": "claude_code", "codex": "codex", "pi": "pi"}
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")  # in a file name: `<HOME>` becomes `HOME`
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def agent_folder(agent: str) -> str:
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


def _scrub_line(line: bytes, scrubbed: Scrubbed, anywhere: re.Pattern[str]) -> bytes:
    text = line.decode("utf-8", "surrogateescape")
    if not anywhere.search(text):
        return line  # nothing to scrub: the agent's bytes as they were

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        try:
            value = json.loads(token)
        except ValueError:
            return scrubbed.text(token)  # a torn string: scrubbed as the text it is
        new = scrubbed.text(value)
        if new == value:
            return token
        escaped = token.isascii() and "\\u" in token
        try:
            return json.dumps(new, ensure_ascii=escaped)
        except UnicodeEncodeError:
            return json.dumps(new, ensure_ascii=True)

    result = _STRING.sub(swap, text)
    # Outside strings a JSON record holds no text of the log; a line that is no JSON at all (a torn
    # record) may, and is scrubbed whole.
    result = scrubbed.text(result)
    return result.encode("utf-8", "surrogateescape")


def gate_view(data: bytes) -> bytes:
    """What the second gate reads of an exported log: every record with the values under structural
    keys (ids, hashes, signatures, encrypted reasoning) left out, as the detectors' own walk of a
    session leaves them out (`redact.fields`): opaque base64 there reads as a token to a pattern.
    Lines that are not JSON are read as they are."""
    out = []
    for line in data.split(b"\n"):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            out.append(line)
            continue
        out.append(orjson.dumps(_without_structural(record)))
    return b"\n".join(out)


def _without_structural(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: None if isinstance(k, str) and is_structural_key(k) else _without_structural(v)
                for k, v in obj.items()}  # fmt: skip
    if isinstance(obj, list):
        return [_without_structural(v) for v in obj]
    return obj


def layout(agent: str, files: list[RawLog], scrubbed: Scrubbed) -> list[tuple[str, RawLog]]:
    """`sessions/<agent folder>/<file>` for each file, companions placed relative to the main log
    as the agent keeps them (`<id>/subagents/agent-*.jsonl` beside `<id>.jsonl`), every component
    scrubbed and made a plain name."""
    if not files:
        return []
    base = PurePosixPath(files[0].path.replace("\\", "/")).parent
    folder = agent_folder(agent)
    placed = []
    for raw in files:
        path = PurePosixPath(raw.path.replace("\\", "/"))
        try:
            parts = path.relative_to(base).parts
        except ValueError:
            parts = (path.name,)
        clean = [safe_component(_PLACEHOLDER.sub(r"\1", scrubbed.text(p))) for p in parts if p not in ("", ".", "..")]
        clean = clean or ["_"]
        placed.append(("/".join(["sessions", folder, *clean]), raw))
    return placed
