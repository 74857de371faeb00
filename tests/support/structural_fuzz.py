"""Structural mutants of agents' logs, for the bounded fuzz tests: one record of a JSONL log (or one
item of a JSON document's longest list of objects) changed in its structure (a field dropped, given
a value of another type, a record type or a block type renamed, a time malformed, an id taken from
another record, a value nested past what orjson writes), or the file changed as a whole (a torn last
line, a blank or non-JSON line, a BOM, CRLF, bytes that are not UTF-8, a record repeated or moved).
Seeded: a mutant is its (seed, number), so every failure reproduces."""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from support.deep_values import deep_json

ODD: list[Any] = [
    None, True, 0, -1, 2**63 - 1, 2**64 - 1, 1.5, -1.7e308, "", "x", "\x1b[2J\x1b]0;t\x07", "[b]m[/b]", [],
    [1, "a", None], {}, {"a": {"b": [1]}}, {"type": "text", "text": "t"},
]  # fmt: skip
ODD_TIMES: list[Any] = [
    "99999-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "", "not a time", "1" * 40, -1, 2**64 - 1, 1e20, None,
    "2026-01-01T00:00:00", "20260101", "\ufffd2026-01-01T00:00:00Z",
]  # fmt: skip
_TIME_KEY = re.compile(r"(?i)time|date|created|updated|start|end")
_ID_KEY = re.compile(r"(?i)(^|_)(id|uuid)$|Id$|Uuid$|parent|call_id|callId|tool_use_id|toolCallId")
_TYPE_KEYS = ("type", "role", "kind", "record_type", "subtype", "status", "name")
_RAW = "\u0001RAW\u0001"  # where a value written as raw JSON text (nested past orjson's writer) goes


@dataclass(frozen=True, slots=True)
class Mutant:
    data: bytes
    what: str  # what was changed, for the failure message


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:4]):
            out += _paths(v, (*path, i))
    return out


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def _pool(values: list[Any]) -> dict[str, list[Any]]:
    """The record types and ids a log uses, sorted: what a renamed type or a stolen id is taken from."""
    found: dict[str, set[Any]] = {}
    stack = list(values)
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, x in v.items():
                if isinstance(x, str) and len(x) < 80 and (k in _TYPE_KEYS or _ID_KEY.search(k)):
                    found.setdefault("ids" if _ID_KEY.search(k) else k, set()).add(x)
                stack.append(x)
        elif isinstance(v, list):
            stack.extend(v[:20])
    return {k: sorted(v) for k, v in found.items()}


def _changed(record: Any, rng: random.Random, pool: dict[str, list[Any]]) -> tuple[Any, str, bytes | None]:
    """One structural change inside a record: (the record, what, raw JSON text for _RAW)."""
    record = copy.deepcopy(record)
    paths = [p for p in _paths(record) if p]
    if not paths:
        return rng.choice(ODD), "the record replaced", None
    op = rng.choice(["drop", "odd", "odd", "type", "time", "id", "deep", "whole"])
    keyed = {
        "type": [p for p in paths if p[-1] in _TYPE_KEYS],
        "time": [p for p in paths if isinstance(p[-1], str) and _TIME_KEY.search(p[-1])],
        "id": [p for p in paths if isinstance(p[-1], str) and _ID_KEY.search(p[-1])],
    }
    if op in keyed and not keyed[op]:
        op = "odd"
    path = rng.choice(keyed.get(op) or paths)
    parent, key = _at(record, path[:-1]), path[-1]
    if op == "drop":
        del parent[key]
        return record, f"drop {path}", None
    if op == "whole":
        value: Any = rng.choice([None, [], "record", 5, [record]])
        return value, f"the record -> {value!r:.30}", None
    raw = None
    if op == "type":
        value = rng.choice(["zz_unknown", *pool.get(str(key), [])])
    elif op == "time":
        value = rng.choice(ODD_TIMES)
    elif op == "id":
        value = rng.choice([*pool.get("ids", ["x"]), "", None, 7, parent[key]])
    elif op == "deep":
        value, raw = _RAW, deep_json(rng.choice([300, 1_100]))
    else:
        value = rng.choice(ODD)
    parent[key] = value
    return record, f"{op} {path} = {value!r:.30}", raw


