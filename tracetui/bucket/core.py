"""The bucket: a folder holding the raw-log copies (`raw/`), the index (`index.sqlite`), the
redaction plans (`plans/`) and caches (`cache/`), and the one object the other layers talk to."""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson

from tracetui.bucket import index, removed, resume, shards
from tracetui.bucket import ratings as rated
from tracetui.bucket.ratings import Rating
from tracetui.bucket.index import hit_snippet
from tracetui.bucket.locations import bucket_dir
from tracetui.bucket.searched import sqlite_text, step_query
from tracetui.bucket.store import Store
from tracetui.bucket.sync import ProgressCallback, SyncProgress, SyncReport, sync
from tracetui import cost
from tracetui.cost import PriceTable
from tracetui.errors import NotFound, Stopped, TracetuiError
from tracetui.model import Session, SessionSummary, Step
from tracetui.safe_text import clip
from tracetui.sources import registry
from tracetui.sources import RawLog

try:
    import fcntl
except ImportError:  # not on Windows: one sync at a time is then up to the user
    fcntl = None  # type: ignore[assignment]


@dataclass(slots=True)
class SearchHit:
    session: str  # session id
    step: str  # step id
    snippet: str  # short plain text around the match, on one line
    index: int | None = None  # the step's index in its session (what `seal --steps` takes)
    title: str | None = None  # the session's
    agent: str | None = None
    timestamp: str | None = None  # the step's time, else the session's start
    match: tuple[int, int] | None = None  # [start, end) of the matched word in `snippet`

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "step": self.step,
            "snippet": self.snippet,
            "index": self.index,
            "title": self.title,
            "agent": self.agent,
            "timestamp": self.timestamp,
            "match": list(self.match) if self.match else None,
        }


@dataclass(slots=True)
class Removal:
    """What `Bucket.remove` took out of the bucket (the agent's own logs are never touched)."""

    session: str
    title: str | None
    agent: str
    logs: list[str]  # the agent's logs whose copies went; kept out of syncs until they change
    copies: int  # files deleted from the bucket: copies of every generation and their sidecars

    def to_dict(self) -> dict[str, Any]:
        return {"removed": self.session, "title": self.title, "agent": self.agent, "logs": self.logs,
                "copies": self.copies}  # fmt: skip


@dataclass(slots=True)
class ListHead:
    """The first sessions a text filter keeps, found by work that does not grow with the bucket
    (`Bucket.first_sessions`): what a list can show while the whole answer is still worked out."""

    rows: list[SessionSummary]  # the whole answer's first rows, in the list's order
    count: int | None = None  # the whole answer's count, where it was found

    @property
    def whole(self) -> bool:
        """`rows` is the whole answer (`list_sessions` gives no more)."""
        return self.count is not None and self.count == len(self.rows)


INDEX_NAME = "index.sqlite"
MISSING = "missing or empty"  # an index with no groups in a bucket that has copies
# Search ranks at most this many matches (the most recently indexed), to bound its cost.
RANK_WINDOW = 5000
# The sessions `first_sessions` looks at before it leaves the rest to the whole answer: a look costs a
# few tens of microseconds (one FTS lookup in one session's rowid range).
HEAD_LOOKS = 400
# SQLite calls a progress handler every this many VM steps (`stopping`, `_whole_within`).
PROGRESS_STEPS = 1000
# How long (CPU seconds) `first_sessions` lets the whole answer run before it looks session by session
# instead: a rare word's whole answer is cheaper than any walk, and is exact and counted.
HEAD_BUDGET = 0.005


F = TypeVar("F", bound=Callable[..., Any])


def _healing(method: F) -> F:
    """Reads that meet a damaged index rebuild it from the copies once and try again; any other
    SQLite failure is one sentence naming the index, never a traceback."""

    @functools.wraps(method)
    def run(self: Bucket, *args: Any, **kwargs: Any) -> Any:
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


# SQLite's SQLITE_MAX_LIKE_PATTERN_LENGTH as built (bytes): a longer pattern fails the whole query
# ("LIKE or GLOB pattern too complex"), which a user's 100 KB filter or id should not.
LIKE_PATTERN_MAX = 50_000


def _like_fits(pattern: str) -> bool:
    return len(pattern) * 4 <= LIKE_PATTERN_MAX or len(pattern.encode("utf-8")) <= LIKE_PATTERN_MAX


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt", "disk i/o error", "file is not"))


