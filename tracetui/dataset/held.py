"""A local dataset's listed Parquet files held open by descriptor while one read of them runs: the one
way `sql --dataset`, `export --check` and the app's `--dataset` hand a shared folder's files to their
reader (docs/internals/dataset.md, "Files held open").

A file listed, then opened by its path, is whatever stands there then: a member's link or FIFO
swapped in. Here each is opened on the calling thread through its folders' descriptors (folder_fd:
no link followed, a regular file only, a FIFO opened without waiting), and the reader is given
`/proc/self/fd/N` of a sealed private copy (a memfd): what any check reads is what the reader reads,
however the file is rewritten in place, read by the reader's own native code, no Python called from
its threads. Without /proc/self/fd the files are checked so, then read by their paths.
"""

from __future__ import annotations

import errno
import os
import threading
from collections import defaultdict
from collections.abc import Generator, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager, suppress
from pathlib import PurePosixPath
from typing import Any

from tracetui import folder_fd
from tracetui.errors import TracetuiError
from tracetui.regular_file import NotRegularFile
from tracetui.safe_text import clip, safe_line

FD_FOLDER = "/proc/self/fd"
# Descriptors kept free beside the files held: the reader opens each file again by its name, a few at
# a time (over 1,712 steps files DuckDB held 52 at most, pyarrow's scan 7), and the app has its own.
RESERVE = 512
# The most rows (or values of one column) a Parquet file's footer may claim for each of its bytes.
# Arrow reserves a column's buffers by the rows a row group claims: an 80 KB file claiming 3e9 rows
# had 8 GB reserved, one claiming 5e9 a 20 GB malloc. Every table's rows carry ids unique to them,
# which take well over an eighth of a bit a row however they are compressed.
ROWS_PER_BYTE = 64
# A file its checks read before the reader does may be rewritten in place between the two (the member
# who wrote it can): read from a private copy, it is read as checked. Each copy is in memory (a memfd)
# while the read runs; past these, a file is read where it is and refused if it changed. The budget is
# the process's, shared by the reads running at once (the app's workers, its background listing).
SNAPSHOT_MOST = 64 << 20
SNAPSHOT_BUDGET = 1 << 30
_COPIED = [0]  # bytes in the copies held now, by every block of this process
_COPIED_LOCK = threading.Lock()


@contextmanager
def held(root: str, paths: Sequence[str]) -> Iterator[list[str]]:
    """The names by which a reader that opens files by name is to read `paths` (files listed below
    `root`), in their order, while the block runs: `/proc/self/fd/N` of each opened as the module
    docstring says. A path not below `root` (the user's own cache) is named as it is. TracetuiError
    (one line) names the first file refused, or says the files are more than can be held open.

    Each file of SNAPSHOT_MOST bytes or fewer, within SNAPSHOT_BUDGET in all (the process's copies
    held at once), is named by a sealed private copy (`_snapshot`), so what is checked is what is
    read, however the file is rewritten in place; any other is read where it is, and refused at the
    end of the block, in one line, where its size or times changed while it was held."""
    below: dict[tuple[str, ...], list[tuple[int, str]]] = defaultdict(list)
    for i, path in enumerate(paths):
        try:
            parts = PurePosixPath(path).relative_to(root).parts
        except ValueError:
            continue
        parts = folder_fd.plain_parts(parts, path, root)
        below[parts[:-1]].append((i, parts[-1]))
    names = list(paths)
    if not below:
        yield names
        return
    named = os.path.isdir(FD_FOLDER)  # else each file is checked, closed, and read by its path
    if named:
        _room_for(sum(len(files) for files in below.values()))
    copying = hasattr(os, "memfd_create")
    watched: list[tuple[int, tuple[int, int, int], str]] = []  # held as they are: (fd, its stamp, path)
    with ExitStack() as stack:
        taken = [0]  # bytes of this block's copies, given back to the budget when it ends
        stack.callback(_give_back, taken)
        walk = stack.enter_context(closing(_folders(root, sorted(below))))
        try:
            for way, at in walk:
                for i, name in below[way]:
                    fd = _open(at, name, paths[i], way, root)
                    if not named:
                        os.close(fd)
                        continue
                    try:
                        copy = _snapshot(fd, taken, paths[i]) if copying else None
                    except BaseException:
                        os.close(fd)
                        raise
                    if copy is not None:
                        os.close(fd)  # the copy is all that is read: one descriptor a file, as before
                        fd = copy
                    else:
                        watched.append((fd, _stamp(fd), paths[i]))
                    stack.callback(os.close, fd)
                    names[i] = f"{FD_FOLDER}/{fd}"
        except folder_fd.LinkOnWay as exc:
            raise TracetuiError(f"{safe_line(clip(os.path.join(root, exc.at), 300))}: a symbolic link or "
                                "not a folder; nothing below it read") from None  # fmt: skip
        except OSError as exc:
            raise TracetuiError(f"{safe_line(clip(root, 300))}: {_why(exc)}") from None
        walk.close()  # the folders: only the files stay held
        try:
            yield names
        except Exception:
            _unchanged(watched)  # a file rewritten under the reader: said so, not the reader's error
            raise
        _unchanged(watched)


