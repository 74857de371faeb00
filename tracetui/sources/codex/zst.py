"""Codex's compressed rollouts, as the bucket syncs them.

More in docs/formats/codex.md, `sources/codex/zst.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import zstandard

from tracetui.model import LineError, LineErrors
from tracetui.regular_file import NotRegularFile, is_plain_file, open_regular
from tracetui.sources.common.staged_files import load_state, nameable, write_atomic

SUFFIX = ".zst"
PATTERN = "rollout-*.jsonl.zst"
# No rollout comes near this; a stream that decompresses past it is not read (a bomb).
MAX_PLAIN = 4 << 30
# Nor past this many times its compressed size, beyond the first RATIO_SLACK bytes (a small rollout of
# one long repeated tool output may compress far better than the 3 to 6 times of real ones).
MAX_RATIO = 200
RATIO_SLACK = 64 << 20
# Compressed bytes fed to the decompressor at a time: zstd turns 4 bytes into at most one 128 KB block,
# so no call returns more than 32 MB, however the stream was made.
_IN_CHUNK = 1 << 10
STATE = "zst-state.json"
STATE_VERSION = 1


class _TooBig(Exception):
    pass


class _CutShort(Exception):
    pass


class _Changed(Exception):
    pass


def is_compressed(path: Path) -> bool:
    return path.name.endswith(".jsonl" + SUFFIX)


def stage(found: list[Path], folder: Path) -> tuple[list[Path], LineErrors]:
    """The files to sync: those found, with each compressed rollout replaced by its staged plain copy
    (see the module's docstring). The state (`zst-state.json`) keeps each compressed file's size and
    mtime, so an unchanged one is not decompressed again."""
    problems: LineErrors = LineErrors()
    loaded = load_state(folder / STATE)
    before: dict[str, Any] = loaded.get("files", {}) if loaded.get("v") == STATE_VERSION else {}
    if not isinstance(before, dict):
        before = {}
    found_names = {str(p) for p in found}
    out: list[Path] = []
    now: dict[str, Any] = {}
    for path in found:
        if not is_compressed(path) or not nameable(path):
            # A name that is not UTF-8 is left to the sync, which says so: the state (JSON) cannot
            # hold it, and failing to write it failed the whole agent's sync.
            out.append(path)
            continue
        plain = path.with_name(path.name[: -len(SUFFIX)])
        if str(plain) in found_names or os.path.lexists(plain):
            continue  # the plain rollout is the one Codex reads: the bucket reads it too
        target = _target(folder, path)
        try:
            st = os.stat(path)
        except OSError as exc:
            problems.append(LineError(str(path), 0, f"cannot read: {exc.strerror or exc}"))
            continue
        stamp = [st.st_size, st.st_mtime_ns, str(target)]
        if before.get(str(path)) != stamp or not is_plain_file(target):
            try:
                _decompress(path, target)
            except _TooBig as exc:
                problems.append(LineError(str(path), 0, f"decompresses past {exc}; not read (a bomb?)"))
                continue
            except _CutShort:
                problems.append(LineError(str(path), 0, "ends inside a zstd frame (cut short?); not read"))
                continue
            except _Changed:
                changed = "changed while it was read; read again at the next sync"
                problems.append(LineError(str(path), 0, changed))
                continue
            except zstandard.ZstdError as exc:
                problems.append(LineError(str(path), 0, f"not a zstd-compressed rollout ({exc}); not read"))
                continue
            except (OSError, NotRegularFile) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                problems.append(LineError(str(path), 0, f"cannot stage the compressed rollout: {why}"))
                continue
        now[str(path)] = stamp
        out.append(target)
    for known, stamp in before.items():
        if known in now or not isinstance(stamp, list) or len(stamp) != 3:
            continue
        source = Path(known)
        if not is_compressed(source) or not source.is_absolute():
            continue  # no name this stage wrote: the state was damaged
        if os.path.lexists(source) and not os.path.lexists(source.with_name(source.name[: -len(SUFFIX)])):
            now[known] = stamp  # not among this sync's folders, still compressed: left as it is
        else:
            # Resumed (plain again) or deleted. The staged file is where this stage puts it, whatever
            # the state says: a state file written by someone else names no file to delete.
            with contextlib.suppress(OSError):
                _target(folder, source).unlink(missing_ok=True)
    body = {"v": STATE_VERSION, "files": now}
    if body != loaded:  # a sync with nothing new writes nothing
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / STATE, orjson.dumps(body))
        except OSError as exc:  # the next sync decompresses again: slower, nothing lost
            problems.append(LineError(str(folder / STATE), 0, f"cannot write: {exc}"))
    return out, problems


def passes(path: Path, folder: Path) -> bool:
    """Whether `stage` would give a new log `path` as it is and nothing else differently: a plain
    rollout with no compressed twin on disk (which it would stand in for) and no staged copy of one
    (which the stage would remove now that the plain file is back)."""
    if is_compressed(path):
        return False
    twin = path.with_name(path.name + SUFFIX)
    return not os.path.lexists(twin) and not os.path.lexists(_target(folder, twin))


def _target(folder: Path, source: Path) -> Path:
    """Where `source` (a compressed rollout) is staged: a folder per source folder, its plain name."""
    key = hashlib.sha1(str(source.parent).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return folder / key / source.name[: -len(SUFFIX)]


def _decompress(source: Path, target: Path) -> None:
    """`source` decompressed into `target`, whole or not at all (a temporary file renamed). The stamp
    taken before it stays true: a file replaced after it is read again at the next sync, and one
    written to while it is read is refused here."""
    holder = target.parent
    if holder.is_symlink():  # planted: the staged file would be written wherever it points
        holder.unlink()
    holder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with open_regular(source) as src:
            read = os.fstat(src.fileno())
            cap = min(MAX_PLAIN, MAX_RATIO * read.st_size + RATIO_SLACK)
            # O_EXCL | O_NOFOLLOW: a name planted between the unlink and here is refused, not followed.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(tmp, flags, 0o600), "wb") as dst:
                _inflate(src, dst, cap)
            after = os.fstat(src.fileno())
            if (after.st_size, after.st_mtime_ns) != (read.st_size, read.st_mtime_ns):
                raise _Changed
        os.replace(tmp, target)  # a symlink planted at `target` is replaced, not followed
    finally:
        tmp.unlink(missing_ok=True)


def _inflate(src: BinaryIO, dst: BinaryIO, cap: int) -> None:
    """Every frame of `src` into `dst`: skippable frames skipped; past `cap` bytes, or a stream that
    ends inside a frame, raises (the streaming reader takes both for the end of the data)."""
    decompressor = zstandard.ZstdDecompressor()
    frame = decompressor.decompressobj()
    inside = False  # bytes of the current frame were given and it has not ended
    total = 0
    while data := src.read(_IN_CHUNK):
        while data:
            chunk = frame.decompress(data)
            inside = True
            total += len(chunk)
            if total > cap:
                raise _TooBig(_size(cap))
            dst.write(chunk)
            if not frame.eof:
                break
            data = frame.unused_data  # the next frame's first bytes, if any
            frame = decompressor.decompressobj()
            inside = False
    if inside:
        raise _CutShort


def _size(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB"
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n >> 10} KB"
