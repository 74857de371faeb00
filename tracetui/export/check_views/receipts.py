"""What `export --check` reads of a session's receipt (`receipts/<agent>/<session>.json`, a Parquet
session row's `receipt` column): its values but the writer's own words under their keys, and the
trail's notes' parts."""

from __future__ import annotations

import functools
import re
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
    words = _receipt_words()
    for k, v in obj.items():
        if isinstance(v, str) and k in words and words[k].fullmatch(v):
            continue
        note = next((m for p in _notes_of_trail() if (m := p.fullmatch(v))), None) if k == "note" and \
            isinstance(v, str) else None  # fmt: skip
        out.append(list(note.groups()) if note is not None else _receipt_strings(v))
    return out


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
