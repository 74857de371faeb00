"""Opening a file someone named, refusing anything that is not a regular file.

A FIFO, a device or a socket named `bug.capsule` or `x.jsonl` would block a plain `open()` or read
forever. The file is opened non-blocking (opening a FIFO then cannot wait for a writer) and checked
with fstat on the descriptor, so a file swapped for a FIFO between a stat and the open is refused too.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from tracetui.errors import TracetuiError
from tracetui.safe_text import safe_line


class NotRegularFile(TracetuiError):
    """The path names a FIFO, a device, a socket or a folder."""


class FileTooLarge(TracetuiError):
    """The file is larger than its reader takes (a sparse file of gigabytes named settings.toml)."""


# Ceilings for the bucket's own files, which anyone with the folder can replace (a bucket copied
# from someone): a sparse file of gigabytes in their place was read whole and took the memory.
KEY_MOST = 4 << 10  # a key file: 64 hex digits
CACHE_MOST = 256 << 20  # a cache, a memo, a plan, a state: far past what any of them holds


def open_regular(path: str | Path) -> BinaryIO:
    """`path` opened for reading in binary; raises NotRegularFile, or OSError as open() would."""
    fd, _ = _open_regular_fd(path)
    try:
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, limit: int | None = None) -> bytes:
    """The whole of a regular file (see `open_regular`); FileTooLarge where it holds more than
    `limit` bytes, of which no more than `limit` + 1 are read."""
    # Read on the descriptor itself: a file object and its buffer cost more than the read of a
    # small file (a sync reads one sidecar per log, 700 in 14 ms that way, 6 ms this way).
    fd, size = _open_regular_fd(path)
    try:
        chunks: list[bytes] = []
        got = 0
        want = None if limit is None else limit + 1  # not the size fstat gave: the file may grow
        while want is None or got < want:
            room = size + 1 - got if got <= size else 1 << 20
            block = os.read(fd, room if want is None else min(room, want - got))
            if not block:
                break
            chunks.append(block)
            got += len(block)
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if limit is not None and len(data) > limit:
        raise FileTooLarge(f"{safe_line(str(path))} is over {limit >> 10:,} KB: too large to be read")
    return data


def fresh_temp(target: Path) -> tuple[BinaryIO, Path]:
    """A new temporary file beside `target`, open for writing, to be renamed over it: made by mkstemp
    (O_EXCL, the user's alone), so never an existing name, never through a link planted under a name
    one could guess (`.<name>.<pid>.tmp` was: the bucket is anyone's who has the folder). The name
    still ends in `.<pid>.tmp`, by which the bucket's sweep tells a live writer's file from a dead one's."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=f".{os.getpid()}.tmp",
                               dir=target.parent)
    return os.fdopen(fd, "wb"), Path(tmp)


def keep_cache(path: str | Path, data: bytes) -> bool:
    """Write a cache file whole or not at all (a temporary file renamed into place), readable by the
    user alone; False where it could not be written, which only costs the next run its time."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh, tmp = fresh_temp(path)  # 0600
        with fh:
            fh.write(data)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        return False


def sweep_temp_files(folder: Path) -> int:
    """Remove the temporary files (`fresh_temp`'s) that writers left when they died: those whose pid is
    gone, or that name none; how many. A live writer's, this process's too (another thread may be
    writing it), is left to be renamed."""
    removed = 0
    try:
        names = os.listdir(folder)
    except OSError:
        return 0
    for name in names:
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        pid = name.rsplit(".", 2)[-2]
        if pid.isdigit() and (int(pid) == os.getpid() or _alive(int(pid))):
            continue
        try:
            os.unlink(folder / name)
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kept_cache(path: str | Path, form: str) -> dict[str, Any] | None:
    """A cache file `keep_cache` wrote as a JSON object whose "format" is `form`; None where there is
    none, or it is of another form, damaged, or no regular file (a FIFO in its place would block)."""
    import orjson

    try:
        data = orjson.loads(read_regular(path, CACHE_MOST))
    except (OSError, TracetuiError, orjson.JSONDecodeError):  # no file, a FIFO, too large, damaged
        return None
    return data if isinstance(data, dict) and data.get("format") == form else None


def _open_regular_fd(path: str | Path) -> tuple[int, int]:
    """A descriptor of `path` opened non-blocking, and its size; NotRegularFile unless it is a
    regular file (a regular file's reads never block, so the flag changes nothing for them)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            mode = st.st_mode
            what = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a special file"
            raise NotRegularFile(f"{safe_line(str(path))} is {what}, not a regular file")
        return fd, st.st_size
    except BaseException:
        os.close(fd)
        raise


# A stamp is trusted only once its file's last change is this far behind the clock: a file written
# twice within one tick of the file system's clock can keep its size, times and even inode number.
SETTLE_NS = 2_000_000_000


def file_stamp(path: str | Path) -> list[int] | None:
    """What stat says of a regular file that changes whenever its bytes do (device, inode, size,
    change and modification times); None where it is not a regular file or cannot be read. The
    change time cannot be set back by a copy that keeps times (a backup restored), so it is in."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def settled(stamp: list[int], now_ns: int | None = None) -> bool:
    """Whether `stamp`'s file last changed long enough ago for the stamp to stand for its bytes."""
    import time

    return stamp[4] < (time.time_ns() if now_ns is None else now_ns) - SETTLE_NS


def outside(path: str | Path, folder: str | Path) -> str | None:
    """The real path of `path` where it leaves `folder`'s real path (a link to /etc/passwd, or a
    link through a linked folder to somewhere else); None where it stays inside. A folder of logs
    unpacked from someone else's archive can hold such links: what they name is not theirs to give."""
    return outside_real(path, os.path.realpath(folder))


def outside_real(path: str | Path, real_folder: str) -> str | None:
    """`outside`, given the folder's real path already (a walk's root, resolved once)."""
    real = os.path.realpath(path)
    if real == real_folder or real.startswith(real_folder.rstrip(os.sep) + os.sep):
        return None
    return real


class OutsideFolder(TracetuiError):
    """The path leads out of the folder it was named in (a link to /etc/passwd or /proc/self/environ)."""


def read_inside(folder: str | Path, rel: str, limit: int) -> bytes:
    """`read_regular` of `rel` under `folder`, once every link on the way stays inside it: a work tree is
    anyone's, and a file or folder of it linked out names no text of theirs (OutsideFolder)."""
    real_folder = os.path.realpath(folder)
    real = os.path.realpath(os.path.join(real_folder, rel))  # an absolute `rel` is caught here too
    if outside_real(real, real_folder) is not None:
        raise OutsideFolder(f"{safe_line(rel)} leads out of {safe_line(str(folder))}")
    return read_regular(real, limit)  # the folder itself, a FIFO, a device: NotRegularFile


def stat_inside(folder: str | Path, rel: str, real_folder: str | None = None) -> os.stat_result | None:
    """os.stat of `rel` under `folder` where every link on the way stays inside it (`read_inside`'s
    test), else None, as for no file: whether a file of a work tree is there, and its stamp, are the
    work tree's to say, never those of a file elsewhere that a link of it names. `real_folder` is the
    folder's real path where the caller has it already (a look at hundreds of names)."""
    try:
        # A stat first (it opens nothing: a FIFO or a device cannot block it): most names looked for
        # are not there, and a realpath (a system call a folder) of each made the mapping ten times slower.
        path = os.path.join(folder, rel)
        st = os.stat(path)
        real_folder = os.path.realpath(folder) if real_folder is None else real_folder
        # An absolute `rel` or `..` in it is caught here too.
        return None if outside_real(path, real_folder) is not None else st
    except (OSError, ValueError):  # none, a loop of links, a NUL in the name
        return None


def keep_private(path: str | Path) -> None:
    """Make `path` a file its owner alone reads, before SQLite opens it: a new one is made empty with
    mode 0600 (an empty file is a new database to SQLite, which gives its WAL and shared-memory files
    the database's mode); one of the user's with more is narrowed to it. SQLite makes a file with
    the umask's mode, 0644 under the usual 022: any user of the machine read the index's titles."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        os.close(os.open(path, flags, 0o600))
        return
    except FileExistsError:
        pass
    except OSError:
        return  # a folder that cannot take it: SQLite says so in its own words
    try:
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
    except OSError:
        pass


def is_regular(path: str | Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def is_plain_file(path: str | Path) -> bool:
    """A regular file itself, not a link to one (what a link names is not the folder's to give)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


# -- a git repository's own files ------------------------------------------------------------------

# What git and libgit2 read of a git directory when they open it or answer tracetui's questions. A
# FIFO put in place of any of them (or named by the config's [include] path) blocked opening the
# repository for ever: `tracetui blame` in such a clone never returned.
_GIT_DIR_FILES = (
    "config", "HEAD", "commondir", "gitdir", "packed-refs", "shallow", "index", "objects/info/alternates",
    "info/attributes", "info/exclude", "info/grafts",
)  # fmt: skip
_SECTION = re.compile(r'^\s*\[\s*(include|includeif)\b', re.IGNORECASE)
_OTHER_SECTION = re.compile(r"^\s*\[")
_INCLUDE_PATH = re.compile(r"^\s*path\s*=\s*(.*?)\s*$", re.IGNORECASE)


# Of those, the ones git and libgit2 read whole before anything else, small by nature: a sparse file
# of gigabytes in their place (a repository from someone's tarball) was read into memory by libgit2
# and by the look for FIFOs here, and `blame` died of a MemoryError. Bytes each may hold at most.
GIT_CONFIG_MOST = 4 << 20
GIT_LINE_MOST = 64 << 10  # HEAD, `commondir`, `gitdir`, a linked work tree's `.git` file: one line
_GIT_SMALL = {"config": GIT_CONFIG_MOST, "HEAD": GIT_LINE_MOST, "commondir": GIT_LINE_MOST,
              "gitdir": GIT_LINE_MOST}
_SPECIAL = "a FIFO or a special file, not a regular file: git would wait on it for ever"


def _too_large(path: Path, most: int) -> str | None:
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    return f"{size >> 20:,} MB, too large for a file git reads whole" if size > most else None


def special_git_file(git_dir: str | Path) -> tuple[Path, str] | None:
    """The first of `git_dir`'s own files (its common folder's, the config files its config includes)
    that is there but is no regular file, or is too large for what it is, with why; None when every
    one that is there is a regular file of its size."""
    root = Path(git_dir)
    folders = [root]
    common = root / "commondir"
    if is_regular(common) and not _too_large(common, GIT_LINE_MOST):
        try:
            named = read_regular(common, GIT_LINE_MOST).decode("utf-8", "replace").strip()
        except (OSError, TracetuiError):
            named = ""
        if named:
            folders.append(root / named)
    configs: list[Path] = []
    for folder in folders:
        for name in _GIT_DIR_FILES:
            path = folder / name
            if os.path.lexists(path) and not is_regular(path):
                return path, _SPECIAL
            why = _too_large(path, _GIT_SMALL[name]) if name in _GIT_SMALL else None
            if why:
                return path, why
        configs.append(folder / "config")
    seen: set[Path] = set()
    while configs and len(seen) < 64:
        config = configs.pop()
        if config in seen or not is_regular(config):
            continue
        seen.add(config)
        for included in _includes(config):
            if os.path.lexists(included) and not is_regular(included):
                return included, _SPECIAL
            why = _too_large(included, GIT_CONFIG_MOST)
            if why:
                return included, why
            configs.append(included)
    return None


def _includes(config: Path) -> list[Path]:
    try:
        text = read_regular(config, GIT_CONFIG_MOST).decode("utf-8", "replace")
    except (OSError, TracetuiError):
        return []
    found: list[Path] = []
    inside = False
    for line in text.splitlines():
        if _OTHER_SECTION.match(line):
            inside = _SECTION.match(line) is not None
            continue
        match = _INCLUDE_PATH.match(line) if inside else None
        if match:
            value = match.group(1).strip('"')
            path = Path(os.path.expanduser(value)) if value.startswith("~") else Path(value)
            found.append(path if path.is_absolute() else config.parent / path)
    return found


def git_dir_near(path: str | Path) -> Path | None:
    """The git directory git would find from `path` (a `.git` folder or `gitdir:` file above it, or
    `path` itself when bare), found without git: asking git reads the config this is to check.
    NotRegularFile where the `.git` file is too large to be one."""
    start = Path(path).absolute()
    for folder in (start, *start.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return dot
        if is_regular(dot):
            why = _too_large(dot, GIT_LINE_MOST)
            if why:  # libgit2 reads it whole
                raise NotRegularFile(f"the repository's {safe_line(str(dot))} is {why}")
            try:
                line = read_regular(dot, GIT_LINE_MOST)[:4096].decode("utf-8", "replace").strip()
            except (OSError, TracetuiError):
                return None
            if line.startswith("gitdir:"):
                named = Path(line[len("gitdir:") :].strip())
                return named if named.is_absolute() else folder / named
            return None
        if (folder / "HEAD").exists() and (folder / "objects").is_dir():
            return folder
    return None


def refuse_special_git_files(path: str | Path) -> None:
    """NotRegularFile (one line) when the repository at or above `path` has a file git would block on,
    or one it would read whole that is too large for what it is."""
    git_dir = git_dir_near(path)
    odd = special_git_file(git_dir) if git_dir is not None else None
    if odd is not None:
        raise NotRegularFile(f"the repository's {safe_line(str(odd[0]))} is {odd[1]}")


def discover_git_dir(path: str | Path) -> str | None:
    """pygit2's `discover_repository` from `path`, once nothing that or an open of the repository
    reads would block or fill the memory (`refuse_special_git_files`, from `path` and from the git
    directory found): libgit2 reads a linked work tree's `.git` file and `commondir` while it looks,
    and its config and HEAD when it opens. NotRegularFile (one line) where one would."""
    import pygit2

    near = git_dir_near(path)  # a `.git` file too large to be one is refused here
    common = near / "commondir" if near is not None else None
    if common is not None and os.path.lexists(common):
        why = _SPECIAL if not is_regular(common) else _too_large(common, GIT_LINE_MOST)
        if why:
            raise NotRegularFile(f"the repository's {safe_line(str(common))} is {why}")
    found = pygit2.discover_repository(str(path))
    if found is not None:
        refuse_special_git_files(found)
    return found
