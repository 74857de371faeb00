"""The `parquet` format: tables sessions, steps, tool_calls and patches, partitioned hive style by
agent and month (`data/<table>/agent=claude/month=2026-05/part-00000.parquet`), sharded at a
bounded number of rows per file, with a Hugging Face dataset card (README.md).

Memory stays flat however large the export: one session is in memory at a time, and rows go to
the file in row groups of bounded rows and bytes. A partition whose sessions all have the digest the
manifest records (and whose files are in place) is not written again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.export import tables
from tracetui.export.manifest import digest_of, safe_component
from tracetui.export.raw import agent_folder

if TYPE_CHECKING:
    import pyarrow as pa

    from tracetui.export.run import Exporter, Prepared, Reviewed
    from tracetui.model import SessionSummary

BATCH_ROWS = 2_000  # rows in memory per table before they are written as a row group
BATCH_BYTES = 16 << 20  # or this much text, whichever comes first
_LICENSE = re.compile(r"^[a-z0-9][a-z0-9.+\-]{0,63}$")


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise TracetuiError("the parquet format needs pyarrow (pip install pyarrow)") from None
    return pa, pq


def schema(columns: list[tables.Column]) -> pa.Schema:
    pa, _ = _pyarrow()
    types = {
        "string": pa.string(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "bool": pa.bool_(),
        "timestamp": pa.timestamp("ms", tz="UTC"),
        "list<string>": pa.list_(pa.string()),
        "tests": pa.list_(
            pa.struct([("step", pa.int32()), ("command", pa.string()), ("exit_code", pa.int32())])
        ),
    }
    return pa.schema([pa.field(name, types[kind]) for name, kind, _ in columns])


class _Shards:
    """One table of one partition: rows buffered, written in row groups, a new file every `limit` rows."""

    def __init__(self, exporter: Exporter, folder: str, columns: list[tables.Column], limit: int) -> None:
        self.exporter = exporter
        self.folder = folder
        self.schema = schema(columns)
        self.limit = limit
        self.rows: list[dict[str, Any]] = []
        self.size = 0
        self.in_file = 0
        self.shard = 0
        self.writer: Any = None
        self.tmp: Path | None = None
        self.files: list[str] = []

    def add(self, row: dict[str, Any], size: int) -> None:
        self.rows.append(row)
        self.size += size
        if len(self.rows) >= BATCH_ROWS or self.size >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        pa, pq = _pyarrow()
        rows, self.rows, self.size = self.rows, [], 0
        while rows:
            if self.writer is None:
                self.tmp = self.exporter.dest.temp_path(self._rel())
                self.writer = pq.ParquetWriter(str(self.tmp), self.schema, compression="zstd")
            take = min(len(rows), self.limit - self.in_file)
            self.writer.write_table(
                pa.Table.from_pylist(rows[:take], schema=self.schema), row_group_size=take
            )
            rows = rows[take:]
            self.in_file += take
            if self.in_file >= self.limit:
                self._close_file()

    def _rel(self) -> str:
        return f"{self.folder}/part-{self.shard:05d}.parquet"

    def _close_file(self) -> None:
        if self.writer is None or self.tmp is None:
            return
        self.writer.close()
        self.files.append(self.exporter.dest.adopt(self._rel(), self.tmp))
        self.writer, self.tmp, self.in_file = None, None, 0
        self.shard += 1

    def finish(self) -> list[str]:
        """Write what is buffered and close; a table with no rows in the partition still gets one
        empty file, so every table's glob matches and every reader finds its schema."""
        self.flush()
        if not self.files and self.writer is None:
            _, pq = _pyarrow()
            self.tmp = self.exporter.dest.temp_path(self._rel())
            self.writer = pq.ParquetWriter(str(self.tmp), self.schema, compression="zstd")
        self._close_file()
        return self.files

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)


