"""The bucket's folder and its index: a SQLite connection per thread, checked and rebuilt from the
copies where damaged, the writer's lock, and reads a face can stop (the base of `core.Bucket`)."""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Self, TypeVar

from tracetui import cost
from tracetui.bucket import index, shards
from tracetui.bucket.locations import BY_ENVIRONMENT, bucket_dir, bucket_named_by
from tracetui.bucket.store import Store
from tracetui.bucket.sync_report import ProgressCallback, SyncProgress
from tracetui.errors import NotFound, Stopped, TracetuiError

try:
    import fcntl
except ImportError:  # not on Windows: one sync at a time is then up to the user
    fcntl = None  # type: ignore[assignment]


INDEX_NAME = "index.sqlite"
MISSING = "missing or empty"  # an index with no groups in a bucket that has copies
# SQLite calls a progress handler every this many VM steps (`stopping`, `_whole_within`).
PROGRESS_STEPS = 1000


F = TypeVar("F", bound=Callable[..., Any])


def _sync_module() -> ModuleType:
    """The sync's module, imported where a sync or a rebuild runs: a bucket opened to be read (the
    app's list, `show`) needs none of its readers and planners (30 ms of a launch's imports)."""
    import tracetui.bucket.sync

    return tracetui.bucket.sync


def _healing(method: F) -> F:
    """Reads that meet a damaged index rebuild it from the copies once and try again; any other
    SQLite failure is one sentence naming the index, never a traceback."""

    @functools.wraps(method)
    def run(self: Connections, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if self._stopped(exc):
                raise Stopped("the read was stopped: a newer one replaced it") from None
            if not _damaged(exc):
                raise TracetuiError(f"the bucket index {self.index_path} could not be read: {exc}") from None
            self._rebuild(str(exc))
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if self._stopped(exc):
                raise Stopped("the read was stopped: a newer one replaced it") from None
            raise TracetuiError(f"the bucket index {self.index_path} could not be read: {exc}") from None

    return run  # type: ignore[return-value]


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "disk i/o error", "file is not"))


# What `Bucket.open` tells a face about a rebuild: what is rebuilt, then its progress (None at the start).
Rebuilding = Callable[[str, SyncProgress | None], None]


