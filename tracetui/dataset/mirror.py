"""A remote dataset's tables copied into a local folder before DuckDB reads them (docs/dataset.md,
"Queries").

DuckDB scans a pyarrow dataset through Python callbacks on its own threads. Over a Python filesystem
(s3fs, gcsfs, adlfs) every read of that scan goes back into Python and the filesystem's event loop,
and such a scan hung now and then (a check on moto's S3, in CI). A local copy is read by pyarrow's own
filesystem: nothing under the scan waits on Python, and a second query reads no byte from the network.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

import orjson

from tracetui.dataset.location import TABLES, Location, find_files, open_location
from tracetui.dataset.prune import Keep, kept_files
from tracetui.errors import TracetuiError
from tracetui.safe_text import clip, exception_line, safe_line

INDEX = ".mirror.json"  # rel -> the remote file's size and version, as last copied
CHUNK = 1 << 20


def mirrored(location: Location, into: Path, only: frozenset[str] | None = None,
             progress: Callable[[int, int], None] | None = None,
             keep: dict[str, Keep] | None = None) -> Location:  # fmt: skip
    """`location` itself when it is local; otherwise a local folder `into` holding the Parquet files
    of its tables (`only` those when given), copied where the remote file's size or version changed
    since the last copy, and none the remote no longer has; `progress(copied, to_copy)` before each
    copy and after the last. `keep` (prune.partition_filters): of a table it names, only the files
    of the partitions kept are brought up to date, and its first file (the table's columns when none
    is kept); the others' copies are left as they are, for dataset_tables to leave out by the same
    test. TracetuiError (one line) for a listing or a copy that fails, or a name that cannot be a
    local path."""
    if location.local:
        return location
    into.mkdir(parents=True, exist_ok=True)
    copied = _read_index(into)
    wanted = {t: _remote_files(location, t) for t in TABLES if only is None or t in only}
    if wanted and not any(wanted.values()):
        _check_reached(location)
    todo = [(rel, version) for table, files in wanted.items() for rel, version in _kept(files, table, keep)
            if copied.get(rel) != version or not (into / rel).is_file()]  # fmt: skip
    # What files of no stated size may write in all: the room left once the sized ones are counted.
    unsized_room = _check_room(location, into, [_size(version) for _, version in todo])
    for n, (rel, version) in enumerate(todo):
        if progress is not None:
            progress(n, len(todo))
        copied.pop(rel, None)
        unsized_room -= _copy(location, rel, into / rel, _size(version), unsized_room)
        copied[rel] = version
    if progress is not None and todo:
        progress(len(todo), len(todo))
    for table, files in wanted.items():
        # What the remote no longer has, and anything else in the table's folder (a copy a crash left
        # unrecorded): pyarrow reads every file there.
        for path in (into / "data" / table).rglob("*"):
            rel = path.relative_to(into).as_posix()
            if path.is_file() and rel not in files:
                path.unlink()
                copied.pop(rel, None)
    _write_index(into, copied)
    copy = open_location(into)
    # Named as the user gave it: a table the remote lacks is the remote's, not the cache folder's.
    return Location(copy.fs, copy.root, location.url)


def _kept(files: dict[str, str], table: str, keep: dict[str, Keep] | None) -> list[tuple[str, str]]:
    """The (rel, version) of a table's remote files to bring up to date: those `keep` keeps, and the
    first, whose footer gives the table's columns (tables.dataset_tables)."""
    test = (keep or {}).get(table)
    if test is None or not files:
        return list(files.items())
    first = min(files)
    wanted = set(kept_files(sorted(files), f"data/{table}", test)) | {first}
    return [(rel, version) for rel, version in files.items() if rel in wanted]


def _check_reached(location: Location) -> None:
    """Refuse, naming the URL and why, a remote that cannot be reached: fsspec's listing of an http(s)
    folder takes a refused or timed-out connection (an OSError) for a folder that is not there, and
    lists nothing. A remote that answers, even that it has no such folder, is left to the caller."""
    try:
        location.fs.ls(location.root, detail=False)
    except FileNotFoundError:
        return
    except Exception as exc:  # a filesystem's own errors: one line, never a traceback
        raise TracetuiError(f"cannot reach the dataset at {location.url}: {_unreached(exc)}") from None


