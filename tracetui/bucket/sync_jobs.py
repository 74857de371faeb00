"""A sync's work on one session group, in a worker process or in this one: the copies brought up
to date, the session read and its steps written to a shard (see `sync`, phase 2)."""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

import tracetui.sources as readers
from tracetui.bucket import index, resume, shards
from tracetui.bucket.store import flush as flush_copies
from tracetui.bucket.store import MAX_LINE, CopyError, Generation, Loaded, Sidecar, Store
from tracetui.errors import TracetuiError
from tracetui.model import LineError, LineErrors, Session
from tracetui.sources import RawLog
from tracetui.sources.common.titles import HIDDEN_EMPTY

if TYPE_CHECKING:
    from tracetui.sources.registry import Agent


@dataclass(slots=True)
class Job:
    """One session group with something to do: files to ingest and/or a session to (re)parse."""

    agent: str
    members: list[str]  # main first, then companions
    stale: dict[str, tuple[int, int]]  # path -> (size, mtime_ns) for files whose stat changed
    sidecars: dict[str, Sidecar]  # current sidecars of the members that have one
    old_sig: str | None
    parse: bool = True  # False for files no reader groups (kept, never parsed)
    weight: int = 0  # bytes, for progress and scheduling
    home: int | None = None  # the shard holding the group's steps now (None: not indexed yet)


@dataclass(slots=True)
class JobResult:
    """What a job hands the writer: the group's new signature, what went wrong, and the rows."""

    main: str
    sig: str | None = None
    errors: list[LineError] = field(default_factory=list)
    skip: bool = False  # nothing to write: not parsed, or the group is unchanged
    session: list[Any] | None = None  # the `sessions` row (index.session_rows, with gkey and shard)
    failed: str | None = None  # why the session could not be read again


def signature(members: list[str], sidecars: dict[str, Sidecar]) -> str | None:
    h = hashlib.sha1()
    for path in members:
        sc = sidecars.get(path)
        if sc is None:
            return None
        h.update(orjson.dumps(sc.signature()))
    return h.hexdigest()


def run_job(root: str, job: Job, slot: int | None = None, fresh: Collection[int] = ()) -> bytes:
    """Do one job; returns its `JobResult` as pickle bytes (see `_pack`). `slot` is the pool worker
    doing it (its shard takes new sessions), None without a pool. `fresh`: the shards this process
    builds whole, when they are not there yet (`shards.Writers`)."""
    return _pack(_run(Store(Path(root)), job, _writers(root, fresh), slot))


_WRITERS: dict[str, shards.Writers] = {}


def _writers(root: str, fresh: Collection[int] = ()) -> shards.Writers:
    """This process's shard connections for a bucket (a worker keeps them for its whole life)."""
    writers = _WRITERS.get(root)
    if writers is None:
        writers = _WRITERS[root] = shards.Writers(Path(root), fresh)
    else:
        writers.fresh.update(fresh)  # made earlier by the look phase, which never writes a missing shard
    return writers


def settle(root: str, done: bool = False) -> None:
    """Commit this process's shard writes when their batch is due (or `done`: all, and let go), and
    make its first copies of logs durable now and then (`store.flush`)."""
    flush_copies(due=not done)
    writers = _WRITERS.get(root)
    if writers is None:
        return
    if done:
        try:
            writers.finish()  # the shards built whole go in place (the sync returns after this)
        finally:
            _close_writers(root)
    elif writers.due(BATCH_SECONDS):
        writers.commit()


def _close_writers(root: str) -> None:
    writers = _WRITERS.pop(root, None)
    if writers is not None:
        writers.close()


