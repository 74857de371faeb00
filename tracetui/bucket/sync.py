"""Incremental sync: source logs -> the bucket's copies -> parsed sessions -> the index.

A sync has three phases:
1. look: find the source logs, stat them, and compare with the sidecars (no log is read here);
2. work, per session group (a reader's `group()` output): bring the copies of changed files up to
   date and, when the group's consumed bytes differ from what the index was built from, parse the
   session. This runs in a process pool when there is a lot of it (cold syncs);
3. write: whoever parsed a session writes its steps into a shard of the index (`shards.py`: the
   workers write in parallel); then the main process replaces each changed group's session row in
   the main index, one transaction each batch, so a crash leaves the previous rows (and the
   previous group signature) in place. Last, steps no session row points to are collected.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

import tracetui.sources as readers
from tracetui.bucket import index, removed, resume, scoped, shards
from tracetui.bucket.locations import SourceFolder, default_sources, discover, source_folders
from tracetui.bucket.pool import run_pool
from tracetui.bucket.store import MAX_LINE, CopyError, Generation, Loaded, Sidecar, Store, sweep_temp_files
from tracetui.bucket.store import flush as flush_copies
from tracetui.errors import TracetuiError
from tracetui.model import LineError
from tracetui.sources import RawLog, registry
from tracetui.sources.common.titles import HIDDEN_EMPTY
from tracetui.sources.gemini.split import is_part


@dataclass(slots=True)
class SyncReport:
    sessions: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)
    seconds: float = 0.0
    searched: list[SourceFolder] = field(default_factory=list)  # where this sync looked for logs

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.to_dict() for e in self.errors],
            "seconds": round(self.seconds, 3),
            "searched": [f.to_dict() for f in self.searched],
        }


@dataclass(slots=True)
class SyncProgress:
    """Passed to the progress callback after each unit of work."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int


