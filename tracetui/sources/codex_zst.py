"""Codex's compressed rollouts, as the bucket syncs them.

Newer Codex compresses a rollout that has gone cold into `rollout-….jsonl.zst` (zstd) and removes
the plain file; resuming the thread writes the plain `.jsonl` again, and the plain file, where both
are on disk, is the one Codex reads. On a machine where Codex has run for a while, most rollouts are
compressed. The bucket copies and reads plain logs (it appends what grew), so this stage hook gives
it each compressed rollout decompressed, under its plain name, in the agent's stage folder
(`staged/codex/<key of its folder>/rollout-….jsonl`), written again only when the compressed file
changes. A compressed rollout with a plain sibling is left out, as Codex leaves it. A staged file
whose compressed rollout is gone (the thread resumed, or deleted) is removed: the bucket keeps its
own copy, so the session stays.

A compressed file is a stranger's bytes: one that decompresses past `MAX_PLAIN` (a bomb) or is no
zstd stream is one line of error, and nothing is staged for it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import orjson
import zstandard

from tracetui.model import LineError
from tracetui.regular_file import NotRegularFile, open_regular
from tracetui.sources.staged_files import load_state, write_atomic

SUFFIX = ".zst"
PATTERN = "rollout-*.jsonl.zst"
# No rollout comes near this; a stream that decompresses past it is not read (a bomb).
MAX_PLAIN = 4 << 30
_CHUNK = 4 << 20
STATE = "zst-state.json"
STATE_VERSION = 1


class _TooBig(Exception):
    pass


def is_compressed(path: Path) -> bool:
    return path.name.endswith(".jsonl" + SUFFIX)


def stage(found: list[Path], folder: Path) -> tuple[list[Path], list[LineError]]:
    """The files to sync: those found, with each compressed rollout replaced by its staged plain copy
    (see the module's docstring). The state (`zst-state.json`) keeps each compressed file's size and
    mtime, so an unchanged one is not decompressed again."""
    problems: list[LineError] = []
    loaded = load_state(folder / STATE)
    before: dict[str, Any] = loaded.get("files", {}) if loaded.get("v") == STATE_VERSION else {}
    if not isinstance(before, dict):
        before = {}
    found_names = {str(p) for p in found}
    out: list[Path] = []
    now: dict[str, Any] = {}
    for path in found:
        if not is_compressed(path):
            out.append(path)
            continue
        plain = path.with_name(path.name[: -len(SUFFIX)])
        if str(plain) in found_names or os.path.lexists(plain):
            continue  # the plain rollout is the one Codex reads: the bucket reads it too
        target = folder / hashlib.sha1(str(path.parent).encode("utf-8", "surrogateescape")).hexdigest()[:16] / plain.name
        try:
            st = os.stat(path)
        except OSError as exc:
            problems.append(LineError(str(path), 0, f"cannot read: {exc.strerror or exc}"))
            continue
        stamp = [st.st_size, st.st_mtime_ns, str(target)]
        if before.get(str(path)) != stamp or not target.exists():
            try:
                _decompress(path, target)
            except _TooBig:
                problems.append(LineError(str(path), 0, f"decompresses past {MAX_PLAIN >> 30} GB; not read"))
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
        if os.path.lexists(source) and not os.path.lexists(source.with_name(source.name[: -len(SUFFIX)])):
            now[known] = stamp  # not among this sync's folders, still compressed: left as it is
        else:
            Path(str(stamp[2])).unlink(missing_ok=True)  # resumed (plain again) or deleted
    body = {"v": STATE_VERSION, "files": now}
    if body != loaded:  # a sync with nothing new writes nothing
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / STATE, orjson.dumps(body))
        except OSError as exc:  # the next sync decompresses again: slower, nothing lost
            problems.append(LineError(str(folder / STATE), 0, f"cannot write: {exc}"))
    return out, problems


def _decompress(source: Path, target: Path) -> None:
    """`source` decompressed into `target`, whole or not at all (a temporary file renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open_regular(source) as src, open(tmp, "wb") as dst:
            total = 0
            with zstandard.ZstdDecompressor().stream_reader(src, read_across_frames=True) as reader:
                while chunk := reader.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_PLAIN:
                        raise _TooBig
                    dst.write(chunk)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
