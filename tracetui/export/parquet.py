"""The `parquet` format: tables sessions, steps, tool_calls and patches, partitioned hive style by
agent and month (`data/<table>/agent=claude/month=2026-05/part-00000.parquet`; the keys are
columns of every row too), sharded at a bounded number of rows per file, with a Hugging Face
dataset card (README.md).

Memory stays flat however large the export: one session is in memory at a time, and rows go to
the file in row groups of bounded rows and bytes. A partition whose sessions all have the digest the
manifest records (and whose files are in place) is not written again. A partition written again
keeps the rows of the sessions an earlier export put there and this one does not choose (or now
refuses), read back from the earlier files (parquet_rows, in a bounded child), unless pruned.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from tracetui import folder_fd
from tracetui.errors import TracetuiError
from tracetui.export import tables, write_pool
from tracetui.export.ahead import one_ahead
from tracetui.export.parquet_made import Ahead, Made, ahead_of, made_of
from tracetui.export.manifest import digest_of
from tracetui.export.parquet_rows import ParquetRows, Unreadable

if TYPE_CHECKING:
    import pyarrow as pa

    from tracetui.export.run import Exporter, Reviewed
    from tracetui.model import SessionSummary

BATCH_ROWS = 2_000  # rows in memory per table before they are written as a row group
BATCH_BYTES = 16 << 20  # or this much text, whichever comes first


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
        "float64": pa.float64(),
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
        from tracetui.export.card import license_id

        _pyarrow()
        license_id(exporter.options.license)
        self.exporter = exporter

    def digest_extra(self, summary: SessionSummary) -> bytes:
        return b""

    def write(self, reviewed: list[Reviewed], step: Callable[[str], None]) -> None:
        groups: dict[str, list[Reviewed]] = {}
        for item in reviewed:
            groups.setdefault(self._partition(item.summary), []).append(item)
        old_sessions = (self.exporter.dest.old or {}).get("sessions", {})
        # Each partition's digest and whether its files stay, known first: the sessions of the
        # partitions to write are made ahead (here or on the write workers) across partitions.
        plan: list[tuple[str, str, list[Reviewed], bool]] = []
        for name in sorted(groups):
            members = groups[name]
            kept = [(sid, str(old_sessions[sid].get("digest"))) for sid in self._carried_in(name)]
            # The same as an earlier export's digest of the partition when it chose these sessions too.
            digest = digest_of(sorted([(m.summary.id, m.digest) for m in members] + kept))
            plan.append((name, digest, members, self._unchanged(name, digest, members)))
        to_write = [m for _, _, members, same in plan if not same for m in members]
        with contextlib.closing(self._made(to_write)) as made:
            for name, digest, members, same in plan:
                if same:
                    self._keep(name, digest, members)
                    for m in members:
                        step(m.summary.id)
                else:
                    self._write_group(name, digest, members, itertools.islice(made, len(members)), step)
        if self.exporter.dest.sessions:  # a card for a folder of sessions: an export of none makes nothing
            self._card()

    def _made(self, items: list[Reviewed]) -> Generator[tuple[Reviewed, Made | None], None, None]:
        """Each session's rows and receipt (None: refused), in order: on the write workers where the
        export is big enough to pay for them (export/write_pool.py), else here, one session ahead."""
        pool = write_pool.start(self.exporter, [item.summary for item in items])
        if pool is not None:  # stopped by the export, when it ends
            yield from pool.made(items, self._keys_of, self._made_here)
            return
        # One session ahead: its rows are built and their scans started on the workers before
        # the one before is judged and written, so the workers scan while this process builds.
        for item, ahead in one_ahead(items, self._ahead):
            yield item, made_of(self.exporter, ahead)

    def _ahead(self, item: Reviewed) -> Ahead:
        return ahead_of(self.exporter, item.summary.id, self._keys_of(item))

    def _made_here(self, item: Reviewed) -> Made | None:
        return made_of(self.exporter, self._ahead(item))

    def _keys_of(self, item: Reviewed) -> dict[str, Any]:
        """The partition's keys every row of the session carries (and the user's, in a dataset)."""
        keys: dict[str, Any] = dict(self._keys(item.summary))
        options = self.exporter.options
        return {"user": options.user, **keys} if options.machine is not None else keys

    def _old_group(self, name: str) -> dict[str, Any]:
        group = (self.exporter.dest.old or {}).get("groups", {}).get(name)
        return group if isinstance(group, dict) else {}

    def _carried_in(self, name: str) -> list[str]:
        """The sessions of partition `name` an earlier export wrote that this one carries over."""
        carried = self.exporter.dest.carried
        return sorted(str(s) for s in self._old_group(name).get("sessions", []) if str(s) in carried)

    def _keys(self, summary: SessionSummary) -> dict[str, str]:
        return tables.partition(summary.agent, summary.started, self.exporter.options.machine)

    def _partition(self, summary: SessionSummary) -> str:
        return "/".join(f"{k}={v}" for k, v in self._keys(summary).items())

    def _unchanged(self, name: str, digest: str, members: list[Reviewed]) -> bool:
        """Whether the partition's files, and each of its sessions', are the ones an earlier export made."""
        dest = self.exporter.dest
        group = dest.unchanged("groups", name, digest)
        if group is None:
            return False
        return all(dest.unchanged("sessions", m.summary.id, m.digest) is not None for m in members)

    def _keep(self, name: str, digest: str, members: list[Reviewed]) -> None:
        dest = self.exporter.dest
        group = dest.unchanged("groups", name, digest)
        assert group is not None  # `_unchanged` said so
        dest.keep("groups", name, group)
        for m in members:
            self.exporter.keep_session(m)

    def _write_group(
        self,
        name: str,
        digest: str,
        members: list[Reviewed],
        made: Iterator[tuple[Reviewed, Made | None]],
        step: Callable[[str], None],
    ) -> None:
        ex = self.exporter
        dataset = ex.options.machine is not None
        shards = {
            t: _Shards(ex, f"data/{t}/{name}", tables.columns_of(t, dataset), ex.options.shard_rows)
            for t in tables.TABLES
        }
        rows = {t: 0 for t in tables.TABLES}
        states: dict[str, int] = {}  # the patches' survival, for the card's outcome labels
        done: list[str] = []
        earlier = self._old_group(name)
        # The earlier files, linked aside before any new shard takes their names.
        snapshot = _snapshot(ex, [str(f) for f in earlier.get("files", [])])
        try:
            for item, session in made:
                if session is not None:
                    receipt_file = ex.dest.write(session.receipt_rel, session.receipt)
                    for table, row, size in session.rows:
                        shards[table].add(row, size)
                        rows[table] += 1
                        if table == "patches":
                            states[row["state"]] = states.get(row["state"], 0) + 1
                    done.append(item.summary.id)
                    files = [receipt_file]
                    ex.record_as(session.session_id, session.agent, item.digest, files, session.entry)
                step(item.summary.id)
            # Sessions an earlier export put here that this one does not choose, or now refuses (their
            # earlier export stays): their rows as that export wrote them.
            refused = {str(s) for s in earlier.get("sessions", [])} & {m.summary.id for m in members} - set(done)
            keep = set(self._carried_in(name)) | {sid for sid in refused if ex.dest.carry_session(sid)}
            for table, row in _earlier_rows(snapshot, keep, dataset):
                shards[table].add(row, len(orjson.dumps(row, default=str)))
                rows[table] += 1
                if table == "patches":
                    states[row["state"]] = states.get(row["state"], 0) + 1
            done += sorted(keep)
            if not done:
                raise _Nothing
            files = [f for t in tables.TABLES for f in shards[t].finish()]
        except _Nothing:
            for s in shards.values():
                s.abort()
            return
        except BaseException:
            for s in shards.values():
                s.abort()
            raise
        finally:
            for tmp in snapshot.values():
                tmp.unlink(missing_ok=True)
        ex.dest.groups[name] = {"digest": digest, "sessions": done, "files": files, "rows": rows, "states": states}

    def _card(self) -> None:
        from tracetui.export.card import contents, dataset_card

        ex = self.exporter
        counts = {name: 0 for name in tables.TABLES}  # rows of every partition, carried ones too
        for group in ex.dest.groups.values():
            for table, n in (group.get("rows") or {}).items():
                if table in counts:
                    counts[table] += int(n)
        states: dict[str, int] | None = {}
        months = []
        for name, group in ex.dest.groups.items():
            months.append(name.rpartition("month=")[2])
            if states is not None and isinstance(group.get("states"), dict):
                for state, n in group["states"].items():
                    states[str(state)] = states.get(str(state), 0) + int(n)
            elif group.get("rows", {}).get("patches"):
                states = None  # a group an earlier version wrote: its patches were not counted by state
        about = contents(ex.dest.sessions, months, states)
        card = dataset_card(ex.options.license, ex.options.ref, counts, about, ex.library.cache_dir)
        ex.dest.write("README.md", card.encode())


class _Nothing(Exception):
    """A partition none of whose sessions is written: no file of it is made."""


def _snapshot(ex: Exporter, rels: list[str]) -> dict[str, Path]:
    """Each earlier parquet file of a partition, copied to a temporary name beside it."""
    from tracetui.export.manifest import inside

    out: dict[str, Path] = {}
    try:
        for rel in rels:
            if not rel.endswith(".parquet"):
                continue
            inside(ex.dest.root, rel)
            try:  # through the folders, a regular file only: a link swapped in since is refused
                earlier = folder_fd.open_read(ex.dest.root, rel.split("/"))
            except FileNotFoundError:
                continue
            with earlier:
                out[rel] = tmp = ex.dest.temp_path(rel)
                with open(tmp, "r+b") as copy:
                    shutil.copyfileobj(earlier, copy, 1 << 20)
    except BaseException:
        for tmp in out.values():
            tmp.unlink(missing_ok=True)
        raise
    return out


def _earlier_rows(
    snapshot: dict[str, Path], sessions: set[str], dataset: bool = False
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The rows of `sessions` in an earlier export's files of a partition (table, row), decoded in the
    bounded child `--check` uses: the folder may be someone else's dataset."""
    if not sessions:
        return
    with ParquetRows() as reader:  # one child for all the files (its start is most of a small file's cost)
        yield from _rows_of(reader, snapshot, sessions, dataset)


def _rows_of(
    reader: ParquetRows, snapshot: dict[str, Path], sessions: set[str], dataset: bool
) -> Iterator[tuple[str, dict[str, Any]]]:
    for rel, tmp in sorted(snapshot.items()):
        table = rel.split("/")[1] if rel.count("/") >= 2 else ""
        if table not in tables.TABLES:
            continue
        columns = tables.columns_of(table, dataset)
        times = [name for name, kind, _ in columns if kind == "timestamp"]
        try:
            for _, chunk in reader.rows(tmp):
                for line in chunk.splitlines():
                    row = orjson.loads(line)
                    if row.get("session_id") not in sessions:
                        continue
                    for name in times:
                        if isinstance(row.get(name), str):
                            row[name] = datetime.fromisoformat(row[name])
                    yield table, row
        except (Unreadable, orjson.JSONDecodeError, ValueError) as exc:
            raise TracetuiError(
                f"the earlier export's {rel} cannot be read to keep its sessions ({exc}); "
                "export with --prune to leave them out"
            ) from None
