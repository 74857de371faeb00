"""Applying one capsule patch to a replay's clone, with our own hunk matcher.

No `git apply`, no `patch`: both would take paths and modes from the capsule. Every path is checked
(inside the clone, never `.git` by any spelling a file system accepts, never through a link), every
file read or written is a regular file, and the work is bounded in time and size.
"""

from __future__ import annotations

import errno
import os
import stat
import time
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any

from tracetui.capsule.archive import CapsuleError
from tracetui.regular_file import NotRegularFile, open_regular


def apply_patch(
    root: Path, patch: dict[str, Any], deadline: float | None = None, *, real_root: Path | None = None
) -> str | None:
    """Apply one capsule patch under `root`; None when it applied, else why not.

    `deadline` (a time.monotonic() value) bounds the time spent matching hunks; `real_root` is
    `root.resolve()` where the caller knows it already (a replay of 50,000 patches resolved it
    100,000 times)."""
    if deadline is not None and time.monotonic() > deadline:
        return TOOK_TOO_LONG  # before reading anything: a file's read and split cost time too
    try:
        target = safe_path(root, patch.get("path"), real_root)
        op = patch.get("op")
        hunks = patch.get("hunks") or []
        if not isinstance(hunks, list):
            return "malformed hunks"
        if op == "delete":
            if not target.is_file():
                return "the file to delete does not exist"
            target.unlink()
            return None
        if sum(len(h.get("lines", [])) for h in hunks) > MAX_PATCH_LINES:
            return f"the patch is too large (over {MAX_PATCH_LINES:,} lines)"
        if op in ("create", "write") and _only_additions(hunks):
            text = "".join(
                line[1:] + "\n" for h in hunks for line in h.get("lines", []) if line.startswith("+")
            )
            if op == "create" and target.exists() and _read_text(target) != text:
                return "the file to create already exists with other content"
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_text(target, text)
            return None
        if not target.is_file():
            return "the file does not exist"
        text = _read_text(target)
        new_text = apply_hunks(text, hunks, deadline)
        if new_text is None:
            return "a hunk does not match the file"
        dest = target
        if patch.get("move_to"):
            dest = safe_path(root, patch.get("move_to"), real_root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            target.unlink()
        _write_text(dest, new_text)
        return None
    except NotRegularFile:
        return "the file to patch is not a regular file (a FIFO or a device)"
    except CapsuleError as exc:
        return str(exc)
    except TimeoutError:
        return TOOK_TOO_LONG
    except (AttributeError, TypeError, ValueError):
        return "a malformed patch"
    except UnicodeDecodeError:
        return "the file is not UTF-8 text"
    except OSError as exc:
        return f"cannot write: {exc.strerror}"


# The clone is the capsule's to write between steps (the app runs the user's check after any step, and
# the capsule's code with it): a FIFO or a huge file may stand where a later patch reads or writes. A
# plain read blocked the apply worker for ever, or read gigabytes into memory.
MAX_FILE_BYTES = 128 << 20
TOOK_TOO_LONG = "applying the patches took too long"
# What one patch may write: a million lines is four times SQLite's amalgamation, and keeps the
# lines of a file it reads and writes to a hundred MB or so of memory.
MAX_PATCH_LINES = 1_000_000
MAX_FILE_LINES = MAX_PATCH_LINES


def _read_text(path: Path) -> str:
    with open_regular(path) as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise CapsuleError(f"the file is too large to patch (over {MAX_FILE_BYTES >> 20} MiB)")
    if data.count(b"\n") > MAX_FILE_LINES:
        raise CapsuleError(f"the file is too large to patch (over {MAX_FILE_LINES:,} lines)")
    return data.decode("utf-8")


def _write_text(path: Path, text: str) -> None:
    if len(text) > MAX_FILE_BYTES or text.count("\n") > MAX_PATCH_LINES:
        # One JSON string may hold millions of lines: what a patch writes is bounded, not its list.
        raise CapsuleError(f"the patch makes a file too large (over {MAX_PATCH_LINES:,} lines or {MAX_FILE_BYTES >> 20} MiB)")
    # Not blocking on open (a FIFO with no reader is an error, not a wait), never through a link.
    flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO no one reads
            raise NotRegularFile(f"{path.name} is not a regular file") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(f"{path.name} is not a regular file")
        os.set_blocking(fd, True)
        fh = os.fdopen(fd, "w", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        fh.write(text)
        fh.flush()
        # Cut to what was written, after it: a file truncated to nothing is written back to disk as it
        # is closed on ext4 (auto_da_alloc), 2.7 ms a file against 0.06 here.
        os.ftruncate(fd, os.lseek(fd, 0, os.SEEK_CUR))


MAX_PATH_PARTS = 128
MAX_PATH_BYTES = 4096  # PATH_MAX on Linux


def path_refusal(rel: Any) -> str | None:
    """Why a patch path is refused whatever clone it is applied in (outside it, inside `.git`,
    unusable), or None. `safe_path` checks the clone's own folders (symbolic links) too."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
        return "a patch has an unusable file path"
    pure = PurePosixPath(rel)
    if len(pure.parts) > MAX_PATH_PARTS or len(rel.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        # Creating thousands of nested folders recurses past Python's limit; no repository file is there.
        return "a patch path is too deep or too long"
    if pure.is_absolute() or any(part in ("..", "") for part in rel.split("/")) or rel.startswith("./"):
        return "a patch path leaves the repository"
    if any(_names_git(part) for part in pure.parts):
        return "a patch path points into .git"
    return None


def safe_path(root: Path, rel: Any, real_root: Path | None = None) -> Path:
    """`rel` inside `root`, refusing anything that could land elsewhere or inside `.git`."""
    refused = path_refusal(rel)
    if refused is not None:
        raise CapsuleError(refused)
    pure = PurePosixPath(rel)
    path = root
    for part in pure.parts:
        path = path / part
        if path.is_symlink():
            raise CapsuleError("a patch path goes through a symbolic link")
    real_root = real_root or root.resolve()
    if not path.resolve().is_relative_to(real_root):
        raise CapsuleError("a patch path leaves the repository")
    return path


def _names_git(part: str) -> bool:
    """Whether a path component is `.git` to some file system the clone could live on: any case
    (macOS, Windows), with the invisible characters HFS+ ignores, with the trailing dots and spaces
    or the `:stream` suffix NTFS drops, or as its 8.3 short name `git~1` (git's own CVE-2014-9390
    list)."""
    name = "".join(ch for ch in part if unicodedata.category(ch) != "Cf")
    name = name.split(":", 1)[0].rstrip(". ").casefold()
    return name in (".git", "git~1")


def _only_additions(hunks: list[dict[str, Any]]) -> bool:
    return all(line.startswith(("+", "\\")) for h in hunks for line in h.get("lines", []))


def apply_hunks(text: str, hunks: list[dict[str, Any]], deadline: float | None = None) -> str | None:
    """`text` with the hunks applied, located by content (line numbers only break ties).

    Raises TimeoutError past `deadline` (time.monotonic()); each hunk costs time linear in the file.
    """
    lines = text.split("\n")
    cursor = 0
    offset = 0  # how far earlier hunks moved the lines below them
    for hunk in hunks:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError
        if not isinstance(hunk, dict) or not isinstance(hunk.get("lines", []), list):
            return None
        body = [ln for ln in hunk.get("lines", []) if not isinstance(ln, str) or not ln.startswith("\\")]
        if any(not isinstance(ln, str) for ln in body):
            return None
        if any(not ln or ln[0] not in " +-" for ln in body):
            return None
        old = [ln[1:] for ln in body if ln[0] in " -"]
        new = [ln[1:] for ln in body if ln[0] in " +"]
        hint = max(0, int(hunk.get("old_start") or 0) - 1 + offset)
        at = _locate(lines, old, cursor, hint, bool(hunk.get("old_start")))
        if at is None:
            return None
        lines[at : at + len(old)] = new
        cursor = at + len(new)
        offset += len(new) - len(old)
    return "\n".join(lines)


def _locate(lines: list[str], old: list[str], cursor: int, hint: int, has_hint: bool) -> int | None:
    if not old:
        # Pure insertion: only a line number can say where.
        return min(hint, len(lines)) if has_hint else None
    if has_hint and hint >= cursor and lines[hint : hint + len(old)] == old:
        return hint  # where its line number says: the nearest match there can be, found without a search
    matches = _occurrences(lines, old, cursor)
    if not matches:
        return None
    return min(matches, key=lambda i: abs(i - hint)) if has_hint else matches[0]


def _occurrences(lines: list[str], old: list[str], start: int) -> list[int]:
    """Every i >= start where `old` stands at lines[i:], by Knuth-Morris-Pratt over whole lines.

    Linear in len(lines) + len(old) whatever the content: comparing a slice at every offset made a
    12 KB capsule of repeated lines take minutes.
    """
    n = len(old)
    fail = [0] * n
    k = 0
    for i in range(1, n):
        while k and old[i] != old[k]:
            k = fail[k - 1]
        if old[i] == old[k]:
            k += 1
        fail[i] = k
    found: list[int] = []
    k = 0
    for i in range(start, len(lines)):
        while k and lines[i] != old[k]:
            k = fail[k - 1]
        if lines[i] == old[k]:
            k += 1
        if k == n:
            found.append(i - n + 1)
            k = fail[k - 1]
    return found