ProgressCallback = Callable[[SyncProgress], None]


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
    out.sig = signature(job.members, sidecars)
    if not job.parse or out.sig is None or out.sig == job.old_sig:
        out.skip = True
        return out
    notes: list[str] = []
    # What a copy could not hand the reader (a line over the limit, a damaged copy): said in this
    # sync's report and kept with the session, so `show` and the app still say it afterwards.
    unread: list[LineError] = []

    def said(error: LineError) -> None:
        if error not in unread:  # the generations compared below load the same log again
            unread.append(error)
            errors.append(error)

    def load(path: str, generation: Generation | None = None) -> RawLog:
        got = fresh.get(path) if generation is None else None
        if got is None:
            try:
                got = store.load_record(sidecars[path], generation)
            except TracetuiError:
                # Every copy of this log is damaged. While the log itself is there, copy it again.
                if not os.path.exists(path):
                    raise
                sidecars[path], got = store.recopy(job.agent, path, sidecars[path])
                said(LineError(path, 0, "the bucket's copy of this log was damaged; copied the log again", True))
        for line, length in got.skipped:
            said(LineError(path, line, f"a line of {length / 1e6:.0f} MB is over the "
                                       f"{MAX_LINE >> 20} MB limit; kept in the bucket's copy, not read"))  # fmt: skip
        if got.note:
            notes.append(got.note)
        return RawLog(path, got.data)

    try:
        logs = [load(p) for p in job.members]
        out.sig = signature(job.members, sidecars)
    except (TracetuiError, OSError) as exc:
        return _failed_with(out, str(exc))
    try:
        reader = readers.reader(job.agent)
        kept = sidecars[main].generations() if main in sidecars and sidecars[main].kept else []
        if kept:
            session = reader.read(logs[0], logs[1:])
        else:  # the one log record there is: read only what grew since the last sync (bucket/resume.py)
            session = resume.read(store.dir.parent, reader, logs, sidecars[main].gen, sidecars[main].mtime_ns)
        if kept:
            # The log was shortened or rewritten: the record shown is the one with the most steps
            # among the generations kept (the newest on a tie), so no rewrite ever costs a step.
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
            session, notes[:] = best, best_notes
            if best_gen is not None and best_gen == sidecars[main].gen:
                notes[:] = [n for n in notes if "shortened" not in n]
        session.errors[:0] = [e for e in unread if e not in session.errors]
        if session.hidden == HIDDEN_EMPTY and any(not e.recovered for e in unread):
            session.hidden = None  # empty only because its one record was too long to read: list it
        srow, steps = index.session_rows(session, main, "; ".join(dict.fromkeys(notes)) or None)
    except Exception as exc:  # a reader bug must not stop the sync of every other session
        return _failed_with(out, f"could not read this session: {type(exc).__name__}: {exc}")
    if not session.id:
        return _failed_with(out, "the reader found no session id")
    if out.sig is None:  # a member's copy could not be made: `load` raised before this
        return _failed_with(out, "the bucket has no copy of one of this session's logs")
    # An indexed session is written again where it is (only its changed steps are); a new one goes
    # to the worker's own shard, so workers do not wait on each other's writes.
    if job.home is not None:
        shard = job.home
    elif slot is not None:
        shard = slot % shards.SHARDS
    else:
        shard = shards.home(main)
    key = shards.gkey(main)
    if len(steps) > shards.MAX_STEPS:  # a log of millions of lines, hostile or not
        errors.append(LineError(main, 0, f"this session has {len(steps):,} steps; the index keeps the first "
                                         f"{shards.MAX_STEPS:,}"))  # fmt: skip
        steps = steps[: shards.MAX_STEPS]
    try:
        shards.put(writers.begin(shard), key, session.id, out.sig, steps)
    except sqlite3.DatabaseError as exc:  # the bucket's side failed (a full disk): say so, keep the old rows
        writers.abandon(shard)  # a shard being built is dropped whole (the next sync reads it again)
        return _failed_with(out, f"cannot write the bucket index ({shards.path(writers.root, shard).name}): {exc}")
    out.session = [*srow, key, shard]
    errors.extend(e for e in session.errors if e not in unread)
    return out


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
    mended = [(index.mend([e.path, e.line, e.error]), e.recovered) for e in out.errors]
    out.errors = [LineError(row[0], row[1], row[2], recovered) for row, recovered in mended]
    return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