def _run(store: Store, job: Job, writers: shards.Writers, slot: int | None) -> JobResult:
    main = job.members[0]
    out = JobResult(main)
    errors = out.errors
    sidecars = dict(job.sidecars)
    fresh = _ingested(store, job, sidecars, errors)
    out.sig = signature(job.members, sidecars)
    if not job.parse or out.sig is None or out.sig == job.old_sig:
        out.skip = True
        return out
    load = _Loads(store, job.agent, sidecars, fresh, errors)
    try:
        logs = [load(p) for p in job.members]
        out.sig = signature(job.members, sidecars)
    except (TracetuiError, OSError) as exc:
        return _failed_with(out, str(exc))
    try:
        session = _read_session(store, job, sidecars, logs, load)
        srow, steps = index.session_rows(session, main, "; ".join(dict.fromkeys(load.notes)) or None)
    except Exception as exc:  # a reader bug must not stop the sync of every other session
        return _failed_with(out, f"could not read this session: {type(exc).__name__}: {exc}")
    if not session.id:
        return _failed_with(out, "the reader found no session id")
    if out.sig is None:  # a member's copy could not be made: `load` raised before this
        return _failed_with(out, "the bucket has no copy of one of this session's logs")
    shard = _shard_of(job, slot)
    key = shards.gkey(main)
    if len(steps) > shards.MAX_STEPS:  # a log of millions of lines, hostile or not
        errors.append(LineError(main, 0, f"this session has {len(steps):,} steps; the index keeps the first "
                                         f"{shards.MAX_STEPS:,}"))  # fmt: skip
        steps = steps[: shards.MAX_STEPS]
    try:
        writers.put(shard, key, session.id, out.sig, steps)
    except sqlite3.DatabaseError as exc:  # the bucket's side failed (a full disk): say so, keep the old rows
        writers.abandon(shard)  # a shard being built is dropped whole (the next sync reads it again)
        return _failed_with(out, f"cannot write the bucket index ({shards.path(writers.root, shard).name}): {exc}")
    out.session = [*srow, key, shard]
    errors.extend(e for e in session.errors if e not in load.unread)
    return out


def _ingested(
    store: Store, job: Job, sidecars: dict[str, Sidecar], errors: list[LineError]
) -> dict[str, Loaded]:
    """Copy the job's changed logs into the bucket, their new sidecars into `sidecars`; returns the
    logs just copied whose newest record is the one to read (so they are not loaded again)."""
    fresh: dict[str, Loaded] = {}
    for path, (size, mtime_ns) in job.stale.items():
        try:
            sc, loaded = store.ingest(job.agent, path, size, mtime_ns, sidecars.get(path))
        except CopyError as exc:  # the bucket's side failed: say so, never blame the log
            errors.append(LineError(path, 0, str(exc)))
            continue
        except TracetuiError as exc:  # not a regular file
            errors.append(LineError(path, 0, f"cannot read the log: {exc}"))
            continue
        except OSError as exc:
            errors.append(LineError(path, 0, f"cannot read the log: {exc.strerror or exc}"))
            continue
        sidecars[path] = sc
        if loaded is not None and sc.best().gen == sc.gen:
            fresh[path] = loaded
    return fresh


class _Loads:
    """A job's logs as the reader takes them: this sync's fresh copies, else the bucket's records
    (a damaged one copied again from the log, into `sidecars`), with the copies' notes gathered."""

    def __init__(
        self,
        store: Store,
        agent: str,
        sidecars: dict[str, Sidecar],
        fresh: dict[str, Loaded],
        errors: list[LineError],
    ) -> None:
        self.store, self.agent, self.sidecars, self.fresh, self.errors = store, agent, sidecars, fresh, errors
        self.notes: list[str] = []
        # What a copy could not hand the reader (a line over the limit, a damaged copy): said in this
        # sync's report and kept with the session, so `show` and the app still say it afterwards.
        self.unread: list[LineError] = []

    def said(self, error: LineError) -> None:
        if error not in self.unread:  # the generations compared load the same log again
            self.unread.append(error)
            self.errors.append(error)

    def __call__(self, path: str, generation: Generation | None = None) -> RawLog:
        got = self.fresh.get(path) if generation is None else None
        if got is None:
            try:
                got = self.store.load_record(self.sidecars[path], generation)
            except TracetuiError:
                # Every copy of this log is damaged. While the log itself is there, copy it again.
                if not os.path.exists(path):
                    raise
                self.sidecars[path], got = self.store.recopy(self.agent, path, self.sidecars[path])
                why = "the bucket's copy of this log was damaged; copied the log again"
                self.said(LineError(path, 0, why, True))
        for line, length in got.skipped:
            why = (
                f"a line of {length / 1e6:.0f} MB is over the "
                f"{MAX_LINE >> 20} MB limit; kept in the bucket's copy, not read"
            )
            self.said(LineError(path, line, why))
        if got.note:
            self.notes.append(got.note)
        return RawLog(path, got.data)


