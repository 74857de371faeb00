"""The four tables a query runs over (docs/dataset.md, "Queries"): a dataset's (any machine's, read
from its filesystem by pyarrow) or the bucket's own, which are a Parquet export of the whole bucket kept
in the user's cache and brought up to date before each query (only changed sessions are written again).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracetui.dataset.held import claim, held, size
from tracetui.dataset.location import TABLES, Location
from tracetui.dataset.page_claims import check_pages
from tracetui.dataset.prune import Keep, below, hive_keys, kept_files
from tracetui.errors import TracetuiError
from tracetui.export import ExportOptions, ExportReport, export
from tracetui.folder_walk import walk
from tracetui.regular_file import is_plain_file
from tracetui.safe_text import clip, exception_line, safe_line

if TYPE_CHECKING:
    from tracetui.export.run import ProgressCallback
    from tracetui.library import Library


@contextmanager
def dataset_tables(
    location: Location, only: frozenset[str] | None = None, keep: dict[str, Keep] | None = None
) -> Iterator[dict[str, Any]]:
    """Each table of the dataset (or of a folder holding a Parquet export) as an Arrow dataset, to be
    read within the block: a local table's files are held open by descriptor until it ends
    (tracetui.dataset.held), each footer read and its row claim checked. The partition keys are read
    from the folders too (as text), so files written without them as columns (an older export) still
    have them; where a file has them, the values are the same. `keep` (prune.partition_filters): a
    local table's files whose folders' values it rejects are left out before any is held."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    keys = hive_keys()
    out: dict[str, Any] = {}
    with ExitStack() as stack:
        for table in TABLES:
            if only is not None and table not in only:
                continue  # listing a table's files is most of a small query's time on a large dataset
            folder = location.path(f"data/{table}")
            try:
                if not location.fs.isdir(folder):
                    raise FileNotFoundError(folder)
                if location.local:
                    files = _local_files(folder)
                    kept = kept_files(files, folder, keep.get(table)) if keep else files
                    # No file kept: the table's columns are still the first file's, from its footer alone.
                    names = stack.enter_context(held(location.root, kept or files[:1]))
                    whole = kept or not files
                    out[table] = held_table(kept, names, folder, keys) if whole else _shape(names[0], keys)
                else:
                    out[table] = pads.dataset(folder, filesystem=location.fs, format="parquet",
                                              partitioning=keys)  # fmt: skip
            except FileNotFoundError:
                raise TracetuiError(f"{location.url} holds no {table} table (data/{table}/): give a dataset "
                                    "or a Parquet export") from None  # fmt: skip
            except (OSError, ValueError, pa.ArrowException) as exc:
                # ArrowTypeError too: a file's column of another type than a partition key's (an
                # `agent` of numbers) cannot be merged with the key read from the folders.
                why = exception_line(exc)
                raise TracetuiError(f"cannot read {location.url}'s {table} table: {why}") from None
        yield out


def held_table(files: list[str], names: list[str], folder: str, keys: Any | None) -> Any:
    """An Arrow dataset of a table's `files` (listed below `folder`), read by the `names` `held` gave
    them, with the partition keys of their listed paths: as pyarrow's discovery makes it from the
    paths (the first file's columns and the keys), each file's footer and page headers read here, on
    this thread, and refused where its row claim is past its size (held.claim) or its pages claim to
    inflate to more than it may (page_claims). The scan reads no footer again: a fragment whose footer
    is known is opened with it, so a file rewritten since is read as checked."""
    import pyarrow as pa
    import pyarrow.dataset as pads
    import pyarrow.fs as pafs

    parquet, disk = pads.ParquetFileFormat(), pafs.LocalFileSystem()
    fragments = []
    for path, name in zip(files, names, strict=True):
        within = keys.parse(below(path, folder)) if keys is not None else None
        fragment = parquet.make_fragment(name, filesystem=disk, partition_expression=within)
        try:
            fragment.ensure_complete_metadata()
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise TracetuiError(f"{safe_line(clip(path, 300))}: {exception_line(exc)}") from None
        nbytes = size(name)
        claim(fragment.metadata, nbytes, path)
        check_pages(name, fragment.metadata, nbytes, path)
        fragments.append(fragment)
    given = [keys.schema] if keys is not None else []
    schema = pa.unify_schemas([fragments[0].physical_schema, *given] if fragments else given)
    return pads.FileSystemDataset(fragments, schema, parquet, disk)


def _shape(name: str, keys: Any) -> Any:
    """An Arrow dataset of no file, with the columns of the file `held` named `name` (its footer
    read, none of its pages) and the partition keys."""
    import pyarrow as pa
    import pyarrow.dataset as pads
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    schema = pa.unify_schemas([pq.read_schema(name), keys.schema])
    return pads.FileSystemDataset([], schema, pads.ParquetFileFormat(), pafs.LocalFileSystem())


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


@contextmanager
def bucket_tables(
    library: Library, progress: ProgressCallback | None = None, only: frozenset[str] | None = None
) -> Iterator[tuple[dict[str, Any], ExportReport]]:
    """The bucket's four tables (or those in `only`), as a Parquet export of all its sessions would give
    them (scrubbed, the suggestions accepted: the same rows a shared export holds), from the export kept
    in the cache, to be read within the block (as `dataset_tables`)."""
    from tracetui.dataset.location import open_location

    cache = bucket_cache(library)
    report = export(library, cache, ExportOptions("parquet", accept_suggested=True, prune=True), None, progress)
    with dataset_tables(open_location(cache), only) as tables:
        yield tables, report
