"""Writing, removing and reading below a folder others can change (a team's shared dataset, an
agent's store), through folder descriptors: no link below the root is followed, and no file is
written where it stands.

A path checked for links and then opened by its name goes where a link swapped in between leads.
Here each folder below the root is opened from the one above with O_NOFOLLOW | O_DIRECTORY, and the
file is made, renamed, removed or read by its name in the last (openat, renameat, unlinkat). A file
is written new (O_CREAT | O_EXCL | O_NOFOLLOW) in its folder and renamed over its name, so a hard
link planted there is replaced, never written into. docs/internals/core.md, "folder_fd.py".
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from tracetui.errors import TracetuiError
from tracetui.regular_file import NotRegularFile
from tracetui.safe_text import clip, safe_line

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# Whether the calls below take a folder's descriptor (everywhere but Windows): without them the
# names are used as paths, and the checks before stand alone.
AT = {os.open, os.mkdir, os.unlink, os.rename} <= os.supports_dir_fd
_TRIES = 16  # temporary names tried before giving up (each is 48 random bits)


class LinkOnWay(TracetuiError):
    """A symbolic link, or a file, stands where a folder below the root goes; `at` names it below
    the root (`/`-separated)."""

    def __init__(self, at: str, message: str) -> None:
        super().__init__(message)
        self.at = at


def plain_parts(parts: Sequence[str], path: str | Path, root: str | Path) -> tuple[str, ...]:
    """`parts` (the names of `path` below `root`), each checked to be a plain name: none empty, `.`,
    `..` (lexical: it would climb out) or holding `/` or NUL. TracetuiError (one line) otherwise."""
    if not parts or any(p in ("", ".", "..") or "/" in p or "\0" in p for p in parts):
        raise TracetuiError(f"{safe_line(clip(str(path), 300))} is not a plain path inside "
                            f"{safe_line(clip(str(root), 300))}")  # fmt: skip
    return tuple(parts)


def parts_below(path: str | Path, root: str | Path) -> tuple[str, ...]:
    """`path`'s names below `root`, each a plain name; TracetuiError where it is not below it."""
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        raise TracetuiError(f"{safe_line(clip(str(path), 300))} is not inside "
                            f"{safe_line(clip(str(root), 300))}") from None  # fmt: skip
    return plain_parts(parts, path, root)


def check_way(path: Path, root: Path) -> None:
    """Refuse, before anything is written, a way to `path` that leaves `root` or passes a symbolic link
    (or a file) where a folder below `root` goes. A check only: the walk below is what holds."""
    at = root
    for part in parts_below(path, root)[:-1]:
        at = at / part
        try:
            mode = os.lstat(at).st_mode
        except FileNotFoundError:
            return  # the rest of the way is made by us
        except OSError as e:
            raise TracetuiError(f"cannot write {path}: {e.strerror or e}") from None
        below = str(at.relative_to(root))
        if stat.S_ISLNK(mode):
            raise LinkOnWay(below, f"{at} is a symbolic link: tracetui writes nothing through it")
        if not stat.S_ISDIR(mode):
            raise LinkOnWay(below, f"{at} is not a folder: tracetui cannot write {path.name} in it")


@contextlib.contextmanager
def folder(root: str | Path, parts: Sequence[str], make: int | None = None) -> Iterator[int]:
    """The descriptor of `root/parts…`, each folder below `root` opened from the one above without
    following a link (`root` itself may be one: the user named it); made with mode `make` where
    missing, FileNotFoundError there without. LinkOnWay where a link or a file stands in the way."""
    fd = open_root(root)
    try:
        for i, name in enumerate(parts):
            if make is not None:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, make, dir_fd=fd)
            inner = folder_in(fd, name, "/".join(parts[: i + 1]))
            os.close(fd)
            fd = inner
        yield fd
    finally:
        os.close(fd)


def open_root(root: str | Path) -> int:
    """The descriptor of the root folder (which may be a link: the user named it)."""
    return os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)


def folder_in(at: int, name: str, shown: str) -> int:
    """The descriptor of the folder `name` in the folder open as `at`, opened as `folder` opens each
    (no link followed): a walk of many folders opens the ones they share once. LinkOnWay (`shown`: the
    folder below the root) where a link or a file stands there."""
    try:
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=at)
    except OSError as e:
        if e.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        raise LinkOnWay(shown, f"{safe_line(shown)} is a symbolic link or not a folder: nothing is "
                               "written, removed or read through it") from None  # fmt: skip


