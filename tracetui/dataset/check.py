"""`tracetui export --check URL` on a team dataset (docs/dataset.md, "Checking a dataset").

Every machine's manifest (`machines/<id>/manifest.json`) is read and its shape checked; every file it
lists must lie under that machine's own prefixes and hold the bytes of the manifest's digest; every
other file of the dataset is named (a file no manifest lists, a partition of no machine, a folder that
is no table); and every table is read whole by DuckDB, as `tracetui sql` reads it (pyarrow's datasets
over a local copy of a remote table, DuckDB's external access off). Each problem is one line: a file
and what is wrong with it. Nothing here writes to the dataset.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from dataclasses import dataclass, field
from typing import Any

import orjson

from tracetui.dataset.location import TABLES, Location, check_machine, find_files, open_location
from tracetui.dataset.publish import MANIFEST, remote_rel
from tracetui.errors import TracetuiError
from tracetui.export.manifest import manifest_problem
from tracetui.safe_text import exception_line
from tracetui.sources.common.jsonl import loads_whole

MANIFEST_LIMIT = 256 << 20  # as publish reads one: a manifest of a million files is about 200 MB
NAMED_FILES = 20  # files of a table DuckDB cannot read that are named one by one (then "and N more")
CARD = "README.md"  # the dataset's own card, at its root (card.py)


@dataclass(slots=True)
class DatasetCheck:
    url: str
    machines: list[str] = field(default_factory=list)
    files: int = 0  # files the manifests list, each read and its digest checked
    sessions: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows DuckDB read
    problems: list[dict[str, str]] = field(default_factory=list)  # {"file", "problem"}

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "dest": self.url, "machines": self.machines, "files": self.files,
                "sessions": self.sessions, "rows": self.rows, "problems": self.problems}  # fmt: skip

    def problem(self, rel: str, text: str) -> None:
        self.problems.append({"file": rel, "problem": text})


def check_dataset(url: str) -> DatasetCheck:
    """Check the dataset at `url` (module docstring); TracetuiError (one line) where there is none."""
    location = open_location(url)
    report = DatasetCheck(url)
    listing = _listing(location)
    if "machines" not in {rel.split("/", 1)[0] for rel in listing}:
        raise TracetuiError(f"{url} holds no machines/<id>/{MANIFEST}: not a team dataset (docs/dataset.md)")
    expected: dict[str, str] = {}  # dataset path -> the machine whose manifest lists it
    # A remote table's files, listed and of the right size: their digests are checked on the local copy
    # DuckDB reads next (`_read_tables`), so each is read from the remote once.
    deferred: dict[str, tuple[dict[str, Any], str]] = {}
    folders = {rel.split("/")[1] for rel in listing if rel.startswith("machines/") and rel.count("/") >= 2}
    for machine in sorted(folders):
        manifest_rel = f"machines/{machine}/{MANIFEST}"
        try:
            check_machine(machine)
        except TracetuiError:
            report.problem(f"machines/{machine}/", "not a machine's id (lowercase letters, digits, '.', '_', '-')")
            continue
        if manifest_rel not in listing:
            report.problem(f"machines/{machine}/", f"holds no {MANIFEST}")
            continue
        report.machines.append(machine)
        expected[manifest_rel] = machine
        manifest = _manifest(location, manifest_rel, report)
        if manifest is None:
            continue
        report.sessions += len(manifest["sessions"])
        for rel, meta in sorted(manifest["files"].items()):
            try:
                there = remote_rel(rel, machine)
            except TracetuiError:
                report.problem(rel, f"listed by machine {machine}'s manifest outside its own partition")
                continue
            expected[there] = machine
            report.files += 1
            if _listed_whole(there, meta, listing, machine, report):
                if not location.local and _table_of(there) is not None:
                    deferred[there] = (meta, machine)
                else:
                    _check_digest(location, there, meta, machine, report)
    for rel in sorted(set(listing) - set(expected)):
        if rel != CARD:
            report.problem(rel, _stray(rel, set(report.machines)))
    _read_tables(location, listing, report, deferred)
    return report


def _listing(location: Location) -> dict[str, int | None]:
    """Every file of the dataset, by its path inside it, with its size where the listing gives one (an
    http server's page of links gives none)."""
    # A filesystem instance is shared within a process (fsspec's cache): what it listed earlier may
    # be gone, and the check is of what is there now.
    with contextlib.suppress(Exception):
        location.fs.invalidate_cache()
    try:
        if not location.fs.isdir(location.root):
            raise TracetuiError(f"no dataset at {location.url}: nothing there")
        found = find_files(location.fs, location.root, location.url)
    except TracetuiError:
        raise
    except Exception as exc:  # a filesystem's own errors: one line, never a traceback
        raise TracetuiError(f"cannot list the dataset at {location.url}: {type(exc).__name__}: {exc}") from None
    out: dict[str, int | None] = {}
    for path, info in found.items():
        rel = location.rel(str(path))
        if rel is not None:
            size = (info or {}).get("size")
            out[rel] = None if size is None else int(size)
    return out


def _manifest(location: Location, rel: str, report: DatasetCheck) -> dict[str, Any] | None:
    try:
        with location.open_read(rel) as fh:  # no FIFO, no link out of the dataset
            data = fh.read(MANIFEST_LIMIT + 1)
    except OSError as exc:
        report.problem(rel, f"cannot be read ({exc.strerror or exc})")
        return None
    if len(data) > MANIFEST_LIMIT:
        report.problem(rel, "larger than any export's manifest")
        return None
    try:
        parsed = loads_whole(data)
    except orjson.JSONDecodeError:
        report.problem(rel, "not JSON")
        return None
    problem = manifest_problem(parsed)
    if problem is not None:
        report.problem(rel, f"damaged: {problem}")
        return None
    return parsed


def _listed_whole(rel: str, meta: dict[str, Any], listing: dict[str, int | None], machine: str,
                  report: DatasetCheck) -> bool:  # fmt: skip
    """Whether a file a manifest lists is there at the size it says (else its problem is reported). A
    size the listing does not give is no mismatch: the file's digest decides, as for every file."""
    if rel not in listing:
        report.problem(rel, f"listed by machine {machine}'s manifest but missing")
        return False
    if listing[rel] is not None and listing[rel] != meta.get("size"):
        report.problem(rel, f"its size differs from machine {machine}'s manifest")
        return False
    return True


def _table_of(rel: str) -> str | None:
    """The table whose Parquet file `rel` is (the files a table's local copy holds), else None."""
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == "data" and parts[1] in TABLES and rel.endswith(".parquet"):
        return parts[1]
    return None


def _check_digest(location: Location, rel: str, meta: dict[str, Any], machine: str,
                  report: DatasetCheck) -> None:  # fmt: skip
    h = hashlib.sha256()
    try:
        with location.open_read(rel) as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError as exc:
        report.problem(rel, f"cannot be read ({exc.strerror or exc})")
        return
    if h.hexdigest() != meta.get("sha256"):
        report.problem(rel, f"its bytes differ from machine {machine}'s manifest digest")


def _stray(rel: str, machines: set[str]) -> str:
    """Why a file no manifest lists is a problem, by where it lies."""
    parts = rel.split("/")
    if parts[0] == "data":
        if len(parts) < 4 or parts[1] not in TABLES:
            return f"not in a table's folder (data/<{'|'.join(TABLES)}>/machine=<id>/…)"
        key, _, machine = parts[2].partition("=")
        if key != "machine" or not machine:
            return "not under a machine's partition (data/<table>/machine=<id>/…)"
        if machine not in machines:
            return f"in the partition of machine {machine}, which has no {MANIFEST}"
        return f"not in machine {machine}'s manifest"
    if parts[0] == "machines" and len(parts) >= 3 and parts[1] in machines:
        return f"not in machine {parts[1]}'s manifest"
    return "not part of a dataset's layout (data/, machines/, README.md)"


def _read_tables(location: Location, listing: dict[str, int | None], report: DatasetCheck,
                 deferred: dict[str, tuple[dict[str, Any], str]]) -> None:  # fmt: skip
    """Each table read whole by DuckDB, as `tracetui sql` reads it (a remote table from a local copy:
    tracetui.dataset.mirror); where one cannot be, its files one by one, so the lines name the files.
    The `deferred` files' digests are checked on that copy (on the remote where it could not be made)."""
    import tempfile
    from pathlib import Path

    from tracetui.dataset.mirror import mirrored
    from tracetui.dataset.tables import dataset_tables

    failures = _read_errors()
    with tempfile.TemporaryDirectory(prefix="tracetui-check-") as staging:
        for table in TABLES:
            files = sorted(rel for rel in listing if rel.startswith(f"data/{table}/") and rel.endswith(".parquet"))
            if not files:
                report.problem(f"data/{table}/", "no file of this table (every machine's export writes each table)")
                continue
            mine = {rel: v for rel, v in deferred.items() if _table_of(rel) == table}
            try:
                local = mirrored(location, Path(staging), frozenset([table]))
            except TracetuiError as exc:
                report.problem(f"data/{table}/", f"cannot be copied to be read: {exception_line(exc)}")
                for rel, (meta, machine) in mine.items():
                    _check_digest(location, rel, meta, machine, report)
                continue
            for rel, (meta, machine) in mine.items():
                # A file the copy lacks (the remote changed since it was listed) is read where it is.
                copy = local if (Path(staging) / rel).is_file() else location
                _check_digest(copy, rel, meta, machine, report)
            try:
                with dataset_tables(local, frozenset([table])) as tables:
                    report.rows[table] = _read_whole(tables[table], table)
            except failures as exc:  # the reader's errors are the finding, in one line
                report.problem(f"data/{table}/", f"DuckDB cannot read the table: {exception_line(exc)}")
                _name_files(local, table, files, report)
            finally:
                shutil.rmtree(Path(staging) / "data" / table, ignore_errors=True)  # one table's copy at a time


def _read_errors() -> tuple[type[BaseException], ...]:
    import duckdb
    import pyarrow as pa

    return (TracetuiError, duckdb.Error, pa.ArrowException, OSError, ValueError)


def _read_whole(arrow_dataset: Any, name: str) -> int:
    """The rows of a table, every column decoded by DuckDB (batch by batch: memory stays flat)."""
    from tracetui.dataset.duck import connect

    con = connect({name: arrow_dataset})
    try:
        rows = 0
        for batch in con.sql(f'SELECT * FROM "{name}"').to_arrow_reader(1 << 14):
            rows += batch.num_rows
        return rows
    finally:
        con.close()


def _name_files(location: Location, table: str, files: list[str], report: DatasetCheck) -> None:
    import pyarrow.dataset as pads

    from tracetui.dataset.held import held
    from tracetui.dataset.tables import held_table

    failures = _read_errors()
    bad = 0
    for rel in files:
        path = location.path(rel)
        try:
            if not location.local:
                _read_whole(pads.dataset([path], filesystem=location.fs, format="parquet"), table)
                continue
            with held(location.root, [path]) as names:  # as dataset_tables reads it
                _read_whole(held_table([path], names, location.path(f"data/{table}"), None), table)
        except failures as exc:
            bad += 1
            if bad <= NAMED_FILES:
                report.problem(rel, f"DuckDB cannot read it: {exception_line(exc)}")
    if bad > NAMED_FILES:
        report.problem(f"data/{table}/", f"and {bad - NAMED_FILES} more files DuckDB cannot read")


