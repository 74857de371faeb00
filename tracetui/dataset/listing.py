"""The listing of a dataset's sessions (dataset/library.py): its columns and how a batch of sessions
files is read into it, the order its sessions files are read in, newest months first, and the copies
of it kept between opens in the user's cache folder, a file per machine (docs/dataset.md, "The app
over a dataset").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tracetui.dataset.files import DataFile, Layout
from tracetui.dataset.rows import projection
from tracetui.errors import Stopped, TracetuiError

_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}\Z")  # \Z: `$` matches before a last newline too

LISTINGS_KEPT = 4096  # machines' listings a cache folder keeps (the least recently written go)
LISTING_VERSION = "3"  # the listing's columns (LISTED), one file per machine: a new version reads again

# The sessions table's listing columns and the type each is read as (a column of another type is
# read as absent, a column missing from the dataset as null).
LISTED: dict[str, str] = {
    "session_id": "VARCHAR", "agent": "VARCHAR", "harness": "VARCHAR", "project": "VARCHAR",
    "cwd": "VARCHAR", "title": "VARCHAR", "started": "TIMESTAMP", "ended": "TIMESTAMP",
    "version": "VARCHAR", "models": "VARCHAR[]", "steps": "BIGINT", "tool_calls": "BIGINT",
    "edits": "BIGINT", "tokens_input": "BIGINT", "tokens_output": "BIGINT", "tokens_cache_read": "BIGINT",
    "tokens_cache_write": "BIGINT", "git_branch": "VARCHAR", "git_commit": "VARCHAR", "git_remote": "VARCHAR",
    "machine": "VARCHAR", "user": "VARCHAR", "ref": "VARCHAR", "outcome_note": "VARCHAR", "cost_usd": "DOUBLE",
}  # fmt: skip

# Each machine's columns between its files read so far, and its first file's schema's signature.
Schemas = dict[str | None, tuple[set[str], tuple[str, ...]]]
Sql = Callable[[str, Any], list[dict[str, Any]]]


def learn(sql: Sql, schemas: Schemas, files: list[DataFile]) -> None:
    """The columns of one file of each machine not met yet (each export run's, each tracetui
    version's files are alike), all in one read of their footers: each file's own columns, and its
    schema's signature (its fields' names and types), to tell whether the files agree. A machine's
    columns are its own file's: a read of its files alone (`_insert` reads each file alone where a
    batch fails) names no column another machine's files hold and its own lack."""
    new: dict[str | None, str] = {}
    for f in files:
        machine = f.key("machine")
        if machine not in schemas:
            new.setdefault(machine, f.path)
    if not new:
        return
    fields: dict[str, list[tuple[str, str, str, str]]] = {}
    # `$paths`: the names listed, where `$files` may be read by other names (library._checked).
    listed = sorted(set(new.values()))
    for r in sql("SELECT $paths[list_position($files, file_name)] AS file, name, type, converted_type, "
                 "num_children AS kids FROM parquet_schema($files) ORDER BY file_name, column_id",
                 {"files": listed, "paths": listed}):  # fmt: skip
        kind, converted, kids = ("" if r[k] is None else str(r[k]) for k in ("type", "converted_type", "kids"))
        fields.setdefault(str(r["file"]), []).append((str(r["name"]), kind, converted, kids))
    for machine, path in new.items():
        found = fields.get(path, [])
        sign = tuple(":".join(v for v in f if v) for f in sorted(found)) if found else ("?", path)
        schemas[machine] = (_top_level(found[1:]), sign)


def _top_level(fields: list[tuple[str, str, str, str]]) -> set[str]:
    """The columns of a file, from its schema's fields below the root in order (each field's children
    follow it: those of a list or a struct are no column)."""
    out: set[str] = set()
    below = 0  # fields still to pass that are children of a column
    for name, _, _, kids in fields:
        if below:
            below += int(kids or 0) - 1
            continue
        out.add(name)
        below = int(kids or 0)
    return out