def _read_session(
    store: Store, job: Job, sidecars: dict[str, Sidecar], logs: list[RawLog], load: _Loads
) -> Session:
    """The job's session read from its `logs`, with what its copies could not hand the reader."""
    main = job.members[0]
    reader = readers.reader(job.agent)
    kept = sidecars[main].generations() if main in sidecars and sidecars[main].kept else []
    if kept:
        session = reader.read(logs[0], logs[1:])
    else:  # the one log record there is: read only what grew since the last sync (bucket/resume.py)
        session = resume.read(store.dir.parent, reader, logs, sidecars[main].gen, sidecars[main].mtime_ns)
    if kept:
        session = _most_steps(reader, session, kept, main, sidecars, logs, load)
    unread = [e for e in load.unread if e not in session.errors]
    # Kept with the session, said at every sync and `show`.
    session.errors = LineErrors([*unread, *session.errors])
    if session.hidden == HIDDEN_EMPTY and any(not e.recovered for e in load.unread):
        session.hidden = None  # empty only because its one record was too long to read: list it
    return session


def _most_steps(
    reader: Agent,
    session: Session,
    kept: list[Generation],
    main: str,
    sidecars: dict[str, Sidecar],
    logs: list[RawLog],
    load: _Loads,
) -> Session:
    """The log was shortened or rewritten: the record shown is the one with the most steps among the
    generations kept (the newest on a tie), so no rewrite ever costs a step. `load.notes` are its."""
    notes = load.notes
    best, best_gen, best_notes = session, None, list(notes)
    # The longest few, and always the log as it is now: a whole-document log rewritten at
    # every update (Gemini CLI's v1 sessions) has many longer generations behind a
    # rewrite that shortened it, and its newest steps are in the current one.
    compared = kept[:MAX_GENERATIONS]
    current = sidecars[main].current
    if all(g.gen != current.gen for g in compared):
        compared.append(current)
    for g in compared:
        notes.clear()
        try:
            other = reader.read(load(main, g), logs[1:])
        except TracetuiError:
            continue
        if (len(other.steps), g.gen) > (len(best.steps), best_gen if best_gen is not None else -1):
            best, best_gen, best_notes = other, g.gen, list(notes)
    notes[:] = best_notes
    if best_gen is not None and best_gen == sidecars[main].gen:
        notes[:] = [n for n in notes if "shortened" not in n]
    return best


def _shard_of(job: Job, slot: int | None) -> int:
    """The shard the job's steps go to. An indexed session is written again where it is (only its
    changed steps are); a new one goes to the worker's own shard, so workers do not wait on each
    other's writes."""
    if job.home is not None:
        return job.home
    if slot is not None:
        return slot % shards.SHARDS
    return shards.home(job.members[0])


def _failed_with(out: JobResult, why: str) -> JobResult:
    out.failed = why
    out.errors.append(LineError(out.main, 0, why))
    return out


def _pack(out: JobResult) -> bytes:
    """A job's result as bytes for the main process.

    Pickle, because the main process unpickles these rows in less than half the time orjson takes
    to parse them, and the main process (the one SQLite writer) is the pipeline's narrowest part.
    The bytes only ever travel from our own worker process to its parent, over a private pipe.
    Text no UTF-8 encoder takes (a lone surrogate) travels as it is: `index.put_session` mends the
    rows. The errors (few and small) are mended here, as they go on to JSON output.
    """
    mended = [(index.mend([e.path, e.line, e.error]), e) for e in out.errors]
    out.errors = [LineError(row[0], row[1], row[2], e.recovered, e.count) for row, e in mended]
    return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


# Generations of one log compared when it was shortened or rewritten (each is parsed).
MAX_GENERATIONS = 4


# Commit the index this often: few enough transactions to be fast, often enough that a reader (the
# UI) sees sessions appear, and can search them, during a long cold sync.
BATCH_SECONDS = 0.5
