"""What `export --check` reads of a session's receipt (`receipts/<agent>/<session>.json`, a Parquet
session row's `receipt` column): its values but the writer's own words under their keys, and the
trail's notes' parts."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import orjson

from tracetui.export.check_views.shapes import READ, either, finding_kind, shape
from tracetui.redact.finding import TIERS
from tracetui.redact.plan import DECIDERS
from tracetui.sources.common.jsonl import TooDeep, loads_whole
from tracetui.sources.registry import READER_MODULES


@functools.cache
def _receipt_words() -> dict[str, re.Pattern[str]]:
    """A receipt's own words, by key: what the writer puts there from its own vocabulary."""
    return {
        "agent": re.compile(either(READER_MODULES)),
        "decided_by": re.compile(either(DECIDERS)),
        "tier": re.compile(either(TIERS)),
        "kind": re.compile(finding_kind()),
        "placeholder": re.compile(r"<[A-Z][A-Z0-9_]*>"),
    }


def receipt_view(data: bytes) -> bytes:
    """What the check reads of a session's receipt: every value but the receipt's own words under their
    keys (`_receipt_words`), its keys left out, as one JSON line; a file that is no JSON, or nested too
    deep to write again (a trail's note read as a list of its parts nests one level more), as it is."""
    try:
        return orjson.dumps(_receipt_strings(loads_whole(data)))
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return data


@functools.cache
def _notes_of_trail() -> list[re.Pattern[str]]:
    """The notes the trail writes on where it judged a session (`trail.mapping`'s templates): the
    folders, paths and the session's id are the log's, read."""
    from tracetui.trail import mapping

    command = re.escape(" ".join(mapping.TRAIL_COMMAND)) + " (.*)"
    hint = shape(mapping.CLONE_HINT, command=command)
    return [re.compile(p, re.S) for p in (
        shape(mapping.NOT_FOUND, where=READ, hint=hint),
        shape(mapping.READ_IN, logged=READ, clone=READ),
        shape(mapping.NONE_HELD, where=READ, n="[0-9]+", path=READ),
    )]  # fmt: skip


def _receipt_strings(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_receipt_strings(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out: list[Any] = []
    for k, v in obj.items():
        if not isinstance(v, str):
            out.append(_receipt_strings(v))
        elif (read := _read_under(k, v)) is not None:
            out.append(read)
    return out


def _read_under(key: str, value: str) -> str | list[str] | None:
    """What is read of a string `value` under `key`: None where it is one of the receipt's own words
    there, a trail note's parts, else the string."""
    words = _receipt_words()
    if key in words and words[key].fullmatch(value):
        return None
    if key == "note":
        note = next((m for p in _notes_of_trail() if (m := p.fullmatch(value))), None)
        if note is not None:
            return list(note.groups())
    return value


# A JSON string as it is written: no raw line break can be in one.
_STRING = re.compile(rb'"(?:[^"\\\n]|\\.)*"')


def receipt_lined(data: bytes) -> tuple[bytes, list[int]] | None:
    """What the check reads of a receipt file, the strings `receipt_view` keeps, one JSON string a
    line, with the file's line of each: a finding is said on the line a user opens. None where the
    file is no JSON, or its strings cannot be told apart by line (a key written twice)."""
    try:
        obj = loads_whole(data)
    except orjson.JSONDecodeError:
        return None
    lines, line, counted = [], 1, 0
    for m in _STRING.finditer(data):
        line += data.count(b"\n", counted, m.start())
        counted = m.start()
        lines.append(line)
    kept: list[tuple[int, str]] = []
    todo = iter(lines)
    if not _kept_strings(obj, todo, kept) or next(todo, None) is not None:
        return None
    return b"\n".join(orjson.dumps(s) for _, s in kept), [n for n, _ in kept]


def _kept_strings(obj: Any, lines: Iterator[int], kept: list[tuple[int, str]]) -> bool:
    """`kept` given each string of `obj` read (`_receipt_strings`) with its line, the file's strings'
    lines (keys and values, in the file's order) taken from `lines`; False where they ran out."""
    if isinstance(obj, list):
        return all(_kept_strings(v, lines, kept) for v in obj)
    if isinstance(obj, str):  # a string in a list: read as it is
        line = next(lines, None)
        kept.append((line or 0, obj))
        return line is not None
    if not isinstance(obj, dict):
        return True
    for k, v in obj.items():
        if next(lines, None) is None:  # the key
            return False
        if not isinstance(v, str):
            if not _kept_strings(v, lines, kept):
                return False
            continue
        line = next(lines, None)
        read = _read_under(k, v)
        if line is None:
            return False
        kept += [(line, s) for s in ([read] if isinstance(read, str) else read or [])]
    return True


_RECEIPT_COLUMN = b'"receipt":'


def rows_view(rows: bytes) -> bytes:
    """A Parquet file's rows as JSON lines (`parquet_rows`), each row's `receipt` column (a session's
    receipt rows, as JSON text) read as a receipt file is (`receipt_view`): the writer's words in it
    are left out, its other values read. A row the check cannot read so is left as it is."""
    if _RECEIPT_COLUMN not in rows:
        return rows
    out = []
    for line in rows.split(b"\n"):
        if _RECEIPT_COLUMN in line:
            try:
                row = loads_whole(line)
                if isinstance(row, dict) and isinstance(row.get("receipt"), str):
                    row["receipt"] = _receipt_strings(loads_whole(row["receipt"]))
                    line = orjson.dumps(row)
            except (orjson.JSONDecodeError, orjson.JSONEncodeError, TooDeep):
                pass
        out.append(line)
    return b"\n".join(out)