def insert_listing(sql: Sql, schemas: Schemas, files: list[DataFile], url: str) -> None:
    """Add these sessions files' listing columns to the library's table `s`, in one read of them all."""
    learn(sql, schemas, files)
    known = [schemas[m] for m in {f.key("machine") for f in files}]
    present = set().union(*(columns for columns, _ in known))
    uniform = all(sign == known[0][1] for _, sign in known)
    if "session_id" not in present:
        raise TracetuiError(f"the sessions table of {url} has no session_id column: not a tracetui dataset")
    columns = projection(LISTED, present)

    # The partition folders' keys where the rows do not carry them (a machine's own partition).
    def load(union: bool) -> None:
        sql(
            f"INSERT INTO s SELECT * EXCLUDE (filename, n) REPLACE ("
            f"coalesce(machine, nullif(regexp_extract(file, '(^|/)machine=([^/]+)/', 2), '')) AS machine, "
            f"coalesce(\"user\", nullif(regexp_extract(file, '(^|/)user=([^/]+)/', 2), '')) AS \"user\", "
            f"coalesce(agent, nullif(regexp_extract(file, '(^|/)agent=([^/]+)/', 2), ''), harness) AS agent) "
            f"FROM (SELECT {columns}, filename FROM read_parquet($files, union_by_name={union}, "
            "filename=true, hive_partitioning=false)) "
            "JOIN (SELECT unnest($files) AS n, unnest($paths) AS file) ON n = filename "
            "WHERE session_id IS NOT NULL",
            {"files": [f.path for f in files], "paths": [f.path for f in files]},
        )

    try:
        # Files of one schema (what one version of tracetui writes) read as the first says: matching
        # every file's columns by name costs twice the read on a dataset of small partitions.
        load(not uniform)
    except Stopped:
        raise
    except TracetuiError:
        if not uniform:
            raise
        load(True)  # files of different columns (or types) within a machine: each read by name


def listing_files(cache: Path, layout: Layout) -> dict[Path, list[DataFile]]:
    """Where the listing of each machine's sessions files, as they are now, is kept in `cache` (one
    file per machine, keyed by its files' names, sizes and times: a machine that exports again
    changes only its own, and the next open reads only its files); the files each one lists."""
    import hashlib

    machines: dict[str | None, list[DataFile]] = {}
    for f in layout.files["sessions"]:
        machines.setdefault(f.key("machine"), []).append(f)
    out: dict[Path, list[DataFile]] = {}
    for machine, files in machines.items():
        h = hashlib.sha256(f"{LISTING_VERSION}\0{layout.url}\0{machine}".encode())
        for f in files:
            h.update(f"\0{f.path}\0{f.stamp}".encode())
        out[cache / f"listing-{h.hexdigest()[:32]}.parquet"] = files
    return out


def keep_listings(sql: Callable[[str, Any], Any], kept: dict[Path, list[DataFile]]) -> None:
    """Write each machine's listing (the rows of its files in the library's table `s`, read through
    `sql`) beside the others, whole or not at all, and drop the oldest past LISTINGS_KEPT."""
    import os

    folder = next(iter(kept)).parent
    folder.mkdir(parents=True, exist_ok=True)
    for path, files in kept.items():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            sql(f"COPY (SELECT * FROM s WHERE file IN (SELECT unnest($listed))) TO '{_quoted(str(tmp))}' "
                         "(FORMAT parquet)", {"listed": [f.path for f in files]})  # fmt: skip
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    others = sorted(folder.glob("listing-*.parquet"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[LISTINGS_KEPT:]:
        old.unlink(missing_ok=True)


def newest_first(files: list[DataFile]) -> tuple[list[DataFile], list[list[DataFile]]]:
    """The sessions files that come first (no month folder: where their rows fall is not known), and
    the others month by month, newest first; a month that is not YYYY-MM (no start time) last."""
    first: list[DataFile] = []
    months: dict[str, list[DataFile]] = {}
    for f in files:
        month = f.key("month")
        if month is None:
            first.append(f)
        else:
            months.setdefault(month if _MONTH.match(month) else "", []).append(f)
    return first, [months[m] for m in sorted(months, reverse=True)]


def _quoted(text: str) -> str:
    return text.replace("'", "''")
