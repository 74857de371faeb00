"""The four tables a query runs over (docs/dataset.md, "Queries"): a dataset's (any machine's, read
from its filesystem by pyarrow) or the bucket's own, which are a Parquet export of the whole bucket kept
in the user's cache and brought up to date before each query (only changed sessions are written again).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracetui.dataset.location import TABLES, Location
from tracetui.errors import TracetuiError
from tracetui.export import ExportOptions, ExportReport, export
from tracetui.folder_walk import walk
from tracetui.regular_file import is_plain_file
from tracetui.safe_text import exception_line

PARTITION_KEYS = ("machine", "agent", "month")  # docs/dataset.md, "Layout"

if TYPE_CHECKING:
    from tracetui.export.run import ProgressCallback
    from tracetui.library import Library


def dataset_tables(location: Location, only: frozenset[str] | None = None) -> dict[str, Any]:
    """Each table of the dataset (or of a folder holding a Parquet export) as an Arrow dataset. The
    partition keys are read from the folders too (as text), so files written without them as columns
    (an older export) still have them; where a file has them, the values are the same."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    keys = pads.partitioning(pa.schema([(k, pa.string()) for k in PARTITION_KEYS]), flavor="hive")
    out: dict[str, Any] = {}
    for table in TABLES:
        if only is not None and table not in only:
            continue  # listing a table's files is most of a small query's time on a large dataset
        folder = location.path(f"data/{table}")
        try:
            if not location.fs.isdir(folder):
                raise FileNotFoundError(folder)
            if location.local:
                out[table] = pads.dataset(_local_files(folder), format="parquet", partitioning=keys,
                                          partition_base_dir=folder)  # fmt: skip
            else:
                out[table] = pads.dataset(folder, filesystem=location.fs, format="parquet", partitioning=keys)
        except FileNotFoundError:
            raise TracetuiError(
                f"{location.url} holds no {table} table (data/{table}/): give a dataset or a Parquet export"
            ) from None
        except (OSError, ValueError, pa.ArrowException) as exc:
            # ArrowTypeError too: a file's column of another type than a partition key's (an
            # `agent` of numbers) cannot be merged with the key read from the folders.
            why = exception_line(exc)
            raise TracetuiError(f"cannot read {location.url}'s {table} table: {why}") from None
    return out


def _local_files(folder: str) -> list[str]:
    """A local table's files, as pyarrow's discovery finds them (a name starting with `.` or `_` left
    out) but for links and what is not a regular file: pyarrow's own walk follows links, out of the
    dataset and round a loop of them (two links to `.` in one folder hung `sql --dataset` for ever)."""
    out: list[str] = []
    for where, dirs, files in walk(folder):  # links to folders are listed, never entered
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        out.extend(path for name in files if not name.startswith((".", "_"))
                   and is_plain_file(path := os.path.join(where, name)))  # fmt: skip
    return sorted(out)


def bucket_cache(library: Library) -> Path:
    from platformdirs import user_cache_path

    root = str(getattr(library, "root", "") or "memory")
    return user_cache_path("tracetui") / "sql" / hashlib.sha256(root.encode()).hexdigest()[:16]


def bucket_tables(
    library: Library, progress: ProgressCallback | None = None, only: frozenset[str] | None = None
) -> tuple[dict[str, Any], ExportReport]:
    """The bucket's four tables (or those in `only`), as a Parquet export of all its sessions would give
    them (scrubbed, the suggestions accepted: the same rows a shared export holds), from the export kept
    in the cache."""
    from tracetui.dataset.location import open_location

    cache = bucket_cache(library)
    report = export(library, cache, ExportOptions("parquet", accept_suggested=True, prune=True), None, progress)
    return dataset_tables(open_location(cache), only), report
