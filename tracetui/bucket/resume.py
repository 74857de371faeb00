"""Where a sync keeps what a reader needs to read a grown log on from where it stopped (issue 19).

A resumable reader (`Agent.resume`) returns, beside the session, a snapshot of its state at the last
complete line (`sources.common.resumable.ResumeState`). The bucket keeps it, compressed, in
`<bucket>/resume/<sha1 of the group's main log>.json.zst`, with the generation of the main log's
copy it was read from; the next sync of that group, in another process, hands it back, and the
reader parses only the bytes past it.

More in docs/internals/bucket.md, `bucket/resume.py`.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import orjson
import zstandard

from tracetui.regular_file import sweep_temp_files
from tracetui.model import Session
from tracetui.regular_file import NotRegularFile, fresh_temp, open_regular
from tracetui.sources import RawLog
from tracetui.sources.common.resumable import ResumeState, split_head
from tracetui.sources.registry import Agent

FOLDER = "resume"
VERSION = 2  # 2: a logged cost of 0 is kept (a state of 1 dropped it from the steps it holds)
LIVE_SECONDS = 3600
STALE_SECONDS = 7 * 24 * 3600  # a state not renewed for this long is removed (`prune`)
# A state is at most a few times smaller than its log: past this it is not worth reading back.
MAX_STATE = 64 << 20


def folder(bucket: Path) -> Path:
    return bucket / FOLDER


def state_path(bucket: Path, main: str) -> Path:
    key = hashlib.sha1(main.encode("utf-8", "surrogateescape")).hexdigest()
    return folder(bucket) / f"{key}.json.zst"


def read(bucket: Path, agent: Agent, logs: list[RawLog], generation: int, mtime_ns: int) -> Session:
    """`agent.read(main, companions)`, resumed from the state the last sync kept for this group when
    there is one that fits, keeping the state for the next sync when the log looks live."""
    main, companions = logs[0], logs[1:]
    path = state_path(bucket, main.path)
    previous = load(path, generation)
    live = time.time_ns() - mtime_ns < LIVE_SECONDS * 1_000_000_000
    resumable = getattr(agent, "resume", None)  # a reader may be any object with `read` (tests, plug-ins)
    if resumable is None or (previous is None and not live):
        if previous is None and path.exists():
            forget(bucket, main.path)
        return agent.read(main, companions)
    try:
        session, state = resumable(previous, main, companions)
    except Exception:
        if previous is None:
            raise  # the reader's own failure on this log: the sync reports it
        # Only a state that decoded into something the reader then tripped on gets here: read whole.
        forget(bucket, main.path)
        return agent.read(main, companions)
    if state is None:
        forget(bucket, main.path)
    elif state is not previous:
        save(path, state, generation)
    else:  # handed back until it is worth renewing: still in use, so `prune` leaves it
        try:
            os.utime(path)
        except OSError:
            pass
    return session


def load(path: Path, generation: int) -> ResumeState | None:
    """The state kept at `path` for this generation of the main log's copy, or None."""
    try:
        with open_regular(path) as fh:  # a FIFO put in its place would block a plain open()
            packed = fh.read(MAX_STATE + 1)
    except (OSError, NotRegularFile):
        return None
    if len(packed) > MAX_STATE:
        return None
    try:
        # A frame's header may claim any size: only what this writer writes (a size, under the
        # limit) is decompressed. The frame's checksum is checked as it is.
        size = zstandard.frame_content_size(packed)
        if not 0 <= size <= MAX_STATE:
            return None
        data = zstandard.ZstdDecompressor().decompress(packed)
    except zstandard.ZstdError:
        return None
    head, rest = split_head(data)
    if head is None or head.get("v") != VERSION or head.get("gen") != generation:
        return None
    return ResumeState.from_bytes(rest)


def save(path: Path, state: ResumeState, generation: int) -> None:
    """Replace the kept state; a failure only costs the next sync a full read."""
    data = orjson.dumps({"v": VERSION, "gen": generation}) + b"\n" + state.to_bytes()
    # The frame's checksum finds a state damaged on disk when it is read back.
    packed = zstandard.ZstdCompressor(level=1, write_checksum=True).compress(data)
    # Not fsynced: a state lost or torn by a crash is refused on load and costs one full read.
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh, tmp = fresh_temp(path)
        with fh:
            fh.write(packed)
        os.replace(tmp, path)
    except OSError:
        try:
            if tmp is not None:
                os.unlink(tmp)
        except OSError:
            pass


def prune(bucket: Path) -> int:
    """At the start of a sync: remove temporary files a killed sync left, and the states no sync has
    used for `STALE_SECONDS` (their session is over; should it go on, the first sync after reads it
    whole and keeps a state again). Returns how many states went."""
    sweep_temp_files(folder(bucket))
    gone = 0
    too_old = time.time() - STALE_SECONDS
    try:
        entries = list(os.scandir(folder(bucket)))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.name.endswith(".json.zst") and entry.stat().st_mtime < too_old:
                os.unlink(entry.path)
                gone += 1
        except OSError:
            pass
    return gone


def forget(bucket: Path, main: str) -> None:
    """Drop the state kept for a group (the group left the bucket, or its state is stale)."""
    try:
        os.unlink(state_path(bucket, main))
    except OSError:
        pass