# What `Bucket.open` tells a face about a rebuild: what is rebuilt, then its progress (None at the start).
Rebuilding = Callable[[str, SyncProgress | None], None]


class Bucket:
    """Thread-safe: each thread gets its own SQLite connection; WAL keeps reads unblocked by a sync.

    A bucket on a read-only folder (a backup, a snapshot, a shared mount) opens read-only: it lists,
    shows and searches, and refuses to sync or keep redaction plans, saying why."""
    # The Library capabilities a bucket does not have (tracetui.library): it is no opened capsule.
    kind = "bucket"
    manifest: dict[str, Any] | None = None
    fates: list[dict[str, Any]] | None = None

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
        cls, path: str | Path | None = None, rebuilding: Rebuilding | None = None, read_only: bool = False
    ) -> Bucket:
        """The bucket at `path` (default: the user's), its index checked. An index or step shard that
        is damaged or of another layout is rebuilt from the copies now, which reads every session
        once: `rebuilding(what, None)` is called as it starts and `rebuilding(what, progress)` as it
        goes, so a face can say why it waits (only during this call: later, a face may be drawing)."""
        root = bucket_dir(path)
        if root.exists() and not root.is_dir():
            raise TracetuiError(f"the bucket {str(root)!r} is not a directory")
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
                problem = index.check(conn)
                if problem is None and not self.read_only:
                    with self._lock:
                        index.create(conn)
                        if not self._shards_checked:
                            self._heal_shards()
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
        with self._lock:
            for _, conn in self._conns:
                _close(conn)
            self._conns.clear()
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
                report = sync(self.root, conn, {}, self._rebuild_progress("rebuilding the bucket index"), None)
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

    def _heal_shards(self, thorough: bool = False) -> dict[int, str]:
        """Set damaged step shards aside and read their sessions again from the copies, now; returns
        {shard: what was wrong}."""
        problems = shards.check(self.root, thorough)
        if not problems:
            return problems
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
                sync(self.root, conn, {}, self._rebuild_progress("rebuilding the bucket's step index"), None)
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

    def __enter__(self) -> Bucket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sync -------------------------------------------------------------------------------------

    def sync(
        self,
        sources: dict[str, list[Path]] | None = None,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
        paths: Collection[str] | None = None,
    ) -> SyncReport:
        """Bring the bucket up to date with the agents' logs (default: their usual folders).

        `progress(SyncProgress)` is called after each session group is done. `workers` caps the
        process pool (None: decide from the amount of work; 1: no pool). `paths`: the files a
        watcher saw change; only their session groups are synced when the change can be scoped so.
        """
        for agent in sources or {}:
            if agent not in registry.names():
                raise TracetuiError(f"unknown agent {agent!r}: expected {registry.spoken_names()}")
        if self.read_only:
            raise TracetuiError(
                f"the bucket {self.root} is read-only: it can be listed, shown and searched, not synced"
            )
        return self._sync(sources, progress, workers, heal=True, paths=paths)

    def _sync(
        self,
        sources: dict[str, list[Path]] | None,
        progress: ProgressCallback | None,
        workers: int | None,
        heal: bool,
        paths: Collection[str] | None = None,
    ) -> SyncReport:
        conn = self._conn()
        with self._sync_lock():
            try:
                report = sync(self.root, conn, sources, progress, workers, paths)
                stored = index.stored_price_table(conn)
                if stored is None or stored.version != cost.table_version():
                    index.store_price_table(conn, cost.price_table())
                return report
            except sqlite3.DatabaseError as exc:
                if not (heal and _damaged(exc)):
                    raise TracetuiError(f"the bucket index {self.index_path} could not be updated: {exc}") from None
                problem = str(exc)
        # Rebuilt outside the writer's lock (the rebuild takes it itself), and tried again once.
        self._rebuild(problem)
        return self._sync(sources, progress, workers, heal=False)

    # -- reads ------------------------------------------------------------------------------------

    def _where(
        self,
        agent: str | None,
        project: str | None,
        text: str | None,
        since: str | None = None,
        until: str | None = None,
        include_hidden: bool = False,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = [] if include_hidden else ["hidden IS NULL"]
        params: list[Any] = []
        # Start times are ISO strings (UTC): comparing the first 19 characters compares the times.
        if since:
            clauses.append("substr(started, 1, 19) >= ?")
            params.append(since)
        if until:
            clauses.append("substr(started, 1, 19) < ?")
            params.append(until)
        if agent:
            clauses.append("agent = ?")
            params.append(agent)
        if project:
            clauses.append("project = ?")
            params.append(project)
        query = step_query(text or "")
        if query.words:
            like = _like(query.words)
            if _like_fits(like):
                cond = "title LIKE ? ESCAPE '\\' OR project LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\'"
                params += [like, like, like]
            else:  # SQLite refuses the pattern: and no title, folder name or id is as long
                cond = "0"
            sql, more = shards.matching_sql(self._steps_conn(), index.fts_passes(query))
            if more:
                cond += f" OR (shard, gkey) IN ({sql})"
                params += more
            clauses.append(f"({cond})")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return where, params

    @_healing
    def list_sessions(
        self,
        agent: str | None = None,
        project: str | None = None,
        text: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        *,
        since: str | None = None,
        until: str | None = None,
        order: str = "date",
        include_hidden: bool = False,
    ) -> list[SessionSummary]:
        """Session rows, newest first (or by `order`, most first). `text` matches title, project or
        id, or any step's words where a search looks (`searched.py`: what was said, unless `kind:`
        says otherwise); `since`/`until` bound the start time (UTC, `until` exclusive).
        Sessions with a `hidden` reason (empty ones, warm-ups) only with `include_hidden`."""
        where, params = self._where(agent, project, text, since, until, include_hidden)
        sql = f"SELECT {index.SUMMARY_COLUMNS} FROM sessions {where} {_ORDERS.get(order, index.ORDER)} LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        return [index.summary_from_row(r) for r in self._conn().execute(sql, params)]

    @_healing
    def first_sessions(
        self,
        agent: str | None = None,
        project: str | None = None,
        text: str | None = None,
        limit: int = 50,
        *,
        since: str | None = None,
        until: str | None = None,
        order: str = "date",
        include_hidden: bool = False,
        looks: int = HEAD_LOOKS,
        budget: float | None = None,
    ) -> ListHead:
        """The first rows (`limit` at most) `list_sessions` gives for the same filter, found by work
        bounded by the screen rather than by the bucket: the sessions are looked at one at a time in
        the list's order, `looks` at most, each by its title, project or id, then by its own steps
        (one FTS lookup bounded to its rowid range). The whole answer (every session a word is in)
        grows with the bucket.

        A last word of PREFIX_MIN letters or more also matches as a prefix, and FTS5 cannot look a
        prefix up in one session's range without merging every word it covers; so here it is looked
        up as a whole word, and the first session not found so ends the rows (a longer word could
        keep it, and the whole answer says).

        With no prefix to look up, the whole answer is tried first, for `budget` seconds of CPU
        (None: HEAD_BUDGET): where it is done by then (a rare word, a small bucket) it is given,
        with its count. Not with one: FTS5 merges a prefix's words in one step SQLite cannot
        interrupt, as long as a shard's whole answer takes."""
        conn = self._steps_conn()
        query = step_query(text or "")
        words = index.fts_passes(query, prefix=False) if query.words else []
        prefixed = index.fts_passes(query) != words if query.words else False
        budget = HEAD_BUDGET if budget is None else budget
        if budget > 0 and not prefixed:
            found = self._whole_within(budget, conn, (agent, project, text, since, until, include_hidden), limit, order)
            if found is not None:
                return found
        where, params = self._where(agent, project, None, since, until, include_hidden)
        label = "0"
        if query.words and _like_fits(_like(query.words)):  # else no title, project or id is as long
            like = _like(query.words)
            label = "(title LIKE ? ESCAPE '\\' OR project LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')"
            params = [like, like, like, *params]
        # Only the keys are sorted and read (every session is, in C); a row is made for those kept.
        ordered = _ORDERS.get(order, index.ORDER)
        sql = f"SELECT rowid, shard, gkey, {label} FROM sessions {where} {ordered} LIMIT ?"
        attached = set(shards.attached(conn))
        probes: dict[int, tuple[str, list[Any]]] = {}
        kept_rowids: list[int] = []
        looked = 0
        for rowid, shard, key, named in conn.execute(sql, [*params, looks]).fetchall():
            if len(kept_rowids) >= limit:
                return self._head(conn, kept_rowids)
            looked += 1
            kept = bool(named) or not query.words
            if not kept and words and shard in attached:
                if shard not in probes:
                    probes[shard] = shards.holds_sql(shard, words)
                probe, more = probes[shard]
                kept = conn.execute(probe, (key, *more)).fetchone() is not None
            if kept:
                kept_rowids.append(rowid)
            elif prefixed and shard in attached:
                return self._head(conn, kept_rowids)  # a prefix alone could keep this one: undecided
        # Every session looked at was decided; where that was every session, so is the answer.
        return self._head(conn, kept_rowids, whole=looked < looks)

    @staticmethod
    def _head(conn: sqlite3.Connection, rowids: list[int], whole: bool = False) -> ListHead:
        marks = ",".join("?" * len(rowids))
        sql = f"SELECT rowid, {index.SUMMARY_COLUMNS} FROM sessions WHERE rowid IN ({marks})"
        rows = {r[0]: index.summary_from_row(r[1:]) for r in conn.execute(sql, rowids)}
        found = [rows[r] for r in rowids if r in rows]
        return ListHead(found, len(found) if whole else None)

    def _whole_within(
        self, budget: float, conn: sqlite3.Connection, filters: tuple[Any, ...], limit: int, order: str
    ) -> ListHead | None:
        """The first `limit` rows of the whole answer and its count, or None where SQLite had not
        found them after `budget` seconds of this thread's CPU (the query is interrupted, nothing is
        left behind)."""
        where, params = self._where(*filters)
        sql = (f"SELECT {index.SUMMARY_COLUMNS}, count(*) OVER () FROM sessions {where}"
               f" {_ORDERS.get(order, index.ORDER)} LIMIT ?")  # fmt: skip
        # This thread's CPU, not the clock: what decides is what the answer costs, not the machine's load.
        end = time.thread_time() + budget
        stop: Callable[[], bool] | None = getattr(self._local, "stop", None)
        conn.set_progress_handler(lambda: time.thread_time() > end or (stop is not None and stop()), PROGRESS_STEPS)
        try:
            found = conn.execute(sql, [*params, limit]).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc) or self._stopped(exc):
                raise
            return None
        finally:
            conn.set_progress_handler(stop, PROGRESS_STEPS if stop is not None else 0)
        rows = [index.summary_from_row(r[: index.SUMMARY_WIDTH]) for r in found]
        return ListHead(rows, found[0][-1] if found else 0)

    @_healing
    def count_sessions(
        self,
        agent: str | None = None,
        project: str | None = None,
        text: str | None = None,
        *,
        since: str | None = None,
        until: str | None = None,
        include_hidden: bool = False,
    ) -> int:
        where, params = self._where(agent, project, text, since, until, include_hidden)
        return self._conn().execute(f"SELECT count(*) FROM sessions {where}", params).fetchone()[0]

    @_healing
    def price_table(self) -> PriceTable | None:
        """The price table the listed costs (`cost_usd`) come from; None before the first sync."""
        return index.stored_price_table(self._conn())

    @_healing
    def projects(self) -> list[str]:
        rows = self._conn().execute("SELECT DISTINCT project FROM sessions WHERE project IS NOT NULL ORDER BY project")
        return [r[0] for r in rows]

    def recorded_trail(self, session_id: str) -> None:
        """None: a bucket's trail is judged from the repository (tracetui.library)."""
        return None

    @_healing
    def version(self) -> int | None:
        """SQLite's data_version on this thread's connection: it moves when any other connection (a
        sync in a worker thread or in another process) commits, and costs no read of the index."""
        return int(self._conn().execute("PRAGMA data_version").fetchone()[0])

    @_healing
    def agents(self) -> list[str]:
        return [r[0] for r in self._conn().execute("SELECT DISTINCT agent FROM sessions ORDER BY agent")]

    @_healing
    def resolve(self, id_or_prefix: str) -> str:
        """The full id of the one session whose id is, or starts with, `id_or_prefix`."""
        key = sqlite_text(id_or_prefix or "").strip()
        if not key:
            raise TracetuiError("no session id given")
        conn = self._conn()
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (key,)).fetchone():
            return key
        pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = [r[0] for r in conn.execute(
            "SELECT id FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 6", (pattern,)
        )] if _like_fits(pattern) else []  # fmt: skip
        if not rows:
            raise NotFound(f"no session id starts with {clip(key, 80)!r} (run `tracetui ls` to see them)")
        if len(rows) > 1:
            shown = ", ".join(rows[:5]) + (", ..." if len(rows) > 5 else "")
            raise TracetuiError(f"{key!r} matches several sessions ({shown}); give more of the id")
        return rows[0]

    @_healing
    def summary(self, id_or_prefix: str) -> SessionSummary:
        """One session's listing row, without loading its steps."""
        sid = self.resolve(id_or_prefix)
        row = self._conn().execute(f"SELECT {index.SUMMARY_COLUMNS} FROM sessions WHERE id=?", (sid,)).fetchone()
        if row is None:
            raise NotFound(f"session {sid!r} is no longer in the bucket")
        return index.summary_from_row(row)

    @_healing
    def session(self, id_or_prefix: str) -> Session:
        sid = self.resolve(id_or_prefix)
        session = index.load_session(self._steps_conn(), sid)
        if session is None:  # removed by a sync between resolve and load
            raise NotFound(f"session {sid!r} is no longer in the bucket")
        return session

    @_healing
    def session_head(self, id_or_prefix: str, steps: int) -> Session:
        """A session with only its first `steps` steps (everything else whole): what a preview shows,
        read in a time that does not grow with the session."""
        sid = self.resolve(id_or_prefix)
        session = index.load_session(self._steps_conn(), sid, max(0, steps))
        if session is None:
            raise NotFound(f"session {sid!r} is no longer in the bucket")
        return session

    @_healing
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Steps whose text or tool arguments match the words of `query` (any input is safe), in
        what was said unless its `kind:` terms say where else (`searched.py`).

        Whole-word matches come first; only when they are fewer than `limit` is the last word also
        taken as a prefix (`xyloph` finds `xylophone`): a prefix query costs a merge over every
        word it covers, which whole common words need not pay. Within each, best matches first
        (bm25), ranked among the RANK_WINDOW most recently indexed: bounded work however common
        the words are.
        """
        wanted = step_query(query or "")
        exact = index.fts_passes(wanted, prefix=False)
        if not exact or limit <= 0:
            return []
        conn = self._steps_conn()
        places = [(k, r) for _, k, r in shards.ranked(conn, exact, limit, RANK_WINDOW)]
        broad = index.fts_passes(wanted, prefix=True)
        if len(places) < limit and broad != exact:
            seen = set(places)
            more = [(k, r) for _, k, r in shards.ranked(conn, broad, limit, RANK_WINDOW) if (k, r) not in seen]
            places += more[: limit - len(places)]
        found: dict[tuple[int, int], tuple] = {}
        for k in sorted({k for k, _ in places}):
            rows = shards.hit_rows(conn, k, [r for kk, r in places if kk == k])
            found.update(((k, r), row) for r, row in rows.items())
        terms = index.query_terms(wanted.words)
        hits = []
        for place in places:
            if place in found:
                session, step, kind, text, words, lo, hi, idx, stamp, title, agent, started = found[place]
                edges = None if lo is None else (lo, hi)
                snippet, match = hit_snippet(wanted, terms, kind, text, words, edges)
                hits.append(SearchHit(session, step, snippet, idx, title, agent, stamp or started, match))
        return hits

    def remove(self, id_or_prefix: str) -> Removal:
        """Take one session out of the bucket: its index rows and the bucket's copies of its logs.

        The agent's logs are never touched. They are remembered (bucket/removed.py) so the next sync
        does not read them back; a log of the session that changes after this brings the session
        back whole. Other sessions are untouched, and so are its redaction plan and scan cache,
        which hold decisions and positions, not the logs' text.
        """
        if self.read_only:
            raise TracetuiError(f"the bucket {self.root} is read-only: nothing can be removed from it")
        sid = self.resolve(id_or_prefix)
        conn = self._conn()
        with self._sync_lock():
            row = conn.execute(
                "SELECT s.title, s.agent, s.grp, g.files, s.shard, s.gkey FROM sessions s"
                " LEFT JOIN groups g ON g.main = s.grp WHERE s.id = ?",
                (sid,),
            ).fetchone()
            if row is None:
                raise NotFound(f"session {sid!r} is no longer in the bucket")
            title, agent, group, files_json, shard, key = row
            files: list[str] = orjson.loads(files_json) if files_json else [group]
            logs = list(removed.load(self.root))
            for path in files:
                try:
                    st = os.stat(path)
                    size, mtime_ns = st.st_size, st.st_mtime_ns
                except OSError:
                    sidecar = self._store.load(agent, path)
                    size, mtime_ns = (sidecar.size, sidecar.mtime_ns) if sidecar else (-1, -1)
                logs = [log for log in logs if log.path != path]
                logs.append(removed.RemovedLog(agent, path, size, mtime_ns, group, sid))
            # The decision first, then the rows, then the copies: a crash between leaves a removal
            # the next sync finishes, never a session that comes back on its own.
            removed.save(self.root, logs)
            conn.execute("BEGIN")
            try:
                index.drop_group(conn, group)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            # Its text leaves the search index now, not at the next sync.
            writer = shards.connect(self.root, shard)
            try:
                shards.drop(writer, [key])
            finally:
                writer.close()
            resume.forget(self.root, group)
            copies = sum(self._store.remove(agent, path) for path in files)
        return Removal(sid, title, agent, files, copies)

    def rate(self, id_or_prefix: str, verdict: str, step: str | None = None, note: str | None = None) -> Rating:
        """Record a person's good/bad verdict on a session, or on one step of it (its index or id),
        with a short note: appended to the bucket's ratings (bucket/ratings.py), which no index
        rebuild or sync touches. A later rating of the same session and step replaces this one."""
        if self.read_only:
            raise TracetuiError(f"the bucket {self.root} is read-only: no rating can be kept in it")
        sid = self.resolve(id_or_prefix)
        step_id: str | None = None
        step_index: int | None = None
        if step is not None and step.strip():
            found = _step_of(self.session(sid), step.strip())
            step_id, step_index = found.id, found.index
        rating = rated.make(sid, verdict, step_id, step_index, note)
        rated.append(self.root, rating)
        return rating

    def ratings(self) -> list[Rating]:
        """The ratings people gave, the latest for each session and step, oldest first."""
        found, _ = rated.read(self.root)
        return list(rated.latest(found).values())

    @_healing
    def raw_files(self, session_id: str) -> list[RawLog]:
        """The bucket's copies of a session's raw logs (main first), decompressed."""
        sid = self.resolve(session_id)
        conn = self._conn()
        row = conn.execute(
            "SELECT g.agent, g.files FROM sessions s JOIN groups g ON g.main = s.grp WHERE s.id = ?", (sid,)
        ).fetchone()
        if row is None:
            raise NotFound(f"the raw logs of session {sid!r} are not in the bucket index; run `tracetui sync`")
        agent, files = row[0], orjson.loads(row[1])
        out: list[RawLog] = []
        for path in files:
            sc = self._store.load(agent, path)
            if sc is None:
                raise NotFound(f"the bucket has no copy of {path!r}; run `tracetui sync`")
            out.append(RawLog(path, self._store.content(sc)))
        return out


# The session list's orders besides the newest-first default: most first, then newest.
_ORDERS = {
    "cost": "ORDER BY cost_usd IS NULL, cost_usd DESC, started DESC, id",
    "tokens": "ORDER BY tok_input + tok_output + tok_cache_read + tok_cache_write DESC, started DESC, id",
    "steps": "ORDER BY steps DESC, started DESC, id",
    "duration": "ORDER BY (julianday(ended) - julianday(started)) IS NULL, "
    "julianday(ended) - julianday(started) DESC, started DESC, id",
}


def _step_of(session: Session, wanted: str) -> Step:
    """The step of `session` that `wanted` names: its index as shown, or its id."""
    if wanted.isdigit():
        n = int(wanted)
        for step in session.steps:
            if step.index == n:
                return step
    for step in session.steps:
        if step.id == wanted:
            return step
    raise NotFound(f"session {session.id} has no step {clip(wanted, 80)!r} (its steps are 0 to {len(session.steps) - 1})")


def _like(words: str) -> str:
    """A LIKE pattern (ESCAPE '\\') that finds `words` anywhere in a title, project or id."""
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _writable(root: Path) -> bool:
    """Whether the bucket folder takes writes (a read-only mount says no even to root)."""
    if not os.access(root, os.W_OK):
        return False
    try:
        probe = root / f".write-probe.{os.getpid()}"
        probe.touch()
        probe.unlink()
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