class Connections:
    """The bucket's folder and its index connections, one per thread (see `Bucket`)."""

    def __init__(self, root: Path, read_only: bool = False):
        self.root = root
        self.read_only = read_only
        # One line each for what the user should know about the bucket itself (an index rebuilt).
        self.notices: list[str] = []
        # While `open` runs: told when a rebuild from the copies starts and how it goes (see `open`).
        self._rebuilding: Rebuilding | None = None
        self._local = threading.local()
        # (thread, connection) for every thread that has used the bucket, so close() can close them
        # all and connections of threads that have ended (UI workers come and go) are let go.
        self._conns: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        self._store = Store(root)
        self._shards_checked = False  # once per bucket object, not per thread

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        rebuilding: Rebuilding | None = None,
        read_only: bool = False,
        create: bool = True,
    ) -> Self:
        """The bucket at `path` (default: the user's), its index checked. An index or step shard that
        is damaged or of another layout is rebuilt from the copies now, which reads every session
        once: `rebuilding(what, None)` is called as it starts and `rebuilding(what, progress)` as it
        goes, so a face can say why it waits (only during this call: later, a face may be drawing).
        A missing bucket is made, unless `create` is false or `read_only` true: then NotFound, and
        nothing is made (a mistyped --bucket given to a command that only reads: `may_make_bucket`)."""
        root = bucket_dir(path)
        if root.exists() and not root.is_dir():
            raise TracetuiError(f"the bucket {str(root)!r} is not a directory")
        # A folder of other files is no bucket either: `--bucket /etc ls` made an index in /etc. An empty
        # one is an empty bucket (the user made it for one).
        if (read_only or not create) and not (root.exists() and _holds_a_bucket(root)):
            named = f", which {BY_ENVIRONMENT} names" if bucket_named_by(path) == BY_ENVIRONMENT else ""
            raise NotFound(f"there is no bucket at {str(root)!r}{named} (`tracetui sync` makes one)")
        if not root.exists():
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise TracetuiError(f"cannot create the bucket {str(root)!r}: {exc.strerror or exc}") from None
        if not os.access(root, os.R_OK | os.X_OK):
            raise TracetuiError(f"the bucket {str(root)!r} is not readable")
        # `read_only` asks for what a bucket on a read-only folder gets (the app served to a browser).
        read_only = read_only or not _writable(root)
        if read_only and not (root / INDEX_NAME).is_file():
            raise TracetuiError(f"the bucket {str(root)!r} is read-only and has no index to read "
                                "(`tracetui sync` makes one)")
        bucket = cls(root, read_only)
        bucket._rebuilding = rebuilding
        try:
            bucket._conn()  # check (and if need be rebuild) the index now, with a clear message
        finally:
            bucket._rebuilding = None
        return bucket

    def _rebuild_progress(self, what: str) -> ProgressCallback | None:
        """Tell the face that asked (`open(rebuilding=)`) that `what` starts; its progress callback."""
        told = self._rebuilding
        if told is None:
            return None
        told(what, None)
        return lambda p: told(what, p)

    @property
    def index_path(self) -> Path:
        return self.root / INDEX_NAME

    # -- plumbing ---------------------------------------------------------------------------------

    @property
    def plans_dir(self) -> Path | None:
        """Where redaction plans live; created the first time it is asked for (None: read-only)."""
        return None if self.read_only else _made(self.root / "plans")

    @property
    def cache_dir(self) -> Path | None:
        """Where other layers keep rebuildable caches; created when first asked for (None: read-only)."""
        return None if self.read_only else _made(self.root / "cache")

    def _conn(self, retry: bool = True) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            path = self.index_path
            try:
                conn = index.connect(path, self.read_only)
                newer, found = index.newer_writer(conn), None
                if newer is None and not self._shards_checked:
                    found = shards.check(self.root)  # read once: for the refusal here and the repairs below
                    newer = shards.newer(found)
                if newer is not None:  # not ours to rebuild, nor to read in an older layout
                    _close(conn)
                    raise TracetuiError(f"the bucket {str(self.root)!r} was {newer}")
                problem = index.check(conn)
                if problem is None and not self.read_only:
                    with self._lock:
                        index.create(conn)
                        if not self._shards_checked:
                            self._heal_shards(problems=found)
                            self._shards_checked = True
                    if retry and index.is_empty(conn) and self._store.has_copies() and not self._sync_running():
                        # Deleted, emptied or never finished: the copies know better. Rebuilding
                        # here means no command ever shows an empty bucket that is not empty. Not
                        # while a sync runs: its copies are new and its rows not committed yet, and
                        # a rebuild would close the connection it is writing through.
                        problem = MISSING
            except sqlite3.DatabaseError as exc:
                problem = str(exc)
                conn = None
            if problem is not None or conn is None:
                if conn is not None:
                    _close(conn)
                if self.read_only:
                    raise TracetuiError(
                        f"the bucket index {path} is damaged ({problem}) and the bucket is read-only; "
                        "copy the bucket somewhere writable and open it there to rebuild the index"
                    )
                if not retry:
                    raise TracetuiError(f"the bucket index {path} is still damaged after a rebuild: {problem}")
                self._rebuild(problem or "it could not be opened")
                return self._conn(retry=False)
            self._local.conn = conn
            with self._lock:
                alive = []
                for thread, other in self._conns:
                    if thread.is_alive():
                        alive.append((thread, other))
                    else:
                        _close(other)
                alive.append((threading.current_thread(), conn))
                self._conns = alive
        return conn

    def _steps_conn(self) -> sqlite3.Connection:
        """This thread's connection with every step shard attached (a sync may have made new ones)."""
        conn = self._conn()
        shards.attach(conn, self.root, self.read_only)
        return conn

    def close(self) -> None:
        """Close this thread's connection and those of threads that have ended. Another live thread's
        is only let go: it may be mid-query (a sync the app left running when it closed), and SQLite
        closed under a running statement crashes the process. It closes when that thread drops it."""
        me = threading.current_thread()
        with self._lock:
            for thread, conn in self._conns:
                if thread is me or not thread.is_alive():
                    _close(conn)
            self._conns = []
        self._local = threading.local()

    def _rebuild(self, problem: str) -> None:
        """Set the damaged index aside and build a new one from the bucket's copies alone."""
        if self.read_only:
            raise TracetuiError(f"the bucket index {self.index_path} is damaged ({problem}) and the bucket is read-only")
        self.close()
        with self._sync_lock():
            aside = self.root / f"{INDEX_NAME}.damaged"
            try:
                shards.set_aside(self.index_path, "damaged")
            except OSError as exc:
                raise TracetuiError(f"the bucket index {self.index_path} is damaged and cannot be moved "
                                    f"aside: {exc.strerror or exc}") from None  # fmt: skip
            try:
                conn = index.connect(self.index_path)
            except sqlite3.DatabaseError as exc:
                raise TracetuiError(f"the bucket index {self.index_path} could not be rebuilt: {exc}") from None
            try:
                index.create(conn)
                report = _sync_module().sync(self.root, conn, {}, self._rebuild_progress("rebuilding the bucket index"), None)
                index.store_price_table(conn, cost.price_table())
            except sqlite3.DatabaseError as exc:
                raise TracetuiError(f"the bucket index {self.index_path} could not be rebuilt: {exc}") from None
            finally:
                _close(conn)
        n = report.sessions
        what = "was missing or empty" if problem == MISSING else f"was damaged ({problem})"
        kept = "" if problem == MISSING else f"; the damaged file is {aside}"
        self.notices.append(
            f"the bucket index {what}; rebuilt it from the bucket's copies ({n} session{'' if n == 1 else 's'}){kept}"
        )

    def _heal_shards(self, thorough: bool = False, problems: dict[int, str] | None = None) -> dict[int, str]:
        """Set damaged step shards aside and read their sessions again from the copies, now; returns
        {shard: what was wrong}. `problems`: `shards.check`'s answer where the caller has it already.
        A shard a newer tracetui wrote is refused, untouched (one written since the bucket opened)."""
        problems = shards.check(self.root, thorough) if problems is None else problems
        if not problems:
            return problems
        newer = shards.newer(problems)
        if newer is not None:
            raise TracetuiError(f"the bucket {str(self.root)!r} was {newer}")
        for k, problem in problems.items():
            name = shards.path(self.root, k).name
            if problem == shards.OTHER_LAYOUT:  # a cache of an older layout, no damage: made anew
                shards.remove(self.root, k)
                self.notices.append(f"the bucket's step shard {name} was {problem}; rebuilt it from the bucket's copies")
            else:
                shards.remove(self.root, k, keep_as="damaged")
                self.notices.append(f"the bucket's step shard {name} was damaged ({problem}); "
                                    "rebuilt it from the bucket's copies")  # fmt: skip
        conn = index.connect(self.index_path)
        try:
            marks = ",".join("?" * len(problems))
            with self._sync_lock():
                conn.execute("BEGIN")
                conn.execute(f"DELETE FROM groups WHERE main IN (SELECT grp FROM sessions WHERE shard IN ({marks}))", list(problems))
                conn.execute("COMMIT")
                _sync_module().sync(self.root, conn, {}, self._rebuild_progress("rebuilding the bucket's step index"), None)
        finally:
            _close(conn)
        return problems

    @contextlib.contextmanager
    def _sync_lock(self) -> Iterator[None]:
        try:
            lock = open(self.root / "sync.lock", "a+b")
        except OSError as exc:
            raise TracetuiError(f"cannot write to the bucket {str(self.root)!r}: {exc.strerror or exc}") from None
        with lock:
            # One writer at a time per bucket (another process may be syncing the same one).
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _sync_running(self) -> bool:
        """Whether a sync, of this process or another, holds the bucket's writer lock right now."""
        if fcntl is None:
            return False
        try:
            lock = open(self.root / "sync.lock", "a+b")
        except OSError:
            return False
        with lock:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
            return False

    @contextlib.contextmanager
    def stopping(self, stop: Callable[[], bool]) -> Iterator[None]:
        """Within it, the reads this thread makes stop soon after `stop()` turns true (SQLite asks it
        every PROGRESS_STEPS steps of its VM): they raise `Stopped`, and leave the connection whole.
        A face's worker whose question a newer one replaced need not wait for the old answer."""
        conn = self._conn()
        outer = getattr(self._local, "stop", None)
        self._local.stop = stop
        conn.set_progress_handler(stop, PROGRESS_STEPS)
        try:
            yield
        finally:
            self._local.stop = outer
            if outer is None:
                conn.set_progress_handler(None, 0)
            else:
                conn.set_progress_handler(outer, PROGRESS_STEPS)

    def _stopped(self, exc: sqlite3.DatabaseError) -> bool:
        """Whether `exc` is SQLite interrupted by this thread's `stopping`."""
        stop = getattr(self._local, "stop", None)
        return stop is not None and "interrupt" in str(exc) and bool(stop())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _writable(root: Path) -> bool:
    """Whether the bucket folder takes writes (a read-only mount says no even to root)."""
    if not os.access(root, os.W_OK):
        return False
    try:
        # mkstemp's fresh name: `.write-probe.<pid>` was touched through a link planted there.
        fd, probe = tempfile.mkstemp(prefix=".write-probe.", dir=root)
        os.close(fd)
        os.unlink(probe)
    except OSError:
        return False
    return True


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _close(conn: sqlite3.Connection) -> None:
    try:
        conn.close()
    except sqlite3.Error:
        pass


# What a bucket holds from its first sync on (`Store`'s copies, the index, the step shards, the sync's lock).
_BUCKET_MARKS = (INDEX_NAME, "raw", "sync.lock", "plans")


def _holds_a_bucket(root: Path) -> bool:
    """Whether `root` holds a bucket, or nothing yet."""
    try:
        with os.scandir(root) as entries:
            names = [e.name for e in entries]
    except OSError:
        return False
    return not names or any(n in _BUCKET_MARKS or (n.startswith("steps-") and n.endswith(".sqlite")) for n in names)
