"""A local dataset's Parquet files as pyarrow (and DuckDB through it) reads them: each opened through
its folders' descriptors (tracetui.folder_fd.open_read), never by its path.

The files are listed first (tables._local_files: regular files only) and opened later, when a scan
reaches them. A member of a shared dataset who swapped a listed file for a link in between had the
file the link leads to read as the dataset's (any Parquet file of the reader's: its rows in the
query's answer), and one who swapped in a FIFO held the read for ever. Opened here, a link is refused
(ELOOP) and a FIFO is opened without waiting and refused: one line, no byte read through either.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import PurePosixPath
from typing import Any

from tracetui import folder_fd
from tracetui.regular_file import NotRegularFile
from tracetui.safe_text import clip, safe_line


def read_only_fs(root: str) -> Any:
    """A pyarrow filesystem that reads files below `root` (given by their absolute paths) as
    folder_fd.open_read does, and writes nothing."""
    import pyarrow.fs as pafs

    return pafs.PyFileSystem(_Handler(root))


def refused(tables: Any) -> str | None:
    """The first file a scan of `tables` (Arrow datasets by name, one, or a read_only_fs) did not
    read, and why."""
    for table in tables.values() if isinstance(tables, dict) else [tables]:
        handler = getattr(getattr(table, "filesystem", table), "handler", None)
        if isinstance(handler, _Handler) and handler.refused:
            return handler.refused[0]
    return None


def _native(fh: Any) -> Any:
    """An Arrow file reading what `fh` holds open (a checked regular file), by Arrow's own reads where
    the system names an open descriptor as a path (the same file, whatever its name is now): a
    Python file under the scan would take the GIL for every read."""
    import pyarrow as pa

    for named in (f"/proc/self/fd/{fh.fileno()}", f"/dev/fd/{fh.fileno()}"):
        if sys.platform != "win32" and os.path.exists(named):
            return pa.OSFile(named)
    return pa.PythonFile(os.fdopen(os.dup(fh.fileno()), "rb"), mode="r")


# The most rows a Parquet file's footer may claim for each of its bytes. Arrow reserves a column's
# buffers by the rows its row group claims: a 30 KB file claiming 3e9 rows had 8 GB reserved and the
# reader's memory grow by 0.9 GB, one claiming 5e9 a 20 GB malloc. Every table's rows hold ids unique
# to them, well over a bit a row once compressed.
ROWS_PER_BYTE = 64


def _overclaim(fh: Any) -> str | None:
    """What a Parquet file's footer claims past ROWS_PER_BYTE rows a byte of the file, or None (and
    None for a file that is no Parquet: Arrow's reading says so). `fh` is left at its start."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    size = os.fstat(fh.fileno()).st_size
    try:
        meta = pq.read_metadata(fh)
    except (pa.ArrowException, OSError, ValueError):
        return None
    finally:
        fh.seek(0)
    groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
    claimed = max([meta.num_rows, sum(g.num_rows for g in groups)]
                  + [g.column(c).num_values for g in groups for c in range(g.num_columns)])  # fmt: skip
    if claimed > ROWS_PER_BYTE * size:
        return f"its footer claims {claimed:,} rows in {size:,} bytes"
    return None


def _handler_base() -> type:
    import pyarrow.fs as pafs

    return pafs.FileSystemHandler


class _Handler(_handler_base()):  # type: ignore[misc]
    """pyarrow's FileSystemHandler, reading only (pyarrow.fs.PyFileSystem calls it)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.refused: list[str] = []  # each file not read, and why

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Handler) and other.root == self.root

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]

    def get_type_name(self) -> str:
        return "tracetui-checked-local"

    def normalize_path(self, path: str) -> str:
        return path

    def equals(self, other: Any) -> bool:
        return self == other

    def get_file_info(self, paths: list[str]) -> list[Any]:
        import pyarrow.fs as pafs

        out = []
        for path in paths:
            try:
                st = os.lstat(path)  # a link is said to be one, never followed
            except OSError:
                out.append(pafs.FileInfo(path, pafs.FileType.NotFound))
                continue
            kind = pafs.FileType.Directory if os.path.isdir(path) and not os.path.islink(path) else (
                pafs.FileType.File)  # fmt: skip
            out.append(pafs.FileInfo(path, kind, size=st.st_size if kind == pafs.FileType.File else None,
                                     mtime_ns=st.st_mtime_ns))  # fmt: skip
        return out

    def get_file_info_selector(self, selector: Any) -> list[Any]:
        raise OSError(errno.ENOTSUP, "the files are listed by tracetui, not by pyarrow")

    def open_input_file(self, path: str) -> Any:
        import pyarrow as pa

        parts = PurePosixPath(path).relative_to(self.root).parts
        try:
            fh = folder_fd.open_read(self.root, parts)
        except (folder_fd.LinkOnWay, NotRegularFile, OSError) as exc:
            # Said by `refused`, not raised: pyarrow 26 takes the lock of the scan's tasks, then the
            # GIL to write a Python error's text, while the thread that started the scan holds the
            # GIL and waits for that lock (DuckDB's scan hung, one run in two). An empty file fails
            # the scan within Arrow.
            why = "a symbolic link" if isinstance(exc, folder_fd.LinkOnWay) else (
                "not a regular file" if isinstance(exc, NotRegularFile) else exc.strerror or str(exc))
            self.refused.append(f"{safe_line(clip(path, 300))}: {why}; not read")
            return pa.BufferReader(b"")
        with fh:
            claim = _overclaim(fh)
            if claim is not None:
                self.refused.append(f"{safe_line(clip(path, 300))}: {claim}; not read")
                return pa.BufferReader(b"")
            return _native(fh)

    def open_input_stream(self, path: str) -> Any:
        return self.open_input_file(path)

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "a dataset is read here, never written")

    create_dir = delete_dir = delete_dir_contents = delete_root_dir_contents = _refuse
    delete_file = move = copy_file = open_output_stream = open_append_stream = _refuse