class ParquetWriter:
    def __init__(self, exporter: Exporter) -> None:
        _pyarrow()
        if not _LICENSE.match(exporter.options.license):
            raise TracetuiError(
                "--license wants a licence id such as cc-by-4.0, mit or apache-2.0, "
                f"got {exporter.options.license!r}"
            )
        self.exporter = exporter
        self.counts = {name: 0 for name in tables.TABLES}

    def digest_extra(self, summary: SessionSummary) -> bytes:
        return b""

    def write(self, reviewed: list[Reviewed], step: Callable[[str], None]) -> None:
        groups: dict[str, list[Reviewed]] = {}
        for item in reviewed:
            groups.setdefault(self._partition(item.summary), []).append(item)
        for name in sorted(groups):
            members = groups[name]
            digest = digest_of(sorted((m.summary.id, m.digest) for m in members))
            if not self._keep(name, digest, members):
                self._write_group(name, digest, members, step)
            else:
                for m in members:
                    step(m.summary.id)
        self._card()

    @staticmethod
    def _partition(summary: SessionSummary) -> str:
        return f"agent={safe_component(summary.agent)}/month={tables.month_of(summary.started)}"

    def _keep(self, name: str, digest: str, members: list[Reviewed]) -> bool:
        dest = self.exporter.dest
        group = dest.unchanged("groups", name, digest)
        if group is None or any(dest.unchanged("sessions", m.summary.id, m.digest) is None for m in members):
            return False
        dest.keep("groups", name, group)
        for m in members:
            self.exporter.keep_session(m)
        for table, n in (group.get("rows") or {}).items():
            self.counts[table] = self.counts.get(table, 0) + int(n)
        return True

    def _write_group(
        self, name: str, digest: str, members: list[Reviewed], step: Callable[[str], None]
    ) -> None:
        ex = self.exporter
        shards = {
            t: _Shards(ex, f"data/{t}/{name}", cols, ex.options.shard_rows)
            for t, cols in tables.TABLES.items()
        }
        rows = {t: 0 for t in tables.TABLES}
        states: dict[str, int] = {}  # the patches' survival, for the card's outcome labels
        done: list[str] = []
        try:
            for item in members:
                prepared = ex.prepare(item.summary.id)
                made = self._session_rows(prepared) if prepared is not None else None
                if prepared is not None and made is not None:
                    session_rows, receipt_file, entry = made
                    for table, row, size in session_rows:
                        shards[table].add(row, size)
                        rows[table] += 1
                        if table == "patches":
                            states[row["state"]] = states.get(row["state"], 0) + 1
                    done.append(item.summary.id)
                    ex.record(prepared, item.digest, [receipt_file], entry)
                step(item.summary.id)
            files = [f for t in tables.TABLES for f in shards[t].finish()]
        except BaseException:
            for s in shards.values():
                s.abort()
            raise
        for table, n in rows.items():
            self.counts[table] += n
        ex.dest.groups[name] = {"digest": digest, "sessions": done, "files": files, "rows": rows, "states": states}

    def _session_rows(
        self, prepared: Prepared
    ) -> tuple[list[tuple[str, dict[str, Any], int]], str, dict[str, Any]] | None:
        """The session's rows (table, row, bytes), its receipt file and entry; None when the second
        gate stops it (then nothing of it is written)."""
        ex = self.exporter
        harness = agent_folder(prepared.session.agent)
        made: list[tuple[str, dict[str, Any]]] = []
        sizes: list[int] = []

        def build() -> dict[str, bytes]:
            # From the scrubbed copy as the gate last left it (it may scrub more and build again).
            made[:] = tables.rows(prepared, harness, [])
            sizes.clear()
            # Each table's lines joined as they are made: an orjson.dumps result keeps about 4 KB
            # whatever its length, so a list of them held 400 MB for a session of 100,000 rows.
            bodies: dict[str, bytearray] = {t: bytearray() for t in tables.TABLES}
            for table, row in made:
                line = orjson.dumps(row, option=orjson.OPT_SORT_KEYS)
                body = bodies[table]
                if body:
                    body += b"\n"
                body += line
                sizes.append(len(line))
            return {f"{t}.jsonl": bytes(v) for t, v in bodies.items()}

        members = ex.gated(prepared, build)
        if members is None:
            return None
        receipt_file, entry = ex.receipt(prepared, b"".join(members.values()))
        receipt = entry["receipt"]
        out = []
        for (table, row), size in zip(made, sizes):
            if table == "sessions":
                row = {
                    **row,
                    "redactions": sum(int(r["count"]) for r in receipt),
                    "receipt": orjson.dumps(receipt, option=orjson.OPT_SORT_KEYS).decode(),
                }
            out.append((table, row, size))
        return out, receipt_file, entry

    def _card(self) -> None:
        from tracetui.export.card import Contents, dataset_card

        ex = self.exporter
        agents: dict[str, int] = {}
        for entry in ex.dest.sessions.values():
            agent = str(entry.get("agent") or "unknown")
            agents[agent] = agents.get(agent, 0) + 1
        states: dict[str, int] | None = {}
        months = []
        for name, group in ex.dest.groups.items():
            months.append(name.rpartition("month=")[2])
            if states is not None and isinstance(group.get("states"), dict):
                for state, n in group["states"].items():
                    states[str(state)] = states.get(str(state), 0) + int(n)
            elif group.get("rows", {}).get("patches"):
                states = None  # a group an earlier version wrote: its patches were not counted by state
        about = Contents(agents, states, sorted(m for m in months if m != "unknown"))
        ex.dest.write("README.md", dataset_card(ex.options.license, ex.options.ref, self.counts, about).encode())