def _dumped(value: Any, raw: bytes | None) -> bytes:
    data = orjson.dumps(value)
    return data.replace(orjson.dumps(_RAW), raw, 1) if raw is not None else data


def _jsonl(data: bytes, rng: random.Random) -> Mutant:
    lines = data.rstrip(b"\n").split(b"\n")
    parsed = []
    for n, line in enumerate(lines):
        try:
            parsed.append((n, orjson.loads(line)))
        except orjson.JSONDecodeError:
            continue
    whole: dict[str, Callable[[], tuple[list[bytes], str]]] = {
        "torn": lambda: (lines[:-1] + [lines[-1][: rng.randrange(max(1, len(lines[-1])))]], "torn last line"),
        "blank": lambda: _insert(lines, rng, b""),
        "junk": lambda: _insert(lines, rng, rng.choice([b"not json", b"{", b"[1]", b"null", b'{"type":'])),
        "repeat": lambda: _insert(lines, rng, rng.choice(lines)),
        "move": lambda: _insert(lines, rng, lines.pop(rng.randrange(len(lines)))),
        "drop": lambda: _dropped(lines, rng),  # a call without its result, a result without its call
        "bytes": lambda: _insert(lines, rng, b'{"type": "\xff\xfe\xc3("}'),
    }
    op = rng.choice(["record"] * 6 + sorted(whole) + ["bom", "crlf"])
    if op == "bom":
        return Mutant(b"\xef\xbb\xbf" + data, "a BOM")
    if op == "crlf":
        return Mutant(data.replace(b"\n", b"\r\n"), "CRLF")
    if op == "record" and parsed:
        n, record = rng.choice(parsed)
        value, what, raw = _changed(record, rng, _pool([r for _, r in parsed]))
        lines[n] = _dumped(value, raw)
        return Mutant(b"\n".join(lines) + b"\n", f"line {n}: {what}")
    out, what = whole[op if op in whole else "junk"]()
    return Mutant(b"\n".join(out) + b"\n", what)


def _dropped(lines: list[bytes], rng: random.Random) -> tuple[list[bytes], str]:
    n = rng.randrange(len(lines))
    return lines[:n] + lines[n + 1 :], f"line {n} dropped"


def _insert(lines: list[bytes], rng: random.Random, line: bytes) -> tuple[list[bytes], str]:
    n = rng.randrange(len(lines) + 1)
    return lines[:n] + [line] + lines[n:], f"{line[:20]!r} put at line {n}"


def _document(data: bytes, rng: random.Random) -> Mutant:
    doc = orjson.loads(data)
    if rng.random() < 0.15:
        return Mutant(data[: rng.randrange(max(1, len(data)))], "the document torn")
    lists = [p for p in _paths(doc) if isinstance(_at(doc, p), list) and _at(doc, p)
             and isinstance(_at(doc, p)[0], dict)]  # fmt: skip
    if not lists:
        value, what, raw = _changed(doc, rng, _pool([doc]))
        return Mutant(_dumped(value, raw), f"document: {what}")
    where = max(lists, key=lambda p: len(_at(doc, p)))
    items = _at(doc, where)
    n = rng.randrange(len(items))
    if rng.random() < 0.2:
        items.insert(rng.randrange(len(items) + 1), items.pop(n))
        return Mutant(orjson.dumps(doc), f"{where}[{n}] moved")
    items[n], what, raw = _changed(items[n], rng, _pool([doc]))
    return Mutant(_dumped(doc, raw), f"{where}[{n}]: {what}")


def mutant(data: bytes, jsonl: bool, rng: random.Random) -> Mutant:
    """One structural mutant of a log's bytes (JSONL, else one JSON document)."""
    return _jsonl(data, rng) if jsonl else _document(data, rng)