def write_new(path: Path, data: bytes, root: Path | None = None) -> None:
    """Write `data` to a file that must not exist yet (never over another file, never through a link
    planted where it goes nor where a folder below `root` goes); folders made 0700, the file 0600."""
    root = root or path.parent
    parts = parts_below(path, root)
    check_way(path, root)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not AT:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, flags, 0o600)
        else:
            with folder(root, parts[:-1], make=0o700) as at:
                fd = os.open(parts[-1], flags, 0o600, dir_fd=at)
    except FileExistsError:
        raise TracetuiError(f"{path} already exists") from None
    except LinkOnWay as e:
        raise LinkOnWay(e.at, f"{e.at} on the way to {path} is a symbolic link or not a folder: "
                              "tracetui writes nothing through it") from None  # fmt: skip
    except OSError as e:
        raise TracetuiError(f"cannot write {path}: {e.strerror or e}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def replace(root: str | Path, parts: Sequence[str], fill: Callable[[BinaryIO], object],
            mode: int = 0o666, folders: int = 0o777) -> None:  # fmt: skip
    """The file `root/parts…` made anew: `fill` writes a new temporary file in its folder (folders
    made with mode `folders`), which is then renamed over the name. Whatever stood there (a hard
    link to someone's file, a link) is replaced, never written into; on failure nothing is."""
    *way, name = parts
    if not AT:
        _replace_by_path(Path(root, *parts), fill, mode)
        return
    with folder(root, way, make=folders) as at:
        tmp, fd = _fresh(at, name, mode)
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out)
            os.rename(tmp, name, src_dir_fd=at, dst_dir_fd=at)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=at)
            raise


def fresh(root: str | Path, parts: Sequence[str], mode: int = 0o600, folders: int = 0o777) -> Path:
    """A new empty file beside `root/parts…`, made as `replace` makes its temporary one, for a writer
    that opens by name (pyarrow): its path. `rename_in` then puts it in place through the folders."""
    *way, name = parts
    if not AT:
        path = Path(root, *parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(_temp_name(name))
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, mode))
        return tmp
    with folder(root, way, make=folders) as at:
        made, fd = _fresh(at, name, mode)
        os.close(fd)
    return Path(root, *way, made)


def rename_in(root: str | Path, parts: Sequence[str], new: str) -> None:
    """Rename `root/parts…` to `new` in the same folder, reached as `folder` does: a folder swapped for a
    link since the file was made is refused, never renamed through."""
    *way, name = parts
    if not AT:
        os.replace(Path(root, *parts), Path(root, *way, new))
        return
    with folder(root, way) as at:
        os.rename(name, new, src_dir_fd=at, dst_dir_fd=at)


def remove(root: str | Path, parts: Sequence[str]) -> bool:
    """Remove the name `root/parts…` (its last folder reached as `folder` does): the file itself, and
    any other name it has, is untouched. False where there was none."""
    *way, name = parts
    try:
        if not AT:
            os.unlink(Path(root, *parts))
            return True
        with folder(root, way) as at:
            os.unlink(name, dir_fd=at)
        return True
    except FileNotFoundError:
        return False


def open_read(root: str | Path, parts: Sequence[str]) -> BinaryIO:
    """`root/parts…` opened to read, a regular file only (opened non-blocking, then checked: a FIFO
    would wait for a writer for ever); NotRegularFile, LinkOnWay, or OSError as open() would."""
    *way, name = parts
    if AT:
        with folder(root, way) as at:
            fd = open_read_in(at, name, "/".join(parts))
    else:
        fd = open_read_in(None, str(Path(root, *parts)), "/".join(parts))
    return os.fdopen(fd, "rb")


def open_read_in(at: int | None, name: str, shown: str) -> int:
    """The descriptor of `name` in the folder open as `at` (None: `name` is a path), opened as
    `open_read` opens a file: the files of one folder read with it opened once (`shown` names the
    file in errors)."""
    fd = _open_leaf(name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, at, shown)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"{safe_line(shown)} is not a regular file")
        os.set_blocking(fd, True)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _open_leaf(name: str, flags: int, at: int | None, shown: str) -> int:
    try:
        return os.open(name, flags, dir_fd=at)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise LinkOnWay(shown, f"{safe_line(shown)} is a symbolic link: not read through") from None
        raise


def _temp_name(name: str) -> str:
    """A hidden name beside `name` for a file being written (48 random bits: not one to guess)."""
    return f".{name[:40]}.{secrets.token_hex(6)}.tmp"


def _fresh(at: int, name: str, mode: int) -> tuple[str, int]:
    """A new file in the folder `at`, beside `name`: its name and descriptor. O_EXCL | O_NOFOLLOW:
    never an existing file, never through a link planted under a name one could guess."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    for _ in range(_TRIES):
        tmp = _temp_name(name)
        try:
            return tmp, os.open(tmp, flags, mode, dir_fd=at)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary name beside {name}")


def _replace_by_path(path: Path, fill: Callable[[BinaryIO], object], mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    tmp = path.with_name(_temp_name(path.name))
    fd = os.open(tmp, flags, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            fill(out)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
