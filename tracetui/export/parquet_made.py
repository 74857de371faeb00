"""A Parquet session's rows made from its scrubbed copy and passed by the second gate, in the exporting
process or in a write worker (export/write_pool.py): the same code for both, so the same bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from tracetui.export import tables
from tracetui.export.raw import agent_folder

if TYPE_CHECKING:
    from tracetui.export.run import Exporter, Prepared, Warmed

Row = tuple[str, dict[str, Any], int]  # a table's name, one row of it, the row's bytes as JSON


@dataclass(slots=True)
class Made:
    """What a session gives its partition, made here or by a write worker (export/write_pool.py):
    its rows (table, row, bytes as JSON), its receipt file's path and bytes, and its report entry."""

    session_id: str
    agent: str
    rows: list[Row]
    receipt_rel: str
    receipt: bytes
    entry: dict[str, Any]


@dataclass(slots=True)
class Ahead:
    """A session of a partition made ready before the one before it is written: prepared (None:
    refused), its rows as `build` last made them from the scrubbed copy, its gate's scans started."""

    prepared: Prepared | None
    keys: dict[str, Any]
    made: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    warmed: Warmed | None = None

    def build(self) -> dict[str, bytes]:
        """The session's tables as JSON lines, from the scrubbed copy as the gate last left it (it may
        scrub more and build again); `made` and `sizes` keep the rows and their sizes."""
        assert self.prepared is not None
        harness = agent_folder(self.prepared.session.agent)
        made = tables.rows(self.prepared, harness, [])
        self.made[:] = [(table, {**row, **self.keys}) for table, row in made]
        self.sizes.clear()
        # Each table's lines joined as they are made: an orjson.dumps result keeps about 4 KB
        # whatever its length, so a list of them held 400 MB for a session of 100,000 rows.
        bodies: dict[str, bytearray] = {t: bytearray() for t in tables.TABLES}
        for table, row in self.made:
            line = orjson.dumps(row, option=orjson.OPT_SORT_KEYS)
            body = bodies[table]
            if body:
                body += b"\n"
            body += line
            self.sizes.append(len(line))
        return {f"{t}.jsonl": bytes(v) for t, v in bodies.items()}


def ahead_of(ex: Exporter, session_id: str, keys: dict[str, Any]) -> Ahead:
    """The session prepared, its rows' builder made and its gate's scans started (`Exporter.warm`)."""
    prepared = ex.prepare(session_id)
    ahead = Ahead(prepared, keys)
    if prepared is not None:
        ahead.warmed = ex.warm(prepared, ahead.build)
    return ahead


def made_of(ex: Exporter, ahead: Ahead) -> Made | None:
    """The session's rows, its receipt file and entry; None when it was not prepared or the second
    gate stops it (then nothing of it is written). Each row carries its partition's keys."""
    if ahead.prepared is None:
        return None
    members = ex.gated(ahead.prepared, ahead.build, warmed=ahead.warmed)
    if members is None:
        return None
    receipt_rel, receipt_bytes, entry = ex.receipt_file(ahead.prepared, b"".join(members.values()))
    receipt = entry["receipt"]
    out = []
    for (table, row), size in zip(ahead.made, ahead.sizes):
        if table == "sessions":
            row = {
                **row,
                "redactions": sum(int(r["count"]) for r in receipt),
                "receipt": orjson.dumps(receipt, option=orjson.OPT_SORT_KEYS).decode(),
            }
        out.append((table, row, size))
    session = ahead.prepared.session
    return Made(session.id, session.agent, out, receipt_rel, receipt_bytes, entry)