# While jobs run, the cyclic garbage collector looks at young objects after this many allocations
# (Python's default: 700). A read allocates objects by the hundred thousand and nearly all of them
# live until its session is written, so most collections found nothing to free.
YOUNG_COLLECTION = 10_000
_quiet = threading.Lock()
_quiet_depth = 0
_threshold_before = 700
_frozen_before = 0


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run jobs with the garbage collector doing less for nothing (a cold sync: 5% of its CPU).

    The objects alive on entry (modules, the bucket's own) are frozen out of the full collections,
    which walked them all each time, and young objects are looked at less often. Memory stays
    bounded: what is not in a cycle is freed as ever, and cycles are still found, in larger
    batches. Both settings are the process's: they are restored when the last sync using them ends.
    """
    global _quiet_depth, _threshold_before, _frozen_before
    with _quiet:
        _quiet_depth += 1
        if _quiet_depth == 1:
            young, *older = gc.get_threshold()
            _threshold_before = young
            _frozen_before = gc.get_freeze_count()
            gc.freeze()
            gc.set_threshold(max(young, YOUNG_COLLECTION), *older)
    try:
        yield
    finally:
        with _quiet:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                gc.set_threshold(_threshold_before, *gc.get_threshold()[1:])
                # What was frozen before stays so (`tracetui.collector.keep_out`: a big session the
                # app shows): unfrozen, the next full collection walked all of it, seconds of a
                # stalled UI after the first sync that followed opening a 1,000,000-step session.
                if not _frozen_before:
                    gc.unfreeze()


# Generations of one log compared when it was shortened or rewritten (each is parsed).
# Where a stage hook writes the logs it makes from an agent's other files (Gemini's prompt history),
# under the bucket's root.
STAGED = scoped.STAGED
MAX_GENERATIONS = 4
# Below this much work a pool's start-up (a fresh interpreter per worker) costs more than it saves.
POOL_MIN_JOBS = 8
POOL_MIN_BYTES = 8 << 20
# Commit the index this often: few enough transactions to be fast, often enough that a reader (the
# UI) sees sessions appear, and can search them, during a long cold sync.
BATCH_SECONDS = 0.5


def _results(root: str, jobs: list[Job], workers: int | None) -> Iterator[tuple[Job, bytes]]:
    total = sum(j.weight for j in jobs)
    if workers is None:
        workers = os.cpu_count() or 1
        if len(jobs) < POOL_MIN_JOBS or total < POOL_MIN_BYTES:
            workers = 1
    if workers <= 1:
        # This process writes every shard it writes alone.
        _writers(root, fresh_shards(Path(root), jobs, range(shards.SHARDS)))
        for job in jobs:
            yield job, run_job(root, job)
        return
    # Largest first, so one big session does not finish alone at the end.
    order = sorted(jobs, key=lambda j: -j.weight)
    workers = min(workers, len(order))
    slots = [slot % shards.SHARDS for slot in range(workers)]
    yield from run_pool(root, order, workers, _failed, sorted(fresh_shards(Path(root), jobs, slots)))


def fresh_shards(root: Path, jobs: list[Job], writes: Collection[int]) -> set[int]:
    """The shards this sync can build whole (`shards.Writers`): not there yet, holding no job's
    group, and written by one process only (`writes`: the shard of each writing process)."""
    homes = {job.home for job in jobs}
    return {
        k for k in set(writes)
        if list(writes).count(k) == 1 and k not in homes and not shards.path(root, k).exists()
    }


def _failed(job: Job, reason: str) -> bytes:
    return _pack(_failed_with(JobResult(job.members[0]), f"could not read this session: {reason}"))


def sync(
    root: Path,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]] | None = None,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    paths: Collection[str] | None = None,
) -> SyncReport:
    """`paths`: the files a watcher saw change. Only their session groups are looked at then
    (`scoped.py`), unless the change cannot be scoped, when the whole sync runs as without them."""
    started = time.perf_counter()
    report = SyncReport()
    store = Store(root)
    store.ensure()
    if sources is None:
        sources = default_sources()
    report.searched = source_folders(sources)
    jobs = None if paths is None else _plan_scoped(store, conn, sources, paths, report)
    whole = jobs is None
    if jobs is None:
        # The tidying that lists the bucket's folders is left to whole syncs (each watch or app
        # starts with one): in a bucket of 100,000 logs it costs more than a scoped sync.
        sweep_temp_files(store.dir)  # left by a sync that was killed
        sweep_temp_files(root)  # shards a killed sync was building
        resume.prune(root)  # reader states: temporary files of a killed sync, states of logs long quiet
        jobs = _plan(store, conn, sources, report)
    try:
        with fewer_collections():
            _work_and_write(str(root), conn, jobs, workers, progress, report, tidy=whole)
    finally:
        _close_writers(str(root))
    if jobs:
        # A subagent's row (or its parent's) written afresh: tie children their logs leave unnamed.
        conn.execute("BEGIN")
        index.tie_spawned(conn, {job.agent for job in jobs}, _SpawnIndexes())
        # A row written with no cwd (a transcript of only a queued prompt), or a neighbour that
        # brings one: the cwd its folder stands for.
        placed = [(job.agent, job.members[0]) for job in jobs if _folder_cwd_of(job.agent) is not None]
        index.tie_folders(conn, placed, _in_folder)
        conn.execute("COMMIT")
    report.sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
    report.unchanged = report.sessions - report.new - report.updated
    report.seconds = time.perf_counter() - started
    return report


class _SpawnIndexes:
    """The agent's own index of its subagents beside a parent's log (registry `spawn_index`), else {},
    read once a folder: every parent of a folder that waits on a key asked again, and OpenClaw's
    `sessions.json` (up to 64 MB) was read and parsed once per such parent at every sync a watcher ran
    (200 parents beside a 22 MB store: 33 s of CPU for one changed log)."""

    def __init__(self) -> None:
        self._read: dict[tuple[str, str], dict[str, str]] = {}

    def __call__(self, agent: str, source: str) -> dict[str, str]:
        folder = (agent, str(Path(source).parent))
        if folder not in self._read:
            self._read[folder] = _spawn_index(agent, source)
        return self._read[folder]


def _folder_cwd_of(agent: str) -> Callable[[str, str], bool] | None:
    try:
        return registry.get(agent).folder_cwd
    except ValueError:
        return None


def _in_folder(agent: str, path: str, cwd: str) -> bool:
    """Whether the log at `path` sits in the folder the agent keeps `cwd`'s sessions in (its
    `folder_cwd`); False for an agent without one, or where it fails."""
    check = _folder_cwd_of(agent)
    try:
        return check is not None and check(path, cwd)
    except Exception:  # a check that fails gives no cwd; the sync goes on
        return False


def _spawn_index(agent: str, source: str) -> dict[str, str]:
    try:
        look = registry.get(agent).spawn_index
    except ValueError:
        return {}
    if look is None:
        return {}
    try:
        return look(Path(source))
    except Exception:  # an index it cannot read ties nothing; the sync goes on
        return {}


def _plan(
    store: Store,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]],
    report: SyncReport,
    alone: bool = False,
) -> list[Job]:
    """Phase 1, look: which groups have work, from stat and the sidecars alone (no log is read).
    Groups that are gone leave the index here, or keep their rows with a note. `alone`: these
    agents' folders are synced whole while every other agent's stay as they are (a scoped sync's
    change that an agent's stage decides), so only their sidecars and indexed groups are loaded."""
    found_by_agent: dict[str, list[Path]] = {}
    for agent, roots in sources.items():
        found_files = discover(agent, roots, report.errors)  # a log linked out of its folder: one line
        stage = registry.get(agent).stage
        if stage is not None:  # the agent's sessions are not log files: it writes logs the bucket can copy
            try:
                found_files, problems = stage(found_files, store.dir.parent / STAGED / agent)
            except Exception as exc:
                why = f"cannot gather {agent} sessions: {type(exc).__name__}: {exc}"
                found_files, problems = [], [LineError(agent, 0, why)]
            report.errors.extend(problems)
        found_by_agent[agent] = found_files
    if alone:
        group_files = index.load_group_files(conn, agents=set(sources))
        sidecars = {}
        for agent, found_files in found_by_agent.items():
            held = {p for a, files in group_files.values() if a == agent for p in files}
            for p in sorted(held | {str(f) for f in found_files if _utf8(str(f))}):
                sc = store.load(agent, p)
                if sc is not None:
                    sidecars[(agent, p)] = sc
    else:
        sidecars = store.load_all()
        group_files = index.load_group_files(conn)
    # Logs of sessions the user removed (`tracetui rm`) that have not changed since: passed over,
    # as if the bucket had never seen them (bucket/removed.py).
    gone = removed.still_removed(store.dir.parent)
    if gone:
        sidecars = {k: v for k, v in sidecars.items() if k not in gone}
        for main, (agent, files) in list(group_files.items()):
            if all((agent, f) in gone for f in files):
                # A removal that stopped half-way (its rows still here): finish it.
                conn.execute("BEGIN")
                index.drop_group(conn, main)
                conn.execute("COMMIT")
                resume.forget(store.dir.parent, main)
                del group_files[main]
    for agent, files in group_files.values():
        for path in files:
            if (agent, path) not in sidecars:
                # A sidecar lost or damaged: rebuild it from the copies, so the session keeps its
                # history even when the agent has deleted the log.
                repaired = store.repair(agent, path)
                if repaired is not None:
                    sidecars[(agent, path)] = repaired
                    report.errors.append(LineError(path, 0, "the bucket's record of this log was damaged; "
                                                            "rebuilt it from its copy"))  # fmt: skip
    stale: dict[tuple[str, str], tuple[int, int]] = {}
    for agent, found_files in found_by_agent.items():
        for found in found_files:
            p = str(found)
            if (agent, p) in gone:
                continue
            if not _utf8(p):
                # The bucket records a log by its path (sidecar, index, the session's source), all
                # UTF-8: a name the file system gives as other bytes is said, and the log left alone.
                report.errors.append(LineError(p, 0, "the log's path is not UTF-8: rename it to have it read"))
                continue
            try:
                st = os.stat(p)
            except OSError as exc:
                report.errors.append(LineError(p, 0, f"cannot read: {exc.strerror or exc}"))
                continue
            sc = sidecars.get((agent, p))
            if sc is None or sc.size != st.st_size or sc.mtime_ns != st.st_mtime_ns:
                stale[(agent, p)] = (st.st_size, st.st_mtime_ns)

    known: dict[str, set[str]] = {}
    for agent, p in [*sidecars, *stale]:
        known.setdefault(agent, set()).add(p)

    # `alone`: the other agents' groups are not this sync's to look at
    indexed = index.load_groups(conn, set(sources) if alone else None)
    homes = index.homes(conn, set(sources) if alone else None)
    _forget_unwritten(store.dir.parent, indexed, homes, each=alone)
    jobs: list[Job] = []
    live_groups: set[str] = set()
    grouped_agents: set[str] = set()
    for agent in sorted(known):
        paths = sorted(known[agent])
        try:
            groups = readers.reader(agent).group([Path(p) for p in paths])
        except Exception as exc:
            report.errors.append(LineError(agent, 0, f"cannot group {agent} logs: {type(exc).__name__}: {exc}"))
            continue
        grouped_agents.add(agent)
        agent_sc = {p: sc for (a, p), sc in sidecars.items() if a == agent}
        grouped: set[str] = set()
        for g in groups:
            members = [str(p) for p in g.all]
            grouped.update(members)
            main = members[0]
            live_groups.add(main)
            member_sc = {p: agent_sc[p] for p in members if p in agent_sc}
            member_stale = {p: stale[(agent, p)] for p in members if (agent, p) in stale}
            old_sig = indexed[main][1] if main in indexed else None
            if not member_stale and old_sig is not None and signature(members, member_sc) == old_sig:
                continue
            weight = sum(member_stale.get(p, (0, 0))[0] or (member_sc[p].offset if p in member_sc else 0) for p in members)
            jobs.append(Job(agent, members, member_stale, member_sc, old_sig, True, weight, homes.get(main)))
        for p in paths:
            if p not in grouped and (agent, p) in stale:
                jobs.append(Job(agent, [p], {p: stale[(agent, p)]}, {}, None, False, stale[(agent, p)][0]))

    # Groups the readers no longer form leave the index only when each of their logs now belongs to
    # another group (it moved). One whose logs and copies are all gone keeps its rows, with a note:
    # a session once listed is never dropped without a reason. An agent whose grouping failed keeps
    # what it had.
    live_files = {p for agent in grouped_agents for p in known.get(agent, ())}
    for main in [m for m, (agent, _) in indexed.items() if agent in grouped_agents and m not in live_groups]:
        files = group_files.get(main, ("", [main]))[1]
        conn.execute("BEGIN")
        if all(f in live_files for f in files):
            index.drop_group(conn, main)
            resume.forget(store.dir.parent, main)
        else:
            index.set_note(conn, main, "its log and the bucket's copy of it are gone; showing what was indexed")
            report.errors.append(LineError(main, 0, "the log and the bucket's copy of it are gone; "
                                                    "the indexed session is kept"))  # fmt: skip
        conn.execute("COMMIT")
    return jobs


def _plan_scoped(
    store: Store,
    conn: sqlite3.Connection,
    sources: dict[str, list[Path]],
    paths: Collection[str],
    report: SyncReport,
) -> list[Job] | None:
    """Phase 1 for the groups of the changed `paths` alone (`scoped.py`); None: sync the whole."""
    errors: list[LineError] = []
    scopes = scoped.plan(store, conn, sources, paths, errors)
    report.errors.extend(errors)  # a sidecar rebuilt is said even when the whole sync follows
    if scopes is None:
        return None
    root = store.dir.parent
    jobs: list[Job] = []
    restaged = {scope.agent: sources[scope.agent] for scope in scopes if scope.restage}
    if restaged:  # a change only the agent's stage can place: its folders whole, no other agent's
        jobs.extend(_plan(store, conn, restaged, report, alone=True))
    for scope in scopes:
        if scope.restage:
            continue
        agent, stats, sidecars, indexed = scope.agent, scope.stats, scope.sidecars, scope.indexed
        formed: set[str] = set()
        grouped: set[str] = set()
        for members in scope.groups:
            main = members[0]
            formed.add(main)
            grouped.update(members)
            member_sc = {p: sidecars[p] for p in members if p in sidecars}
            member_stale = {
                p: stats[p]
                for p in members
                if p not in sidecars or (sidecars[p].size, sidecars[p].mtime_ns) != stats[p]
            }
            old = indexed.get(main)
            old_sig = old[2] if old is not None else index.group_sig(conn, main)
            home = index.home(conn, main)
            held = None if home is None else scoped.shard_sig(_writers(str(root)), home, main)
            if old_sig is not None and home is not None and held != old_sig:
                old_sig = ""  # its steps were never committed to the shard (a sync died): read it again
            if not member_stale and old_sig is not None and signature(members, member_sc) == old_sig:
                continue
            weight = sum(
                member_stale.get(p, (0, 0))[0] or (member_sc[p].offset if p in member_sc else 0)
                for p in members
            )
            jobs.append(Job(agent, members, member_stale, member_sc, old_sig, True, weight, home))
        for p, st in stats.items():
            if p not in grouped and (p not in sidecars or (sidecars[p].size, sidecars[p].mtime_ns) != st):
                jobs.append(Job(agent, [p], {p: st}, {}, None, False, st[0]))
        for main in indexed:
            if main not in formed:  # each of its files went to another group (scoped.py checked)
                conn.execute("BEGIN")
                index.drop_group(conn, main)
                conn.execute("COMMIT")
                resume.forget(root, main)
    return jobs


def _forget_unwritten(
    root: Path, indexed: dict[str, tuple[str, str]], homes: dict[str, int], each: bool = False
) -> None:
    """Groups whose session row is newer than the steps in its shard (a sync died before its shard
    writes were committed) are read again: their signature is forgotten here. `each`: look each
    group up (one agent's few), not every signature of the shards (the whole bucket's)."""
    held: dict[int, dict[int, str]] = {}
    for main, shard in homes.items():
        if main not in indexed:
            continue
        if each:
            sig = scoped.shard_sig(_writers(str(root)), shard, main)
        else:
            if shard not in held:
                held[shard] = _shard_sigs(root, shard)
            sig = held[shard].get(shards.gkey(main))
        if sig != indexed[main][1]:
            indexed[main] = (indexed[main][0], "")


def _shard_sigs(root: Path, shard: int) -> dict[int, str]:
    if not shards.path(root, shard).exists():
        return {}
    try:
        return shards.sigs(_writers(str(root))[shard])
    except sqlite3.DatabaseError:
        return {}


def _work_and_write(
    root: str,
    conn: sqlite3.Connection,
    jobs: list[Job],
    workers: int | None,
    progress: ProgressCallback | None,
    report: SyncReport,
    tidy: bool = True,
) -> None:
    """Phases 2 and 3: run the jobs (in a pool when there is a lot to do; each writes its steps to a
    shard) and write each session row, committing in batches so a reader sees sessions appear and
    a crash keeps the previous rows. Then collect the steps no session row points to."""
    bytes_total = sum(j.weight for j in jobs)
    if any(not registry.importable(agent) for agent in {j.agent for j in jobs}):
        workers = 1  # an agent registered at run time is unknown to fresh worker processes
    files_total = sum(len(j.members) for j in jobs)
    files_done = bytes_done = 0
    batch_started = time.perf_counter()
    in_tx = False
    try:
        staged = os.path.join(root, STAGED, "")
        for job, payload in _results(root, jobs, workers):
            result: JobResult = pickle.loads(payload)
            report.errors.extend(result.errors)
            if not in_tx:
                conn.execute("BEGIN")
                in_tx = True
                batch_started = time.perf_counter()
            _write(conn, job, result, report, staged)
            files_done += len(job.members)
            bytes_done += job.weight
            if time.perf_counter() - batch_started >= BATCH_SECONDS:
                settle(root)  # this process's own shard writes (a sync without a pool) go first
                conn.execute("COMMIT")
                in_tx = False
            if progress is not None:
                progress(SyncProgress(files_done, files_total, bytes_done, bytes_total))
        settle(root, done=True)
        if in_tx:
            conn.execute("COMMIT")
            in_tx = False
    finally:
        # SQLite rolls a transaction back by itself on some errors (a full disk): roll back only
        # what is still open, so the real error is the one reported.
        if in_tx and conn.in_transaction:
            conn.execute("ROLLBACK")
    if not tidy:  # a scoped sync: steps left unplaced are never shown, and the next whole sync tidies them
        return
    try:
        shards.collect(_writers(root), index.placed(conn))
    except sqlite3.DatabaseError as exc:  # steps no session points to are never shown: tidy them next time
        report.errors.append(LineError(root, 0, f"could not tidy the bucket index's step shards: {exc}"))


def _write(conn: sqlite3.Connection, job: Job, result: JobResult, report: SyncReport, staged: str = "\0") -> None:
    if result.skip:
        return
    main, sig, srow = result.main, result.sig, result.session
    existed = job.old_sig is not None
    if srow is None and result.failed and index.has_sessions(conn, main):
        # A session once listed is never dropped for failing to read again: its last good rows stay,
        # with the reason on them, and the group keeps its old signature so the next sync retries.
        index.set_note(conn, main, f"not updated: {result.failed}")
        return
    if sig is None:
        # No signature (its worker died before reading it): record nothing, so the next sync tries
        # the group again; the error is already in the report.
        return
    index.drop_group(conn, main)
    # The group is recorded even when it yields no session (the reader failed on it, or its id
    # is taken): its errors were reported now, and an unchanged group is not parsed again.
    index.put_group(conn, main, job.agent, job.members, sig)
    if srow is None:
        return
    sid = srow[0]
    held_by = index.owner_of(conn, sid)
    if held_by is not None:
        owner, owner_agent = held_by
        # Two logs give one session id (a copy, a fork, or a log planted to hide another): the one
        # holding more of the session is listed, whichever was read first, as between generations
        # of one log. A one-step file named to sort first no longer hides the real session.
        # A log staged from an agent's prompt history stands in for a session until the session's own
        # log appears: that one taking over is the plan, not a copy to report. Only the same agent's
        # log stands in so, and never a conversation the stage cut out of a shared file: its id is
        # whatever the file's writer put there, and one naming another session's id hid that session
        # without a word.
        quiet = (
            (owner.startswith(staged) or main.startswith(staged))
            and owner_agent == job.agent
            and not any(is_part(Path(p)) for p in (owner, main))
        )
        held = index.steps_of(conn, sid)
        if srow[index.STEPS_AT] <= held:
            if not quiet:
                report.errors.append(LineError(main, 0, f"session {sid} was already read from {owner}; "
                                               "this copy is not indexed"))  # fmt: skip
            return
        index.drop_session(conn, sid)
        if not quiet:
            report.errors.append(LineError(owner, 0, f"session {sid} is also in {main}, which holds more of it; "
                                           "this copy is no longer indexed"))  # fmt: skip
    index.put_session(conn, srow)
    if existed:
        report.updated += 1
    else:
        report.new += 1


def _utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # a byte the file system name held that is not UTF-8 (surrogateescape)
        return False
    return True
