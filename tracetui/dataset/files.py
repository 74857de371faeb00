"""Where a Parquet dataset's tables are: its files, found by listing (never by reading one), each
with its table and the partition folder it sits in.

A dataset is what `tracetui export --format parquet` writes (`data/<table>/agent=…/month=…/part-N.parquet`),
on disk or behind an fsspec URL, and any layout that keeps a table's name as a folder above its
files: a machine's own partition (`machine=<id>` above or below `data/`) is found the same way. The
folder's `key=value` names are read as the partition's keys; the `partition` of a file is its folder
with the table's name taken out, so a session's steps are the steps table's files of the folder its
sessions row came from (no reader is asked to discover partitions or prune them).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.dataset.location import find_files, storage_options, why_not_opened
from tracetui.errors import NotFound, TracetuiError
from tracetui.regular_file import outside
from tracetui.safe_text import clip, safe_line

TABLES = ("sessions", "steps", "tool_calls", "patches")
MAX_FILES = 1_000_000  # a listing longer than this is no dataset tracetui wrote: said, not walked
TABLE_MARK = "{table}"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # a URL, not a folder (file:// is a URL too)


@dataclass(slots=True, frozen=True)
class DataFile:
    path: str  # as the reader opens it: a local path, or `protocol://…` for a remote filesystem
    table: str
    partition: str  # the file's folder, with its table's folder written {table}
    keys: tuple[tuple[str, str], ...]  # the folders' `key=value` names, outermost first
    stamp: str = ""  # its size and time (or etag) as listed: a file rewritten has another

    def key(self, name: str) -> str | None:
        return next((v for k, v in self.keys if k == name), None)


@dataclass(slots=True)
class Layout:
    """The dataset's files by table, and the filesystem its paths are for (None: the local disk)."""

    url: str
    files: dict[str, list[DataFile]] = field(default_factory=dict)
    filesystem: Any = None  # an fsspec filesystem the reader must be given, for a remote dataset

    _by_partition: dict[tuple[str, str], list[str]] | None = None
    # A local dataset's folders of the other tables, listed when one of their files is first asked
    # for: the sessions table's are all a first screen needs (a quarter of the folders to walk).
    _deferred: dict[str, list[str]] = field(default_factory=dict)  # table -> its folders not walked
    _base: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        """The folder a local dataset's files are below ("" for a remote one's)."""
        return self._base

    def of(self, table: str, partition: str | None = None) -> list[str]:
        """The paths of a table's files, all or those of one partition."""
        if table in self._deferred:
            if partition is not None:
                return _one_folder(os.path.join(self._base, partition.replace(TABLE_MARK, table)), self._base)
            self._list_deferred(table)
        if partition is None:
            return [f.path for f in self.files.get(table, [])]
        if self._by_partition is None:  # asked once per session a page prices: indexed once
            self._by_partition = {}
            for name, files in self.files.items():
                for f in files:
                    self._by_partition.setdefault((name, f.partition), []).append(f.path)
        return list(self._by_partition.get((table, partition), []))


    def _list_deferred(self, table: str) -> None:
        with self._lock:
            if table not in self._deferred:
                return
            found: dict[str, str] = {}
            for folder in self._deferred[table]:
                found.update(_walk(folder)[0])
            _add_files(self, self._base, found, "")
            self._by_partition = None
            del self._deferred[table]


def _one_folder(folder: str, base: str) -> list[str]:
    """The parquet files of one partition's folder of a table not walked yet (a session's steps): none
    where a link on the way leads out of the dataset (its files are its own, as `_walk` takes them)."""
    if outside(folder, base) is not None:
        return []
    try:
        with os.scandir(folder) as entries:
            return sorted(e.path for e in entries if e.name.endswith(".parquet") and e.is_file(follow_symlinks=False))
    except OSError:
        return []


def locate(url: str) -> Layout:
    """The dataset at `url` (a folder, or any fsspec URL), listed: TracetuiError (one line) where there
    is nothing there or no sessions table."""
    if _SCHEME.match(url) is None:
        fs, root, prefix = None, str(Path(url).expanduser()), ""
    else:
        fs, root, prefix = _filesystem(url)
        if not prefix:
            # file://: walked as a folder is. fsspec's listing of it keeps links and FIFOs as files, and
            # opening a FIFO named *.parquet never returns.
            fs = None
    try:
        if not (os.path.exists(root) if fs is None else fs.exists(root)):
            raise NotFound(f"no dataset at {url}: nothing there")
        if not (os.path.isdir(root) if fs is None else fs.isdir(root)):
            raise TracetuiError(f"{url} is a file: --dataset takes the folder a parquet export wrote")
        deferred: dict[str, list[str]] = {}
        if fs is None:
            found, deferred = _walk(root, frozenset(TABLES) - {"sessions"})
        else:
            found = _stamps(find_files(fs, root, url))
    except TracetuiError:
        raise
    except Exception as exc:  # a filesystem's own errors: one line, never a traceback
        raise TracetuiError(f"cannot list the dataset at {url}: {type(exc).__name__}: {exc}") from None
    if len(found) > MAX_FILES:
        raise TracetuiError(f"the dataset at {url} lists over {MAX_FILES:,} files: not a dataset tracetui reads")
    base = root.rstrip("/")
    layout = Layout(url, filesystem=fs if prefix else None, _deferred=deferred, _base=base)
    _add_files(layout, base, found, prefix)
    if not layout.files.get("sessions"):
        raise TracetuiError(
            f"{url} holds no sessions table (data/sessions/…/*.parquet): not a parquet export of tracetui's"
        )
    return layout


