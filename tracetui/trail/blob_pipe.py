"""Blobs read ahead by one `git cat-file --batch` process, while the trail works on the ones before.

libgit2 resolves each blob's delta chain again and holds the trail's one thread while it does: a
quarter of a first trail on a real repository (bench/RESULTS.md, "Trail"). git keeps the delta bases
it resolved, and its process runs on another core. More in docs/internals/trail.md,
`trail/blob_pipe.py`.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections import deque
from collections.abc import Iterable

from tracetui.trail.git_command import git_argv, git_env

try:
    import fcntl
except ImportError:  # Windows: git's pipe keeps the system's size
    fcntl = None  # type: ignore[assignment]

AHEAD = 64  # requests written and not yet answered (their ids stay well inside stdin's pipe buffer)
KEEP = 32 << 20  # bytes of blobs read past, waiting to be taken; the oldest are dropped beyond it
PIPE_BYTES = 1 << 20  # git's output pipe: how far it may run ahead of the reads
START_AFTER = 8  # blobs asked for before the process is worth starting
_OID = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class BlobPipe:
    """Blobs of one repository asked for ahead (`ask`) and taken in any order (`take`). A blob not
    asked for, dropped, missing, or any failure of the process gives None: the caller reads it with
    pygit2 as before. Single-threaded: a take reads the answers before its own from the pipe."""

    def __init__(self, git_dir: str) -> None:
        self.git_dir = git_dir
        self._proc: subprocess.Popen[bytes] | None = None
        self._broken = False
        self._queue: deque[bytes] = deque()  # asked for, not yet requested
        self._asked: set[bytes] = set()
        self._sent: deque[bytes] = deque()  # requested, answers not yet read, in order
        self._ready: dict[bytes, bytes] = {}  # answers read, not yet taken
        self._ready_bytes = 0

    def ask(self, oids: Iterable[str]) -> None:
        """Blobs to read ahead, in the order they will be taken. The newest ask goes first: the trail
        asks for a file's versions, or a move's candidates, just before it reads them."""
        batch: list[bytes] = []
        for oid in oids:
            key = oid.encode("ascii", "replace")
            if key not in self._asked and _OID.fullmatch(key):
                self._asked.add(key)
                batch.append(key)
        self._queue.extendleft(reversed(batch))
        if self._proc is None and not self._broken and len(self._queue) >= START_AFTER:
            self._start()
        self._top_up()

    def take(self, oid: str) -> bytes | None:
        key = oid.encode("ascii", "replace")
        found = self._ready.pop(key, None)
        if found is not None:
            self._ready_bytes -= len(found)
            self._asked.discard(key)
            return found
        if self._broken or key not in self._asked:
            return None  # not asked (or dropped): read it directly
        if key not in self._sent:
            self._queue.appendleft(key)  # asked, not requested yet: requested now, past the window
            self._top_up(force=True)
            if key not in self._sent:
                self._asked.discard(key)
                return None
        while self._sent and not self._broken:
            got, data = self._answer()
            if got == key:
                self._asked.discard(key)
                self._top_up()
                return data
            if data is not None:
                self._keep(got, data)
        return None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        self._broken = True
        self._ready.clear()
        if proc is None:
            return
        with contextlib.suppress(OSError):
            proc.stdin.close()  # type: ignore[union-attr]
        proc.kill()  # answers it is still writing are not wanted
        with contextlib.suppress(OSError):
            proc.stdout.close()  # type: ignore[union-attr]
        proc.wait()

    def _start(self) -> None:
        try:
            self._proc = subprocess.Popen(
                git_argv(self.git_dir, "cat-file", "--batch"),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env(),
            )  # fmt: skip
        except (OSError, ValueError):
            self._broken = True  # no git here: pygit2 reads every blob
            return
        if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ") and self._proc.stdout is not None:
            with contextlib.suppress(OSError):
                fcntl.fcntl(self._proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)

    def _top_up(self, force: bool = False) -> None:
        proc = self._proc
        if proc is None or self._broken or proc.stdin is None:
            return
        lines: list[bytes] = []
        while self._queue and (len(self._sent) + len(lines) < AHEAD or (force and not lines)):
            key = self._queue.popleft()
            if key in self._asked:  # not taken (read directly) meanwhile
                lines.append(key)
        if not lines:
            return
        try:
            proc.stdin.write(b"\n".join(lines) + b"\n")
            proc.stdin.flush()
        except OSError:
            self._broken = True
            return
        self._sent.extend(lines)

    def _answer(self) -> tuple[bytes, bytes | None]:
        """The next answer: (its request, the blob's bytes or None for missing or not a blob)."""
        asked = self._sent.popleft()
        stdout = self._proc.stdout if self._proc is not None else None
        try:
            header = stdout.readline() if stdout is not None else b""
            parts = header.split()
            if len(parts) == 3 and parts[0] == asked and parts[2].isdigit():
                size = int(parts[2])
                # The blob, then its newline read apart: cutting it off a slice copied every blob again.
                data = stdout.read(size) if stdout is not None else b""
                if len(data) != size or (stdout.read(1) if stdout is not None else b"") != b"\n":
                    raise OSError("short read")
                return asked, data if parts[1] == b"blob" else None
            if len(parts) == 2 and parts[0] == asked:
                return asked, None  # "missing", "ambiguous": pygit2 says which
        except (OSError, ValueError):
            pass
        self._broken = True  # a stream out of step: nothing more is read from it
        return asked, None

    def _keep(self, key: bytes, data: bytes) -> None:
        self._ready[key] = data
        self._ready_bytes += len(data)
        while self._ready_bytes > KEEP and self._ready:
            old = next(iter(self._ready))
            self._ready_bytes -= len(self._ready.pop(old))
            self._asked.discard(old)