def _unreached(exc: BaseException) -> str:
    """Why a connection failed, in words: refused, silent, or the library's own first line."""
    seen: BaseException | None = exc
    for _ in range(8):  # the chain of causes, where aiohttp keeps the socket's own error
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError) or "Connect call failed" in str(seen):
            return "the connection was refused (is the server running?)"
        if isinstance(seen, TimeoutError) or "timeout" in type(seen).__name__.lower():
            return "the server did not answer in time"
        seen = getattr(seen, "os_error", None) or seen.__cause__ or seen.__context__
    return f"{type(exc).__name__}: {exception_line(exc)}"


def _remote_files(location: Location, table: str) -> dict[str, str]:
    """The table's Parquet files, by their path inside the dataset, each with its size and version."""
    folder = location.path(f"data/{table}")
    try:
        found = find_files(location.fs, folder, location.url)
    except FileNotFoundError:
        return {}  # the table's absence is dataset_tables' to say
    except Exception as exc:  # a filesystem's own errors: one line, never a traceback
        raise TracetuiError(f"cannot list {location.url}'s {table} table: {type(exc).__name__}: {exception_line(exc)}") from None
    out: dict[str, str] = {}
    for path, info in sorted(found.items()):
        rel = location.rel(str(path))
        if rel is None or not rel.endswith(".parquet"):
            continue
        _check_rel(location, rel)
        info = info or {}
        version = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("LastModified") or ""
        out[rel] = f"{info.get('size')}:{version}"
    return out


def _check_rel(location: Location, rel: str) -> None:
    """A remote name becomes a local path: each part a plain name, nothing that climbs or is absolute,
    read by this machine's file system as `/` splits it (on Windows a backslash separates too, and
    `C:` names a drive: `..\\..\\x.parquet` climbed out of the cache folder there)."""
    parts = rel.split("/")
    if any(p in ("", ".", "..") or "\0" in p for p in parts) or PurePath(rel).parts != tuple(parts):
        raise TracetuiError(f"{location.url} holds a file whose name is no local path: {safe_line(clip(rel, 200))}")


# What a copy leaves free on the cache folder's disk, beyond what it writes (a tenth of what is free
# where that is less): the user's disk is not a stranger's to fill.
SPARE = 1 << 30


def _size(version: str) -> int:
    """The listed size of a remote file (its `_remote_files` value: `size:version`); 0 where unknown."""
    head = version.split(":", 1)[0]
    return int(head) if head.isdigit() else 0


def _check_room(location: Location, into: Path, sizes: list[int]) -> int:
    """Refuse, before anything is copied, a copy that would not leave SPARE free on the disk: a dataset
    is other machines' files, and one object of many gigabytes would fill this one's disk. The room
    left beyond the listed sizes: what files of no stated size may write in all."""
    need = sum(sizes)
    free = shutil.disk_usage(into).free
    room = free - min(SPARE, free // 10)
    if need > room:
        raise TracetuiError(f"copying {location.url}'s tables needs {need / 1e9:.1f} GB, more than the cache "
                            f"folder's disk can spare ({free / 1e9:.1f} GB free): nothing copied")
    return room - need


def _copy(location: Location, rel: str, dest: Path, size: int, room: int) -> int:
    """One file, whole or not at all; never more bytes than the listing said it holds, nor, where it
    said nothing (an http(s) page of links gives no sizes), than `room`. The bytes written."""
    part = dest.with_name(f".{dest.name}.part")
    try:
        # Inside the try: an object store may hold both `x.parquet` and `x.parquet/y.parquet`.
        dest.parent.mkdir(parents=True, exist_ok=True)
        with location.fs.open(location.path(rel), "rb") as src, open(part, "wb") as out:
            written = 0
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if size and written > size:
                    raise ValueError(f"it holds more than the {size:,} bytes its listing says")
                if not size and written > room:
                    # A server may stream without end: a file of no stated size fills no disk.
                    raise ValueError(f"it states no size and holds more than the cache folder's disk can "
                                     f"spare ({max(room, 0) / 1e9:.1f} GB)")
                out.write(chunk)
        os.replace(part, dest)  # a copy is whole or absent: a stopped one leaves only the .part
    except Exception as exc:  # a filesystem's own errors: one line
        with contextlib.suppress(OSError):
            part.unlink()
        raise TracetuiError(f"cannot copy {safe_line(clip(rel, 200))} from {location.url}: {exception_line(exc)}") from None
    return 0 if size else written


def _read_index(into: Path) -> dict[str, str]:
    try:
        data = orjson.loads((into / INDEX).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def _write_index(into: Path, index: dict[str, Any]) -> None:
    part = into / f"{INDEX}.part"
    part.write_bytes(orjson.dumps(index, option=orjson.OPT_SORT_KEYS))
    os.replace(part, into / INDEX)