def _snapshot(fd: int, taken: list[int], path: str) -> int | None:
    """A sealed memfd holding the bytes of the file open as `fd` (closed then), where they are at most
    SNAPSHOT_MOST and fit in what is left of SNAPSHOT_BUDGET (added to `taken[0]`); else None, `fd` left
    as it is. A file whose size or times changed while it was copied is refused: the copy may be torn."""
    import fcntl

    before = _stamp(fd)
    if before[0] > SNAPSHOT_MOST or not _take(before[0]):
        return None
    taken[0] += before[0]
    copy = os.memfd_create("tracetui-held", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        at = _copy(fd, copy, before[0] + 1)  # a byte more: a file grown since is seen
        if at != before[0] or _stamp(fd) != before:
            raise _changed(path)
        seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
        fcntl.fcntl(copy, fcntl.F_ADD_SEALS, seals)
    except BaseException:
        os.close(copy)
        raise
    return copy


def _take(size: int) -> bool:
    with _COPIED_LOCK:
        if _COPIED[0] + size > SNAPSHOT_BUDGET:
            return False
        _COPIED[0] += size
        return True


def _give_back(taken: list[int]) -> None:
    with _COPIED_LOCK:
        _COPIED[0] -= taken[0]
    taken[0] = 0


def _copy(fd: int, copy: int, most: int) -> int:
    """Up to `most` bytes of `fd` from its start into `copy`, in the kernel where it can; the bytes
    copied. `fd`'s offset is left alone (the reader opens the file again by its /proc name)."""
    at = 0
    try:
        while at < most and (sent := os.sendfile(copy, fd, at, most - at)):
            at += sent
        return at
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP) or at:
            raise
    while at < most and (data := os.pread(fd, min(1 << 20, most - at), at)):
        view = memoryview(data)
        while view:
            view = view[os.write(copy, view) :]
        at += len(data)
    return at


def _stamp(fd: int) -> tuple[int, int, int]:
    """What a write changes: size, mtime and ctime (which no user can set back) in nanoseconds."""
    st = os.fstat(fd)
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _unchanged(watched: list[tuple[int, tuple[int, int, int], str]]) -> None:
    for fd, stamp, path in watched:
        if _stamp(fd) != stamp:
            raise _changed(path)


def _changed(path: str) -> TracetuiError:
    return TracetuiError(f"{safe_line(clip(path, 300))}: rewritten while it was read; the answer "
                         "is not given (read again)")  # fmt: skip


def _folders(root: str, ways: list[tuple[str, ...]]) -> Generator[tuple[tuple[str, ...], int | None]]:
    """Each of `ways` (sorted) with its folder's descriptor, each folder opened from the one above as
    folder_fd.folder opens it, and the ones they share once (a dataset's machine folder holds its
    months'): a table of 1,712 partitions took 10,272 folder opens one by one, 2,250 so."""
    if not folder_fd.AT:
        yield from ((way, None) for way in ways)
        return
    top = folder_fd.open_root(root)
    opened: list[int] = []  # the folders of the way last given, from the top
    last: tuple[str, ...] = ()
    try:
        for way in ways:
            shared = 0
            while shared < min(len(way), len(last), len(opened)) and way[shared] == last[shared]:
                shared += 1
            while len(opened) > shared:
                os.close(opened.pop())
            for depth in range(shared, len(way)):
                at = opened[-1] if opened else top
                opened.append(folder_fd.folder_in(at, way[depth], "/".join(way[: depth + 1])))
            last = way
            yield way, opened[-1] if opened else top
    finally:
        for fd in [*opened, top]:
            os.close(fd)


def _open(at: int | None, name: str, path: str, way: tuple[str, ...], root: str) -> int:
    try:
        return folder_fd.open_read_in(at, name if at is not None else os.path.join(root, *way, name), path)
    except (folder_fd.LinkOnWay, NotRegularFile, OSError) as exc:
        raise TracetuiError(f"{safe_line(clip(path, 300))}: {_why(exc)}; not read") from None


def _why(exc: BaseException) -> str:
    if isinstance(exc, folder_fd.LinkOnWay):
        return "a symbolic link"
    if isinstance(exc, NotRegularFile):
        return "not a regular file"
    if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
        return "more files open than the system allows (ulimit -n)"
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _room_for(files: int) -> None:
    """A soft limit of open files that holds `files` beside those open now and RESERVE: raised toward
    the hard limit where lower (1,024 is a common soft limit, far below the hard; a search reads every
    steps file at once). Where even the hard limit is lower, the read is refused here, in one line,
    before any file is opened, rather than failing part way through a scan (EMFILE)."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        now = len(os.listdir(FD_FOLDER))
    except OSError:
        now = RESERVE
    need = now + files + RESERVE
    if soft == resource.RLIM_INFINITY or need <= soft:
        return
    raised = need if hard == resource.RLIM_INFINITY else min(hard, max(need, 2 * soft))
    with suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        soft = raised
    if need > soft:
        raise TracetuiError(
            f"the read takes {files:,} files at once and this process may hold {soft:,} open (ulimit -n): "
            "raise the limit, or ask for fewer tables"
        )


def size(name: str) -> int:
    """The bytes of a file named as `held` names it (the file's own, not those of /proc's link)."""
    return os.stat(name).st_size if name.startswith(FD_FOLDER + "/") else os.lstat(name).st_size


def claim(metadata: Any, nbytes: int, shown: str) -> None:
    """TracetuiError (one line) where a Parquet footer (`metadata`, pyarrow's FileMetaData, read from
    a file of `nbytes`) claims more than ROWS_PER_BYTE rows, or values of one column, a byte."""
    groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
    claimed = max([metadata.num_rows, sum(g.num_rows for g in groups)]
                  + [g.column(c).num_values for g in groups for c in range(g.num_columns)])  # fmt: skip
    if claimed > ROWS_PER_BYTE * max(nbytes, 1):
        raise TracetuiError(f"{safe_line(clip(shown, 300))}: its footer claims {claimed:,} rows in "
                            f"{nbytes:,} bytes; not read")  # fmt: skip