def _add_files(layout: Layout, base: str, found: dict[str, str], prefix: str) -> None:
    for name in sorted(found):
        if not name.endswith(".parquet"):
            continue
        rel = name[len(base) :].lstrip("/") if name.startswith(base) else name
        made = _data_file(prefix + name, rel, found[name])
        if made is not None:
            layout.files.setdefault(made.table, []).append(made)


def _walk(root: str, defer: frozenset[str] = frozenset()) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A local folder's files, path -> stamp (a parquet file's size and time, from one stat), and the
    folders named in `defer` it left unwalked. Links to folders are not followed: a dataset's files
    are its own. Scanned with os.scandir, whose entries say which are folders and links without a
    call per folder (os.walk's link test was half of a 1,712-partition listing's time)."""
    out: dict[str, str] = {}
    deferred: dict[str, list[str]] = {}
    folders = [root]
    while folders and len(out) <= MAX_FILES:
        folder = folders.pop()
        try:
            with os.scandir(folder) as found:
                entries = list(found)
        except OSError:
            continue  # as os.walk: a folder that cannot be listed is left out
        subfolders: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                subfolders.append(entry)
                continue
            stamp = ""
            if entry.name.endswith(".parquet"):
                try:
                    if not entry.is_file(follow_symlinks=False):
                        # A link (to a file outside the dataset, to a FIFO) or a FIFO itself: not one of
                        # its files, and a FIFO's read would wait for a writer for ever.
                        continue
                    st = entry.stat(follow_symlinks=False)
                    stamp = f"{st.st_size}:{st.st_mtime_ns}"
                except OSError:
                    continue
            out[entry.path] = stamp
        names = {d.name for d in subfolders}
        for d in subfolders:
            if folder == root and d.name == "machines" and "data" in names:
                # A team dataset (docs/dataset.md): its machines' manifests, cards and receipts (one
                # file a session) are no table's files.
                continue
            if d.is_symlink():
                continue
            if d.name in defer:
                deferred.setdefault(d.name, []).append(d.path)
            else:
                folders.append(d.path)
    return out, deferred


def _stamps(found: dict[str, Any]) -> dict[str, str]:
    """A remote listing's files, path -> stamp (size and modification time, else etag)."""
    out = {}
    for name, info in found.items():
        info = info if isinstance(info, dict) else {}
        when = next((info[k] for k in ("mtime", "LastModified", "last_modified", "ETag", "etag") if info.get(k)), "")
        out[name] = f"{info.get('size', '')}:{when}"
    return out


def _data_file(path: str, rel: str, stamp: str = "") -> DataFile | None:
    parts = rel.split("/")[:-1]
    # The table is the innermost folder named for one (a folder `steps` inside a partition value would
    # be `key=steps`, never a bare name).
    at = next((i for i in range(len(parts) - 1, -1, -1) if parts[i] in TABLES), None)
    if at is None:
        return None
    keys = tuple((k, v) for k, sep, v in (p.partition("=") for p in parts) if sep and k and v)
    folder = "/".join(TABLE_MARK if i == at else p for i, p in enumerate(parts))
    return DataFile(path, parts[at], folder, keys, stamp)


def _filesystem(url: str) -> tuple[Any, str, str]:
    """(fsspec filesystem, root path on it, what goes before a path the reader opens)."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise TracetuiError("--dataset needs fsspec (pip install 'tracetui[dataset]')") from None
    try:
        fs, root = url_to_fs(url, **storage_options(url))  # http(s): no redirect followed
    except (ImportError, ValueError) as exc:
        # An unknown protocol, or one whose filesystem package is not installed (s3fs, gcsfs…).
        raise TracetuiError(f"cannot open {url}: {exc}") from None
    except Exception as exc:  # any filesystem's constructor raises what it likes (location.why_not_opened)
        raise TracetuiError(f"cannot open {safe_line(clip(url, 300))}: {why_not_opened(exc)}") from None
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    if "file" in protocols or "local" in protocols:
        return fs, root, ""
    return fs, root, f"{protocols[0]}://"
